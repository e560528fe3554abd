import { type Page, expect, test } from '@playwright/test';
import { ARTIFACTS, collectErrors, ensureArtifacts, estimatorStates, expectPlotDrawn, numberAttr, openPlayground, pause, play, waitForIteration } from './helpers';

/**
 * Each preset whose commentary makes a measurable claim shows it within a bounded run on
 * the page's measured compute paths (no ?backend=: what a lecturer gets). One page, the
 * presets loaded in turn; together well under two minutes on two CPU cores.
 */
test.beforeAll(ensureArtifacts);

async function loadPreset(page: Page, id: string): Promise<void> {
  await page.getByTestId('preset-select').selectOption(id);
  await expect(page.getByTestId('preset-commentary')).toHaveAttribute('data-preset', id);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 90_000 });
}

test('every changed preset shows its commentary’s claim within a bounded run', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const errors = collectErrors(page);
  await openPlayground(page);

  // ES-Single: PES's variance grows ~80-fold from J = 1 to J = 100, NRES's stays within a few times its J = 1 value.
  await loadPreset(page, 'es-single-variance');
  await expect(page.getByTestId('variance-relative')).toBeChecked();
  await expect(page.getByTestId('variance-repeats')).toHaveValue('32');
  await page.getByTestId('variance-measure').click();
  const panel = page.getByTestId('variance-panel');
  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  const pesGrowth = await numberAttr(page, 'plot-variance', 'data-growth-pes');
  const nresGrowth = await numberAttr(page, 'plot-variance', 'data-growth-nres');
  testInfo.annotations.push({ type: 'variance at J = 100 ÷ at J = 1', description: `PES ×${pesGrowth}, NRES ×${nresGrowth}` });
  expect(pesGrowth).toBeGreaterThan(20);
  expect(nresGrowth).toBeLessThan(4);
  expect(pesGrowth).toBeGreaterThan(10 * nresGrowth);
  await expect(page.getByTestId('plot-variance').locator('.ytitle')).toContainText('÷ its value at J = 1');
  await expect(page.getByTestId('variance-growth-pes')).toHaveText(/^×\d/);
  await expectPlotDrawn(page, 'plot-variance');
  await panel.screenshot({ path: `${ARTIFACTS}/story-es-single-variance.png` });

  // MNIST: the landscape (a slice over the first 500 training digits) is drawn, not "Computing…", soon after the preset loads.
  const rawChecksum = () => page.evaluate(() => document.querySelector('[data-testid="plot-surface-raw"]')?.getAttribute('data-checksum') ?? null);
  const previous = await rawChecksum();
  await loadPreset(page, 'evostrats-mnist');
  await expect(page.getByTestId('landscape-panel')).toContainText('first 500 of its 5,000 training digits');
  // Drawn: MNIST's own grid (not the previous preset's) on screen and no longer "Computing…".
  await expect
    .poll(
      async () => {
        const now = await rawChecksum();
        return Boolean(now) && now !== previous;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  await expect(page.getByTestId('surface-status')).not.toHaveAttribute('data-state', 'computing', { timeout: 1_000 });
  await page.getByTestId('landscape-panel').screenshot({ path: `${ARTIFACTS}/story-mnist-landscape.png` });

  // Learned optimizer: over the first 20-odd updates PES lags NRES (3 seeds in the CLI; this is seed 1).
  await loadPreset(page, 'nres-learned-optimizer');
  await play(page);
  await waitForIteration(page, 20, 60_000);
  await pause(page);
  const losses = Object.fromEntries((await estimatorStates(page)).map((e) => [e.id, e.loss]));
  testInfo.annotations.push({ type: 'learned optimizer losses', description: JSON.stringify(losses) });
  expect(losses.pes).toBeGreaterThan(losses.nres ?? Number.NaN);
  for (const id of ['tes', 'pes', 'nres']) expect(losses[id]).toBeLessThan(0.37);
  await page.getByTestId('curves-panel').screenshot({ path: `${ARTIFACTS}/story-learned-optimizer.png` });

  expect(errors, errors.join('\n')).toEqual([]);
});
