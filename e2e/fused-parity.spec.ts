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

/**
 * One case per task, every fused estimator side by side on common random numbers, against
 * the tfjs op-by-op Session on the CPU backend (float32 like WebGPU, and far faster than
 * op-by-op on software WebGPU). Compared after every update: θ, ĝ, the evaluation loss,
 * the particles, the inner-step counts and the divergence counters (exactly).
 *
 * Tolerances (relative; ĝ against the largest |ĝ| component): θ, particles 1e-4; ĝ 1e-3 (a
 * difference of nearly equal losses over 2σN); evaluation loss 1e-4, except Lorenz, whose
 * 2000-step evaluation unroll is chaotic (λ ≈ 0.9 over 10 time units amplifies one float32
 * rounding — exp, FMA contraction — by ~e⁹): 5e-3 there, and θ held fixed (lr = 0) so both
 * paths evaluate at the same θ.
 */
const CASES = [
  { name: 'linear-quadratic', task: 'linear-quadratic', estimators: ['full-es', 'tes', 'pes', 'nres', 'gpes'], pairs: 96, T: 40, K: 5, R: 10, updates: 8, sigmaAfter: 0.05 },
  // 'rescale': PES takes the new σ at once, GPES (R = 3K) at its next draw (mid-block here), NRES at once;
  // each block's noise joins ξ over its own σ.
  { name: "linear-quadratic σ change, 'rescale'", task: 'linear-quadratic', estimators: ['pes', 'nres', 'gpes'], pairs: 96, T: 40, K: 5, R: 15, updates: 9, sigmaAfter: 0.05, sigmaChange: 'rescale' },
  { name: 'linear-quadratic unlocked + burn-in', task: 'linear-quadratic', estimators: ['tes', 'pes', 'nres'], pairs: 80, T: 40, K: 10, workers: 'unlocked', burnIn: true, updates: 4 },
  { name: 'influence-balancing', task: 'influence-balancing', estimators: ['tes', 'pes', 'nres'], pairs: 128, K: 1, updates: 8, sigmaAfter: 0.2 },
  { name: 'lr-schedule', task: 'lr-schedule', estimators: ['full-es', 'tes', 'pes', 'nres', 'gpes'], pairs: 64, R: 20, updates: 6 },
  // The PES paper code's outer Adam for this task: β₁ = 0.99 (finalize kernel and optimizers.ts alike).
  { name: 'lr-schedule, Adam β₁ = 0.99', task: 'lr-schedule', estimators: ['full-es', 'pes', 'nres'], pairs: 64, updates: 6, adam: { beta1: 0.99, beta2: 0.999 } },
  // Each frame evaluates a 2000-step episode per estimator on tfjs: few estimators, few updates.
  { name: 'lorenz', task: 'lorenz', estimators: ['tes', 'nres', 'gpes'], pairs: 64, T: 400, R: 200, updates: 3, lr: 0, evalLossTol: 5e-3 },
  { name: 'rastrigin', task: 'rastrigin', estimators: ['full-es', 'tes', 'pes', 'nres'], pairs: 128, updates: 8 },
  // Divergence guard: σ = 1e19 overflows the pairs with a large |z| (excluded, renormalised);
  // a learning rate of 1e38 would overflow θ (updates skipped). Counters must agree exactly.
  { name: 'rastrigin σ = 1e19 (pairs excluded)', task: 'rastrigin', estimators: ['full-es', 'tes', 'pes', 'nres'], pairs: 16, sigma: 1e19, lr: 0.05, updates: 3, guard: 'excluded' },
  { name: 'rastrigin lr = 1e38 (updates skipped)', task: 'rastrigin', estimators: ['full-es', 'tes', 'pes'], pairs: 16, optimizer: 'sgd', lr: 1e38, updates: 4, guard: 'skipped' },
  // "Rewind to last finite θ" (fresh populations from the last frame's θ and Adam state) and
  // a resume from a frame (what the engine does after a backend switch), then more updates.
  { name: 'linear-quadratic rewind', task: 'linear-quadratic', estimators: ['full-es', 'tes', 'pes', 'nres', 'gpes'], pairs: 64, T: 40, K: 5, R: 10, updates: 6, rewindAt: 3 },
  // The engine's health filter (no checkpoint from a runaway frame) applies on both paths: only
  // frames 1–2 may be checkpoints, so the rewind before update 5 goes back to frame 2.
  { name: 'linear-quadratic rewind to a healthy frame', task: 'linear-quadratic', estimators: ['full-es', 'pes', 'nres'], pairs: 64, T: 40, K: 5, R: 10, updates: 6, rewindAt: 4, checkpointFrames: 2 },
  { name: 'linear-quadratic resume', task: 'linear-quadratic', estimators: ['full-es', 'tes', 'pes', 'nres', 'gpes'], pairs: 64, T: 40, K: 5, R: 10, updates: 6, resumeAt: 3 },
] as const;

