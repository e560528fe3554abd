import { expect, test } from '@playwright/test';
import { assertNoErrorShown, collectErrors, estimatorStates, iteration, openPlayground } from './helpers';

/*
 * The playground on the fused path (src/engine/fused-engine.ts): on WebGPU its default
 * experiment runs on the fused WGSL kernels, the badge says so, and an update gives finite
 * losses. Against the production build (vite preview), software WebGPU. The numbers
 * themselves are parity-tested in fused-parity.spec.ts.
 */
test('the playground runs its default experiment on the fused kernels on WebGPU', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(page);
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
