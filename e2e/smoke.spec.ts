import { mkdirSync } from 'node:fs';
import { type Page, expect, test } from '@playwright/test';

const ARTIFACTS = 'e2e/artifacts';

/** Browser console errors and uncaught exceptions, attached to the test on failure. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

async function numberAttr(page: Page, testId: string, attr: string): Promise<number> {
  const raw = await page.getByTestId(testId).getAttribute(attr);
  return raw === null || raw === '' ? Number.NaN : Number(raw);
}

/** Waits until the run has reached `iteration` updates (or finished), failing fast on an error. */
async function waitForIteration(page: Page, iteration: number, timeout: number): Promise<void> {
  await expect
    .poll(
      async () => {
        if (await page.getByTestId('error').isVisible()) {
          throw new Error(`page shows an error: ${await page.getByTestId('error').innerText()}`);
        }
        return numberAttr(page, 'iteration', 'data-value');
      },
      { timeout, intervals: [500, 1000, 2000] },
    )
    .toBeGreaterThanOrEqual(iteration);
}

test.beforeAll(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
});

test('default experiment trains on WebGPU and the evaluation loss goes down', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  const started = Date.now();
  await page.goto('/');
  await expect(page).toHaveTitle(/ES Playground/);
  await expect(page.getByRole('heading', { name: 'ES Playground' })).toBeVisible();

  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(badge).toHaveText(/^WebGPU( \(software\))?/);
  const adapterDetails = await badge.getAttribute('title');
  testInfo.annotations.push({ type: 'backend', description: `${await badge.innerText()} — ${adapterDetails ?? ''}` });

  // The first record (iteration 0) is the loss at θ₀.
  const evalLoss = page.getByTestId('eval-loss');
  await expect(evalLoss).not.toHaveAttribute('data-first', '', { timeout: 60_000 });
  const firstLoss = await numberAttr(page, 'eval-loss', 'data-first');
  expect(Number.isFinite(firstLoss)).toBe(true);
  await expect(page.getByTestId('run-toggle')).toHaveText('Pause');

  await waitForIteration(page, 100, 150_000);
  // Pause so the numbers and the screenshot are stable; pausing records the current loss.
  await page.getByTestId('run-toggle').click();
  await expect(page.getByTestId('run-toggle')).toHaveText(/Resume|Done/);
  const iteration = await numberAttr(page, 'iteration', 'data-value');
  await expect
    .poll(async () => Number(await page.getByTestId('history-row').first().getAttribute('data-iteration')))
    .toBe(iteration);
  const latestLoss = await numberAttr(page, 'eval-loss', 'data-value');
  testInfo.annotations.push({
    type: 'training',
    description: `eval loss ${firstLoss} → ${latestLoss} after ${iteration} updates in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  });
  expect(Number.isFinite(latestLoss)).toBe(true);
  expect(latestLoss).toBeLessThan(firstLoss);

  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/default-experiment.png`, fullPage: true });
  expect(errors, errors.join('\n')).toEqual([]);
});

test('?backend=cpu runs on the CPU backend', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=cpu');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  await expect(badge).toHaveText('CPU');
  await expect(page.getByTestId('fallback-reason')).toHaveCount(0);
  await waitForIteration(page, 10, 60_000);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/cpu-backend.png`, fullPage: true });
  expect(errors, errors.join('\n')).toEqual([]);
});
