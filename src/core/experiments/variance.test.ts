import { beforeAll, describe, expect, it } from 'vitest';
import { createLinearQuadratic, linearQuadraticExact } from '../tasks/linear-quadratic';
import { createTask } from '../tasks/index';
import { useCpuBackend } from '../testing/setup';
import { measureVariance, referenceEstimate, repeatEstimates, summarize } from './variance';
import { sampleStats } from '../testing/setup';

/**
 * Variance against the number of truncations J on linear-quadratic (per-update
 * protocol, step-unlocked workers), the ES-Single / NRES claim: NRES is flat in J,
 * PES grows. The variance of each cell comes with a bootstrap 95 % interval computed
 * from its repeats; the assertions use those intervals, not hand-set slack.
 */
describe('gradient variance against J', () => {
  beforeAll(useCpuBackend);

  const task = createLinearQuadratic();
  const exact = linearQuadraticExact();
  const theta = [...task.meta.theta0];

  it('per-update protocol: nres is flat (within ×1.5 from J = 1 to 50), pes grows', async () => {
    const { rows } = await measureVariance({
      task,
      theta,
      estimators: ['nres', 'pes'],
      truncations: [1, 10, 50, 100],
      pairs: 1,
      sigma: 0.3,
      repeats: 3000,
      protocol: 'update',
      seed: 77,
      reference: exact.gradient(theta),
    });
    const cell = (id: string, J: number) => rows.find((r) => r.estimator === id && r.J === J)!;
    const n1 = cell('nres', 1), n50 = cell('nres', 50);
    const p1 = cell('pes', 1), p50 = cell('pes', 50);
    // NRES: flat within a factor 1.5.
    expect(n50.totalVariance / n1.totalVariance).toBeLessThan(1.5);
    expect(n50.totalVariance / n1.totalVariance).toBeGreaterThan(1 / 1.5);
    // PES: grows — J = 1 < J = 10 < J = 100 with disjoint 95 % intervals, and J = 50 above
    // J = 1. (How fast depends on how many windows the state remembers: ‖ξ‖² grows like j
    // while only the last few windows' noise moves ℓ_j; measured here ≈ 56 → 114 → 139 → 172
    // for J = 1, 10, 50, 100, against NRES ≈ 56 → 60 → 60 → 61.)
    const p10 = cell('pes', 10);
    const p100 = cell('pes', 100);
    expect(p10.ciLow).toBeGreaterThan(p1.ciHigh);
    expect(p100.ciLow).toBeGreaterThan(p10.ciHigh);
    expect(p50.ciLow).toBeGreaterThan(p1.ciHigh);
    // NRES stays below PES at every J > 1.
    expect(cell('nres', 10).ciHigh).toBeLessThan(p10.ciLow);
    expect(n50.ciHigh).toBeLessThan(p50.ciLow);
    // J = 1: the two are the same estimator (full-unroll ES) on the same noise.
    expect(p1.totalVariance).toBeCloseTo(n1.totalVariance, 6);
    // Normalized error of an unbiased estimator ≈ its variance / ‖g‖² (bias² is negligible).
    const g2 = exact.gradient(theta).reduce((s, v) => s + v * v, 0);
    expect(n50.normalizedError).toBeCloseTo(n50.totalVariance / g2, 1);
  });

  it('episode protocol: tes has low variance but its error does not vanish with more pairs', async () => {
    const common = {
      task,
      theta,
      estimators: ['tes', 'nres'] as const,
      truncations: [20],
      sigma: 0.3,
      repeats: 400,
      protocol: 'episode' as const,
      seed: 5,
      reference: exact.gradient(theta),
    };
    const small = await measureVariance({ ...common, estimators: [...common.estimators], pairs: 1 });
    const large = await measureVariance({ ...common, estimators: [...common.estimators], pairs: 16 });
    const err = (res: typeof small, id: string) => res.rows.find((r) => r.estimator === id)!.normalizedError;
    // NRES error is variance only: ×16 pairs divides it by ≈ 16.
    expect(err(large, 'nres')).toBeLessThan(err(small, 'nres') / 8);
    // TES error is dominated by bias: more pairs barely help.
    expect(err(large, 'tes')).toBeGreaterThan(err(small, 'tes') / 2);
    expect(err(large, 'tes')).toBeGreaterThan(err(large, 'nres'));
  });

  it('rejects J that do not divide T and tasks that never reset', async () => {
    const base = { theta, estimators: ['pes' as const], pairs: 1, sigma: 0.1, repeats: 2, protocol: 'episode' as const, seed: 1 };
    await expect(measureVariance({ ...base, task, truncations: [7] })).rejects.toThrow(/divide/);
    await expect(measureVariance({ ...base, task: createTask('influence-balancing'), theta: [0.5], truncations: [1] })).rejects.toThrow(/never resets/);
  });
});

