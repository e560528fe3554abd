import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, REACT_REFRESH_PREAMBLE_SHA256 } from './csp';

describe('content security policy', () => {
  it('index.html carries the same policy as the servers send', () => {
    const html = readFileSync(new URL('../../index.html', import.meta.url), 'utf8');
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });

  it('allows no eval and no remote origin', () => {
    expect(CONTENT_SECURITY_POLICY.replace("'wasm-unsafe-eval'", '')).not.toMatch(/unsafe-eval|unsafe-hashes|\*|https?:|wss?:/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'/);
  });

  it('the script hash is the React Refresh preamble that the installed plugin injects in dev', () => {
    const plugin = readFileSync(new URL('../../node_modules/@vitejs/plugin-react/dist/index.js', import.meta.url), 'utf8');
    const template = plugin.match(/const preambleCode = `([\s\S]*?)`;/)?.[1];
    expect(template).toBeDefined();
    const preamble = template!.replace('__BASE__', '/').replace('${runtimePublicPath.slice(1)}', '@react-refresh');
    expect(createHash('sha256').update(preamble).digest('base64')).toBe(REACT_REFRESH_PREAMBLE_SHA256);
  });
});
