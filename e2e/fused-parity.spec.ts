import { execFileSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { serveStatic, type StaticServer } from '../bench/serve';
import type { BenchApi } from '../bench/page/main';

/*
 * Parity of the fused WGSL path (src/gpu) with the TypeScript / tfjs reference, in real
 * Chromium with (software) WebGPU. The bench page (bench/index.html) is built into
 * bench/dist and served on 127.0.0.1; it exposes the checks on `window.__es`.
 */

let server: StaticServer;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  execFileSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { stdio: 'inherit' });
  server = await serveStatic('bench/dist');
});

test.afterAll(async () => {
  await server?.close();
});

async function openBench(page: Page): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/`);
  const ready = await page.evaluate(() => window.__esReady);
  expect(ready, errors.join('\n')).toBe('ready');
}

declare global {
  interface Window {
    __es?: BenchApi;
    __esReady?: Promise<string>;
  }
}

test('the WGSL noise twin gives the TypeScript generator\'s keys and normals', async ({ page }) => {
  await openBench(page);
  const r = await page.evaluate(() => window.__es!.noiseParity(8192, 6));
  console.log(JSON.stringify(r));
  // Integer parts are bit-identical.
  expect(r.keyMismatches).toBe(0);
  expect(r.intMismatches).toBe(0);
  // Normals: float32 Box–Muller against float64. |z| ≤ 5.8, where one float32 ulp is
  // 4.8e-7: allow about four.
  expect(r.normalMaxAbs).toBeLessThan(2e-6);
  // ln u down to ln 2⁻²⁵ ≈ −17.3 (one float32 ulp there: 1.9e-6): allow two ulps.
  expect(r.logMaxAbs).toBeLessThan(4e-6);
  // cos 2πu in [−1, 1] (one ulp ≤ 1.2e-7): allow about four.
  expect(r.cosMaxAbs).toBeLessThan(5e-7);
});
