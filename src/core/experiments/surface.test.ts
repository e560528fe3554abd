import { beforeAll, describe, expect, it } from 'vitest';
import { createTask } from '../tasks/index';
import { createLinearQuadratic } from '../tasks/linear-quadratic';
import { useCpuBackend } from '../testing/setup';
import { gaussianRows, range, Stream } from '../noise';
import { metaLossSurface } from './surface';

describe('meta-loss surface', () => {
  beforeAll(useCpuBackend);

  it('2-D rastrigin: raw has the known minimum; smoothed matches the closed-form Gaussian smoothing', async () => {
    const task = createTask('rastrigin');
    const opt = task.meta.optimum!;
    const sigma = 0.3;
    const M = 256;
    const res = await metaLossSurface({ task, grid: 41, sigma, samples: M, seed: 1, range: [[opt[0]! - 2, opt[0]! + 2], [opt[1]! - 2, opt[1]! + 2]] });
    expect(res.x).toHaveLength(41);
    expect(res.y).toHaveLength(41);
    expect(res.raw).toHaveLength(41 * 41);
    // The grid centre is the optimum: raw loss 0 there and nowhere lower.
    const centre = 20 * 41 + 20;
    expect(res.raw[centre]).toBeCloseTo(0, 3);
    expect(Math.min(...res.raw)).toBeCloseTo(0, 3);
    // E[cos 2π(z + σε)] = cos(2πz)·e^{−2π²σ²}, E[(z + σε)²] = z² + σ²: the smoothed Rastrigin in closed form.
    const rastrigin = (u: number[]) => 20 + u.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
    const smoothedExact = (u: number[]) => 20 + u.reduce((s, v) => s + v * v + sigma * sigma - 10 * Math.cos(2 * Math.PI * v) * Math.exp(-2 * Math.PI ** 2 * sigma ** 2), 0);
    // The M samples are M/2 antithetic pairs ±z_p: the mean's samples are the pair means.
    const P = M / 2;
    const z = gaussianRows(1, Stream.surface, range(P), new Int32Array(P), new Int32Array(P), 2);
    res.y!.forEach((yv, iy) =>
      res.x.forEach((xv, ix) => {
        const u = [xv - opt[0]!, yv - opt[1]!];
        // Monte-Carlo tolerance: 5 standard errors of the mean of the P pair means at this point.
        let s1 = 0, s2 = 0;
        for (let p = 0; p < P; p++) {
          const dz = [sigma * z[2 * p]!, sigma * z[2 * p + 1]!];
          const l = (rastrigin([u[0]! + dz[0]!, u[1]! + dz[1]!]) + rastrigin([u[0]! - dz[0]!, u[1]! - dz[1]!])) / 2;
          s1 += l;
          s2 += l * l;
        }
        const sd = Math.sqrt(Math.max(0, s2 / P - (s1 / P) ** 2));
        expect(Math.abs(res.smoothed![iy * 41 + ix]! - smoothedExact(u))).toBeLessThan((5 * sd) / Math.sqrt(P) + 1e-3);
      }),
    );
    // And the smoothed minimum is lifted by dσ² plus the damped ripple: > 0.
    expect(res.smoothed![centre]).toBeGreaterThan(1);
  });

  it('antithetic pairs: on linear-quadratic (4 samples, σ = 0.5) smoothed − raw is the same constant everywhere', async () => {
    // L is quadratic, so L_σ − L = ½σ² tr H at every θ; with ± pairs each pair's mean is
    // L(θ) + ½σ² zᵀHz exactly, the same at every grid point. One-sided samples left a ramp
    // σ∇L(θ)·z̄ that varied from −2.26 to +1.64 over the grid and moved the minimum.
    const task = createLinearQuadratic();
    const res = await metaLossSurface({ task, grid: 24, sigma: 0.5, samples: 4, seed: 1 });
    const diff = res.smoothed!.map((v, i) => v - res.raw[i]!);
    const spread = Math.max(...diff) - Math.min(...diff);
    // float32 rounding of losses up to ~60: a few 1e-5.
    expect(spread, `smoothed − raw from ${Math.min(...diff)} to ${Math.max(...diff)}`).toBeLessThan(1e-3);
    expect(res.smoothed!.indexOf(Math.min(...res.smoothed!))).toBe(res.raw.indexOf(Math.min(...res.raw)));
    // An odd count is rounded up to whole pairs.
    const odd = await metaLossSurface({ task, grid: 8, sigma: 0.5, samples: 3, seed: 1 });
    expect(odd.samples).toBe(4);
  });

  it('1-D influence balancing and cancellation', async () => {
    const task = createTask('influence-balancing');
    const res = await metaLossSurface({ task, grid: 21, sigma: 0.05, samples: 0, seed: 1, range: [[-0.5, 0.5]] });
    expect(res.y).toBeNull();
    expect(res.raw).toHaveLength(21);
    const best = res.x[res.raw.indexOf(Math.min(...res.raw))]!;
    expect(Math.abs(best - -1 / 6)).toBeLessThanOrEqual(0.05 + 1e-9);
    let calls = 0;
    const cancelled = await metaLossSurface({ task, grid: 21, sigma: 0.05, samples: 4, seed: 1, batchRows: 8, onProgress: () => ++calls < 2 });
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.smoothed).toBeNull();
  });
});
