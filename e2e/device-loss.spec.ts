import { existsSync } from 'node:fs';
import { chromium, expect, test, type Page, type Worker } from '@playwright/test';
import { collectErrors, iteration, openPlayground, play, waitForIteration } from './helpers';

/** The engine worker (its script is engine.worker-*.js in the build). */
async function engineWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => /engine/.test(w.url()))).toBe(true);
  return page.workers().find((w) => /engine/.test(w.url()))!;
}

test('a GPU device lost mid-run: the engine switches backend, says so, and the run goes on from its θ', async ({ page }) => {
  const errors = collectErrors(page);
  // No ?backend=: the engine picks WebGPU (SwiftShader in CI); ?debug=faults arms the fault injection.
  await openPlayground(page, '?debug=faults');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await play(page);
  await waitForIteration(page, 5, 90_000);
  const worker = await engineWorker(page);
  const before = await iteration(page);
  await worker.evaluate(() => (self as unknown as { esPlaygroundDebug: { loseDevice: () => void } }).esPlaygroundDebug.loseDevice());
  const notice = page.getByTestId('notice-warning').filter({ hasText: /GPU device was lost/ });
  await expect(notice).toBeVisible({ timeout: 60_000 });
  await expect(notice).toContainText(/Switched to (WebGL|WebAssembly|CPU)/);
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute('data-backend', 'webgpu');
  // It continued from where it was (not from iteration 0), and keeps running.
  const resumedAt = Number((await notice.innerText()).match(/from iteration (\d+)/)?.[1]);
  expect(resumedAt).toBeGreaterThanOrEqual(before - 20);
  expect(resumedAt).toBeGreaterThan(0);
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'running');
  // (WebGL on SwiftShader compiles every shader in software: the first updates are slow.)
  await waitForIteration(page, resumedAt + 3, 150_000);
  for (const raw of await page.locator('[data-testid^="estimator-"][data-theta]').evaluateAll((els) => els.map((el) => el.getAttribute('data-theta')))) {
    for (const v of JSON.parse(raw ?? '[]') as unknown[]) expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
  }
  expect(await page.getByTestId('notice-error').count()).toBe(0);
  // WebGPU complains about work queued on the destroyed device; nothing else may.
  expect(errors.filter((e) => !/device|WebGPU|GPU|mapAsync|lost/i.test(e))).toEqual([]);
});

test('without a WebGPU adapter: falls back to WebGL or CPU with a notice, and runs', async ({ baseURL }) => {
  // A browser of its own, started without --enable-unsafe-webgpu and with WebGPU turned
  // off: it offers no adapter (navigator.gpu missing or requestAdapter() → null).
  const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ['--no-sandbox', '--use-angle=swiftshader', '--disable-features=WebGPU,Vulkan', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ ...(baseURL ? { baseURL } : {}), viewport: { width: 1280, height: 720 } });
    const errors = collectErrors(page);
    await openPlayground(page);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /webgl|wasm|cpu/);
    await expect(page.getByTestId('notice-warning').filter({ hasText: /WebGPU is not available/ })).toBeVisible();
    await play(page);
    await waitForIteration(page, 3, 120_000);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
