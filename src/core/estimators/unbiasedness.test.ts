import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId } from '../config';
import { repeatEstimates } from '../experiments/variance';
import type { VarianceOptions } from '../experiments/variance';
import { createLinearQuadratic, linearQuadraticExact } from '../tasks/linear-quadratic';
import { sampleStats, useCpuBackend } from '../testing/setup';

/**
 * Unbiasedness on the linear-quadratic task, where L is quadratic so ∇L_σ = ∇L exactly
 * and the exact gradient is known in closed form (float64). θ is held fixed; each
 * antithetic pair's episode-combined estimate is one independent sample (pairs use
 * disjoint noise keys), so the mean of n samples has standard error sd/√n estimated
 * from the samples themselves.
 *
 * Criterion: every coordinate of the mean lies within Z standard errors of the exact
 * gradient. Z = 4.5 with 2 coordinates × 5 estimators: the probability of a false
 * alarm for an unbiased estimator is ≈ 10 × 6.8e-6. A biased estimator fails when its
 * bias exceeds 4.5 SE — which is what the TES case checks.
 */
const Z = 4.5;
const SAMPLES = 4000;

describe('unbiasedness on linear-quadratic (episode protocol, θ fixed)', () => {
  beforeAll(useCpuBackend);

  const task = createLinearQuadratic();
  const exact = linearQuadraticExact();
  const theta = [...task.meta.theta0];
  const g = exact.gradient(theta);
  const T = task.meta.defaults.T;

  function options(overrides: Partial<VarianceOptions> = {}): VarianceOptions {
    return {
      task,
      theta,
      estimators: [],
      truncations: [],
      pairs: 1,
      sigma: 0.3,
      repeats: SAMPLES,
      protocol: 'episode',
      seed: 2024,
      ...overrides,
    };
  }

  const cases: [EstimatorId, number, number?][] = [
    ['full-es', 1],
    ['pes', 10],
    ['nres', 10],
    ['gpes', 10, 2],
    ['pes', 50],
  ];
  for (const [id, J, period] of cases) {
    it(`${id} with J = ${J} matches the exact gradient`, async () => {
      const samples = await repeatEstimates(options({ gpesPeriodInTruncations: period }), id, T, T / J);
      const { mean, se } = sampleStats(samples, 2);
      for (let k = 0; k < 2; k++) {
        expect(Math.abs((mean[k] ?? 0) - (g[k] ?? 0)), `coordinate ${k}: mean ${mean[k]} vs exact ${g[k]} (se ${se[k]})`).toBeLessThan(
          Z * (se[k] ?? 0),
        );
      }
    });
  }

  it('tes with short truncations is biased: its mean misses the exact gradient', async () => {
    const samples = await repeatEstimates(options(), 'tes', T, 2);
    const { mean, se } = sampleStats(samples, 2);
    const zScores = [0, 1].map((k) => Math.abs((mean[k] ?? 0) - (g[k] ?? 0)) / (se[k] ?? 1));
    expect(Math.max(...zScores)).toBeGreaterThan(Z);
  });
});
