import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The bench / parity page (bench/index.html), built apart from the app into bench/dist so
 * it never ships in dist/. Served on 127.0.0.1 (a secure context: navigator.gpu exists).
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  define: { global: 'globalThis' },
  logLevel: 'warn',
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
});