describe('normalized error against a sampled reference', () => {
  beforeAll(useCpuBackend);

  it("subtracts the reference's own error: on average it matches the error against the exact gradient", async () => {
    // Linear-quadratic, where the exact gradient g is known. The same NRES estimates
    // (J = 10, 512 pairs each, 100 repeats: a small error, as full ES's in the page) are
    // summarised against the exact g and against 200 independent 64-pair full-ES references g_ref. E‖ĝ − g_ref‖² = E‖ĝ − g‖² + E‖g_ref − g‖²,
    // so uncorrected the sampled reference adds its own error (≈ v/‖g‖², v = tr Cov(g_ref))
    // to every row; corrected, the difference to the exact-reference value has mean zero.
    // z-test of that mean over the references (Z = 4.5, as the unbiasedness suite).
    const task = createLinearQuadratic();
    const theta = [...task.meta.theta0];
    const g = linearQuadraticExact().gradient(theta);
    const opts = { task, theta, estimators: [], truncations: [], pairs: 512, sigma: 0.3, repeats: 100, protocol: 'update' as const, seed: 11 };
    const samples = await repeatEstimates(opts, 'nres', 100, 10);
    const exact = summarize('nres', 10, 10, samples, g, opts).normalizedError;
    const diffs: number[] = [];
    const floors: number[] = [];
    for (let r = 0; r < 200; r++) {
      const ref = await referenceEstimate(task, theta, 0.3, 100, 5000 + r, 64);
      diffs.push(summarize('nres', 10, 10, samples, ref.gradient, { ...opts, referenceVariance: ref.variance }).normalizedError - exact);
      floors.push(ref.variance / g.reduce((s, v) => s + v * v, 0));
    }
    const { mean, se } = sampleStats(diffs, 1);
    const floor = floors.reduce((a, b) => a + b, 0) / floors.length;
    expect(Math.abs(mean[0]!), `mean difference ${mean[0]} (se ${se[0]}), reference floor ${floor}, exact ${exact}`).toBeLessThan(4.5 * se[0]!);
    // The correction is not a rounding matter: the floor it removes is many standard errors
    // (uncorrected, the same z-test fails by far).
    expect(floor).toBeGreaterThan(6 * se[0]!);
  });
});

describe('bootstrap intervals', () => {
  it('resample different rows for every estimator (seeded by the estimator, not the length of its name)', () => {
    // The same 64 samples summarised under each estimator id: the bootstrap picks must differ.
    const d = 2;
    const samples = new Float64Array(64 * d);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(1.7 * i) * (1 + (i % 5));
    const opts = { task: createLinearQuadratic(), theta: [0, 0], estimators: [], truncations: [], pairs: 1, sigma: 0.1, repeats: 64, protocol: 'update' as const, seed: 3 };
    const ids = ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'] as const;
    const intervals = ids.map((id) => {
      const r = summarize(id, 5, 20, samples, [1, 1], opts);
      return `${r.ciLow}:${r.ciHigh}`;
    });
    // Same length names (pes/tes, nres/gpes) used to give identical intervals.
    expect(new Set(intervals).size).toBe(ids.length);
  });
});