test.describe('fused kernels against tfjs', () => {
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await openBench(page);
    await page.evaluate(() => window.__es!.useBackend('cpu'));
  });

  test.afterAll(async () => {
    await page?.close();
  });

  for (const c of CASES) {
    test(`fused ${c.name}: losses and estimates match tfjs`, async () => {
      const r = await page.evaluate((pc) => window.__es!.estimatorParity(pc as never), c);
      console.log(JSON.stringify(r));
      expect(r.tfjsBackend).toBe('cpu');
      expect(r.theta.maxRel, r.theta.where).toBeLessThan(1e-4);
      expect(r.grad.maxRel, r.grad.where).toBeLessThan(1e-3);
      expect(r.evalLoss.maxRel, r.evalLoss.where).toBeLessThan('evalLossTol' in c ? c.evalLossTol : 1e-4);
      expect(r.particles.maxRel, r.particles.where).toBeLessThan(1e-4);
      expect(r.healthMismatches).toEqual([]);
      expect(r.nonFiniteTheta).toBe(false);
      if ('guard' in c && c.guard === 'excluded') expect(r.excluded).toBeGreaterThan(0);
      if ('guard' in c && c.guard === 'skipped') expect(r.skipped).toBeGreaterThan(0);
    });
  }

  for (const protocol of ['update', 'episode'] as const) {
    test(`fused variance sweep (lr-schedule, ${protocol} protocol) matches measureVariance`, async () => {
      const r = await page.evaluate((p) => window.__es!.varianceParity('lr-schedule', ['full-es', 'tes', 'pes', 'nres', 'gpes'], [1, 5, 10], p, 8, 12), protocol);
      console.log(JSON.stringify(r));
      expect(r.rows).toBe(15);
      // Variances, intervals and errors of per-worker estimates that agree to float rounding
      // (lr-schedule's summed losses cancel in ℓ⁺ − ℓ⁻: observed up to 5e-4 on TES).
      expect(r.stats.maxRel, r.stats.where).toBeLessThan(1e-3);
    });
  }

  const SURFACES = [
    { task: 'linear-quadratic', grid: 12, samples: 8 },
    // η = e^θ up to 1: beyond, the inner SGD is chaotic (see surfaceParity).
    { task: 'lr-schedule', grid: 12, samples: 8, range: [[-5, 0], [-5, 0]] },
  ] as const;
  for (const sc of SURFACES) {
    test(`fused smoothed surface (${sc.task}, ${sc.grid}×${sc.grid}, ${sc.samples} samples) matches metaLossSurface`, async () => {
      const r = await page.evaluate((x) => window.__es!.surfaceParity(x.task, x.grid, x.samples, 'range' in x ? (x.range as never) : undefined), sc);
      console.log(JSON.stringify(r));
      expect(r.points).toBe(sc.grid * sc.grid);
      expect(r.raw.maxRel, r.raw.where).toBeLessThan(1e-4);
      expect(r.smoothed.maxRel, r.smoothed.where).toBeLessThan(1e-4);
    });
  }
});

