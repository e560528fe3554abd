import { expect, test } from '@playwright/test';
import { assertNoErrorShown, collectErrors, estimatorStates, iteration, openPlayground } from './helpers';

/*
 * The playground on the fused path (src/engine/fused-engine.ts): with ?backend=webgpu its
 * default experiment runs on the fused WGSL kernels, the badge says so, and an update gives
 * finite losses. Against the production build (vite preview), software WebGPU. The numbers
 * themselves are parity-tested in fused-parity.spec.ts. Without ?backend= the engine
 * measures the paths (compute-paths.ts) and the badge tells what it chose.
 */
test('with ?backend=webgpu the default experiment runs on the fused kernels', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=webgpu');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(badge).toHaveAttribute('data-path', 'fused');
  await expect(badge).toContainText('fused kernels');
  // One update on the fused path (the first one compiles its kernels: seconds on SwiftShader).
  const before = await iteration(page);
  await page.getByTestId('step').click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBe(before + 1);
  await assertNoErrorShown(page);
  const states = await estimatorStates(page);
  expect(states.length).toBeGreaterThan(0);
  for (const e of states) expect(Number.isFinite(e.loss), `${e.id} loss ${e.loss}`).toBe(true);
  expect(errors).toEqual([]);
});

test('without ?backend= the engine measures every path and shows each estimator on the one it chose', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  // The plan names the tfjs backend of the op-by-op work; it was measured (not fixed).
  await expect(badge).toHaveAttribute('data-ops', /^(webgpu|webgl|wasm|cpu)$/);
  const title = (await badge.getAttribute('title')) ?? '';
  expect(title).toMatch(/Compute paths (measured in \d+ ms|as measured earlier)/);
  for (const name of ['Truncated ES', 'PES', 'ES-Single / NRES']) expect(title).toMatch(new RegExp(`${name.replace(/[/]/g, '\\/')}: (fused kernels|tfjs \\w+), [\\d,.]+ upd/s`));
  // Each estimator's card says where it runs.
  for (const id of ['tes', 'pes', 'nres']) await expect(page.getByTestId(`path-${id}`)).toHaveText(/fused kernels|tfjs (WebGPU|WebGL|WebAssembly|CPU)/);
  const before = await iteration(page);
  await page.getByTestId('step').click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBe(before + 1);
  await assertNoErrorShown(page);
  expect(errors).toEqual([]);
});

test('the worker timeline on the fused kernels matches the tfjs path worker for worker', async ({ page }) => {
  // The fused kernels keep each pair's clock, σ, ξ and z on the GPU; the frame reads the first
  // 64 pairs' records back. Same counter-based noise as tfjs: after two Steps of the default
  // experiment (PES, lr-schedule, K = 10) the clocks are equal and the weights ‖ξ + z/σ‖·σ agree
  // to float32 rounding.
  const errors = collectErrors(page);
  const canvas = page.getByTestId('timeline-canvas');
  const timelineAfterTwoSteps = async (query: string): Promise<{ t: number[]; weight: number[] }> => {
    await openPlayground(page, query);
    for (const expected of [1, 2]) {
      await page.getByTestId('step').click();
      await expect.poll(() => iteration(page), { timeout: 60_000 }).toBe(expected);
    }
    await expect(canvas).toHaveAttribute('data-estimator', 'pes');
    await expect.poll(async () => JSON.parse((await canvas.getAttribute('data-t')) ?? '[]') as number[]).toContain(20);
    return {
      t: JSON.parse((await canvas.getAttribute('data-t')) ?? '[]') as number[],
      weight: JSON.parse((await canvas.getAttribute('data-weight')) ?? '[]') as number[],
    };
  };
  const fused = await timelineAfterTwoSteps('?backend=webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-path', 'fused');
  const ops = await timelineAfterTwoSteps('?backend=cpu');
  expect(fused.t).toEqual(ops.t);
  expect(fused.weight.length).toBe(ops.weight.length);
  expect(fused.weight.length).toBeGreaterThan(0);
  fused.weight.forEach((w, i) => expect(Math.abs(w - (ops.weight[i] ?? Number.NaN)), `worker ${i}: ${w} vs ${ops.weight[i]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(w))));
  await assertNoErrorShown(page);
  expect(errors).toEqual([]);
});
