/**
 * The Content-Security-Policy of the playground: everything from the page's own origin,
 * no eval (script-src without 'unsafe-eval'; tfjs, Plotly's cartesian bundle and KaTeX
 * need none), no remote origin for anything (scripts, workers, fetch/WebSocket, images,
 * fonts, styles), no plugins, no <base> or form tricks.
 *
 * Delivered twice: as a <meta> in index.html (any static host) and as a response header
 * by the Vite dev and preview servers (vite.config.ts) — only the header reaches the
 * engine worker, which a document's <meta> policy does not cover. csp.test.ts keeps the
 * two identical.
 *
 * - `'unsafe-inline'` for styles only: Plotly and Vite's dev server inject <style>
 *   elements; inline styles cannot run code.
 * - The one script hash is @vitejs/plugin-react's dev-only React Refresh preamble (an
 *   inline module script Vite injects in dev; the production build has no inline script).
 * - data:/blob: images: Plotly's PNG export and the modebar icons; data: fonts: one font
 *   the bundled CSS inlines.
 * - `'wasm-unsafe-eval'` lets WebAssembly compile, nothing else: tfjs's long.js probes a
 *   tiny built-in wasm module for 64-bit multiplication (and would fall back to JS). It
 *   does not allow eval / new Function / string timers — those stay refused (the e2e
 *   checks it in the page and in the worker).
 */
export const REACT_REFRESH_PREAMBLE_SHA256 = 'Z2/iFzh9VMlVkEOar1f/oSHWwQk3ve1qk/C2WdsC4Xk=';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' 'sha256-${REACT_REFRESH_PREAMBLE_SHA256}'`,
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
