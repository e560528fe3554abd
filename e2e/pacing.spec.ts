/**
 * Pacing for a lecture: slow-motion speeds, a Step that moves the particles through the
 * update, and curves drawn from every update (not only from the frames shown).
 */
import { expect, type Page, test } from '@playwright/test';
import { assertNoErrorShown, collectErrors, ensureArtifacts, ARTIFACTS, iteration, openPlayground, pause, play, setSpeed, waitForIteration } from './helpers';

/** x-values of each trace of a Plotly plot (by trace name). */
async function traceLengths(page: Page, testId: string): Promise<Record<string, number>> {
  return page.getByTestId(testId).evaluate((el) => {
    const data = (el as unknown as { data?: { name?: string; x?: unknown[] }[] }).data ?? [];
    return Object.fromEntries(data.map((t, i) => [t.name ?? `trace ${i}`, t.x?.length ?? 0]));
  });
}

test('slow motion: 2 updates/s runs at about 2 updates a second', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=cpu');
  await setSpeed(page, 0.02);
  await expect(page.getByTestId('speed-value')).toHaveText('2 upd/s');
  await play(page);
  await waitForIteration(page, 1, 30_000);
  const start = await iteration(page);
  const t0 = Date.now();
  await page.waitForTimeout(4_000);
  const done = (await iteration(page)) - start;
  const seconds = (Date.now() - t0) / 1000;
  await pause(page);
  // At most 2 a second (a loaded machine may fall behind, never run ahead).
  expect(done).toBeLessThanOrEqual(Math.ceil(2 * seconds) + 1);
  expect(done).toBeGreaterThanOrEqual(2);
  await assertNoErrorShown(page);
  expect(errors, errors.join('\n')).toEqual([]);
});

test('Step glides θ through the update on the landscape', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=cpu');
  await expect(page.getByTestId('plot-surface-raw')).toHaveAttribute('data-drawn', /\d+/, { timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '1');
  await page.waitForTimeout(800);
  // Sample the estimators' θ markers while the next Step's motion plays.
  const positions = page.getByTestId('plot-surface-raw').evaluate(
    (el) =>
      new Promise<number[][]>((resolve) => {
        const seen: number[][] = [];
        const started = performance.now();
        const sample = (): void => {
          const data = (el as unknown as { data?: { hovertemplate?: string; x?: number[]; y?: number[] }[] }).data ?? [];
          const thetas = data.filter((t) => / θ<br>/.test(t.hovertemplate ?? '')).flatMap((t) => [t.x?.[0] ?? Number.NaN, t.y?.[0] ?? Number.NaN]);
          if (thetas.length > 0 && JSON.stringify(seen.at(-1)) !== JSON.stringify(thetas)) seen.push(thetas);
          if (performance.now() - started < 4_000) requestAnimationFrame(sample);
          else resolve(seen);
        };
        sample();
      }),
  );
  await page.getByTestId('step').click();
  const drawn = await positions;
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '2');
  // Where θ was, at least one position on the way, where it went: every coordinate in between.
  expect(drawn.length, `θ positions drawn: ${JSON.stringify(drawn)}`).toBeGreaterThanOrEqual(3);
  const [first, last] = [drawn[0]!, drawn.at(-1)!];
  for (const p of drawn.slice(1, -1)) {
    p.forEach((v, k) => expect(Math.min(first[k]!, last[k]!) - 1e-9 <= v && v <= Math.max(first[k]!, last[k]!) + 1e-9, `${v} between ${first[k]} and ${last[k]}`).toBe(true));
  }
  await assertNoErrorShown(page);
  expect(errors, errors.join('\n')).toEqual([]);
});

test('the loss curves have a point at every update, not only at the frames shown', async ({ page }) => {
  const errors = collectErrors(page);
  // The measured compute paths (the fused kernels where they win), as a visitor gets them.
  await openPlayground(page);
  await setSpeed(page, 1);
  await play(page);
  await waitForIteration(page, 150, 120_000);
  await pause(page);
  const it = await iteration(page);
  const lengths = await traceLengths(page, 'plot-loss');
  const names = Object.keys(lengths);
  expect(names.length).toBeGreaterThanOrEqual(3);
  // Iterations 0…it, every one, unless updates outran what a frame carries (then evenly
  // thinned): at least every other here — far more than the ≤ 12 frames a second shown.
  for (const n of names) {
    expect(lengths[n], `${n}: ${lengths[n]} points after ${it} updates`).toBeGreaterThanOrEqual((it + 1) / 2);
    expect(lengths[n]).toBeLessThanOrEqual(it + 1);
  }
  ensureArtifacts();
  await page.getByTestId('curves-panel').screenshot({ path: `${ARTIFACTS}/pacing-every-update-curves.png` });
  await assertNoErrorShown(page);
  expect(errors, errors.join('\n')).toEqual([]);
});

test('the worker timeline follows PES through its episode, step by step, at 390 px too', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 390, height: 900 });
  await openPlayground(page, '?backend=cpu');
  const canvas = page.getByTestId('timeline-canvas');
  await page.getByTestId('step').click();
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '1');
  await expect(canvas).toHaveAttribute('data-estimator', 'pes');
  const K = 10;
  const tOf = async (): Promise<number[]> => JSON.parse((await canvas.getAttribute('data-t')) ?? '[]') as number[];
  // lr-schedule's default N = 50 pairs: every one shown (up to 64).
  await expect.poll(tOf).toEqual(new Array(50).fill(K));
  await page.getByTestId('step').click();
  await expect.poll(tOf).toEqual(new Array(50).fill(2 * K));
  // PES's weights sum two draws now: on average ‖·‖²/d ≈ 2 (50 workers, d = 2).
  const d2 = (JSON.parse((await canvas.getAttribute('data-weight')) ?? '[]') as number[]).map((w) => (w * w) / 2);
  const mean = d2.reduce((s, v) => s + v, 0) / d2.length;
  expect(mean).toBeGreaterThan(1.3);
  expect(mean).toBeLessThan(2.7);
  const box = await canvas.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(300);
  expect(await canvas.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  ensureArtifacts();
  await page.getByTestId('worker-timeline').screenshot({ path: `${ARTIFACTS}/pacing-worker-timeline-390.png` });
  await assertNoErrorShown(page);
  expect(errors, errors.join('\n')).toEqual([]);
});
