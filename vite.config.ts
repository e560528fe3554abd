import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY } from './src/platform/csp';

// The CSP as a header too: a document's <meta> policy does not reach the engine worker.
const securityHeaders = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY };

// Served on 127.0.0.1 (a secure context, so navigator.gpu exists) and never on 0.0.0.0.
export default defineConfig({
  plugins: [react()],
  // Some bundles (plotly's scattergl path) reference the Node global.
  define: { global: 'globalThis' },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // tfjs core + three backends are ~900 kB minified; that is expected.
    chunkSizeWarningLimit: 2000,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: securityHeaders },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: securityHeaders },
});
