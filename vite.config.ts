import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY } from './src/platform/csp';

// The CSP as a header too: a document's <meta> policy does not reach the engine worker.
const securityHeaders = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY };

/**
 * The MNIST digits (src/data/mnist-14x14-data.ts, ~0.8 MB: 6,000 digits at 4 bits a pixel) go into the engine worker's bundle
 * only: the page creates tasks just for their metadata and never runs one, so its bundle gets
 * the sizes without the digits. Build only (in dev, top-level plugins also reach the worker);
 * the worker build does not run top-level plugins.
 */
function mnistDigitsOnlyInWorker(): Plugin {
  return {
    name: 'mnist-digits-only-in-worker',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/data/mnist-14x14-data.ts')) return null;
      const stripped = code.replace(/export const MNIST_BASE64 = \[[\s\S]*?\]\.join\(''\);/, "export const MNIST_BASE64 = '';");
      if (stripped === code) throw new Error('mnist-digits-only-in-worker: MNIST_BASE64 not found in the generated data file');
      return { code: stripped, map: null };
    },
  };
}

// Served on 127.0.0.1 (a secure context, so navigator.gpu exists) and never on 0.0.0.0.
export default defineConfig({
  plugins: [react(), mnistDigitsOnlyInWorker()],
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
