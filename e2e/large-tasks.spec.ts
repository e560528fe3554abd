import { expect, test } from '@playwright/test';
import { ARTIFACTS, collectErrors, ensureArtifacts, estimatorStates, expectPlotDrawn, openPlayground, pause, play, waitForIteration } from './helpers';

test.beforeAll(ensureArtifacts);

test('the larger tasks train in the browser; an RNN landscape is a 2-D slice the user can change', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=cpu');
  for (const id of ['es-single-mlp-hpo', 'nres-learned-optimizer', 'pes-rnn']) {
    await page.getByTestId('preset-select').selectOption(id);
    await expect(page.getByTestId('preset-commentary')).toHaveAttribute('data-preset', id);
    const started = Date.now();
    await play(page);
    await waitForIteration(page, 3, 90_000);
    await pause(page);
    testInfo.annotations.push({ type: `${id}: 3 updates (cpu backend, incl. frames)`, description: `${Date.now() - started} ms` });
    for (const e of await estimatorStates(page)) expect(e.theta.every((v) => Number.isFinite(v))).toBe(true);
  }
  // rnn: 305 parameters, so the landscape says it is a slice and offers the picker.
  await expect(page.getByTestId('slice-note')).toContainText('305 dimensions');
  await expect(page.getByTestId('slice-kind')).toHaveValue('random');
  const status = page.getByTestId('surface-status');
  await expect(status).toHaveAttribute('data-state', /ready|refining/, { timeout: 120_000 });
  await expectPlotDrawn(page, 'plot-surface-raw');
  const before = await page.getByTestId('plot-surface-raw').getAttribute('data-checksum');
  await page.getByTestId('slice-kind').selectOption('coordinates');
  await expect(page.getByTestId('slice-note')).toContainText('coordinates W_h[0,0] and W_h[0,1]');
  await expect(status).toHaveAttribute('data-state', /ready|refining/, { timeout: 120_000 });
  await expect.poll(() => page.getByTestId('plot-surface-raw').getAttribute('data-checksum')).not.toBe(before);
  await page.getByTestId('landscape-panel').screenshot({ path: `${ARTIFACTS}/landscape-rnn-slice.png` });
  expect(errors, errors.join('\n')).toEqual([]);
});

test('MNIST by ES: the preset trains in the browser, with test accuracy and the cosine to backprop', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=cpu');
  await page.getByTestId('preset-select').selectOption('evostrats-mnist');
  await expect(page.getByTestId('preset-commentary')).toHaveAttribute('data-preset', 'evostrats-mnist');
  // The objective fits the task card (no clipped formula).
  const formula = page.getByTestId('controls-task').locator('.task-formula');
  await expect(formula.locator('.katex').first()).toBeVisible();
  expect(await formula.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  await page.getByTestId('controls-task').screenshot({ path: `${ARTIFACTS}/task-card-mnist.png` });
  // The first frame already carries θ₀'s test accuracy, near chance (10 %).
  const latest = page.getByTestId('metric-latest');
  await expect(latest).toContainText('%');
  const accuracies = async (): Promise<number[]> => JSON.parse((await latest.getAttribute('data-values')) ?? '[]') as number[];
  for (const a of await accuracies()) expect(a).toBeLessThan(25);
  const started = Date.now();
  await play(page);
  await waitForIteration(page, 3, 150_000);
  testInfo.annotations.push({ type: 'evostrats-mnist: 3 updates (cpu backend, incl. frames)', description: `${Date.now() - started} ms` });
  // Updates are slow on the CPU backend: the cosine to the backprop gradient comes every ~5 s of stepping.
  await expect(page.getByTestId('plot-diagnostics')).not.toHaveAttribute('data-points', '0', { timeout: 150_000 });
  await pause(page);
  await expectPlotDrawn(page, 'plot-metric');
  await expectPlotDrawn(page, 'plot-diagnostics');
  // Backprop (bptt, the second estimator) is well above chance after a few updates.
  const [es, bp] = await accuracies();
  expect(Number.isFinite(es)).toBe(true);
  expect(bp).toBeGreaterThan(25);
  for (const e of await estimatorStates(page)) expect(e.theta.every((v) => Number.isFinite(v))).toBe(true);
  await page.getByTestId('curves-panel').screenshot({ path: `${ARTIFACTS}/curves-mnist.png` });
  expect(errors, errors.join('\n')).toEqual([]);
});

test('MNIST pinned to software WebGPU (?backend=webgpu): a notice offers measured paths and reopens the experiment without ?backend=', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  const software = (await page.getByTestId('backend-badge').innerText()).includes('software');
  test.skip(!software, 'a real GPU: MNIST stays on WebGPU');
  await page.getByTestId('preset-select').selectOption('evostrats-mnist');
  const notice = page.getByTestId('notice-warning').filter({ hasText: /slow on software WebGPU/ });
  await expect(notice).toBeVisible();
  await notice.getByTestId('notice-action').click();
  await page.waitForURL((url) => !url.searchParams.has('backend') && url.hash.includes('task=mnist'));
  // The same experiment, its paths measured: the op-by-op work leaves software WebGPU.
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-ops', /^(wasm|cpu)$/, { timeout: 60_000 });
  await expect(page.getByTestId('task-select')).toHaveValue('mnist');
  await expect(page.getByTestId('metric-latest')).toContainText('%', { timeout: 120_000 });
  expect(errors, errors.join('\n')).toEqual([]);
});
