import { describe, expect, it } from 'vitest';
import '../platform/metadata-backend';
import { defaultPlaygroundConfig, LIMITS } from '../core/playground-config';
import { configLimitIssues, jobLimitIssues } from './limits';

describe('engine limits', () => {
  const base = defaultPlaygroundConfig('lr-schedule');

  it('accepts the defaults and every size at its maximum', () => {
    expect(configLimitIssues(base)).toEqual([]);
    const max = { ...base, pairs: LIMITS.pairs.max, T: LIMITS.T.max, K: LIMITS.K.max, stop: { kind: 'iterations' as const, value: LIMITS.iterations.max }, view: { ...base.view, speed: LIMITS.speed.max } };
    expect(configLimitIssues(max)).toEqual([]);
  });

  it('refuses anything past a limit, NaN or fractional', () => {
    expect(configLimitIssues({ ...base, pairs: LIMITS.pairs.max + 1 })).toEqual([expect.stringMatching(/^N must be/)]);
    expect(configLimitIssues({ ...base, T: LIMITS.T.max * 10, K: 10 })).toEqual([expect.stringMatching(/^T must be/)]);
    expect(configLimitIssues({ ...base, K: Number.NaN })).toHaveLength(1);
    expect(configLimitIssues({ ...base, pairs: 2.5 })).toHaveLength(1);
    expect(configLimitIssues({ ...base, stop: { kind: 'iterations', value: 1e9 } })).toEqual([expect.stringMatching(/^iterations/)]);
    expect(configLimitIssues({ ...base, view: { ...base.view, speed: 1e6 } })).toHaveLength(1);
    expect(configLimitIssues({ ...base, estimators: [] })).toHaveLength(1);
    // T = ∞ (tasks that never reset) is not a size.
    expect(configLimitIssues({ ...defaultPlaygroundConfig('lorenz') })).toEqual([]);
  });

  it('bounds surface and variance jobs', () => {
    const surface = { kind: 'surface' as const, task: 'rastrigin' as const, grid: 64, sigma: 0.1, samples: 0, seed: 1 };
    expect(jobLimitIssues(surface)).toEqual([]);
    expect(jobLimitIssues({ ...surface, grid: 10_000 })).toHaveLength(1);
    expect(jobLimitIssues({ ...surface, samples: 1e6 })).toHaveLength(1);
    const variance = { kind: 'variance' as const, task: 'rastrigin' as const, theta: [1, 1], estimators: ['pes' as const], truncations: [1, 2], pairs: 10, sigma: 0.1, repeats: 10, protocol: 'update' as const, seed: 1, gpesPeriodInTruncations: 1 };
    expect(jobLimitIssues(variance)).toEqual([]);
    expect(jobLimitIssues({ ...variance, pairs: 1e7 })).toHaveLength(1);
    expect(jobLimitIssues({ ...variance, truncations: Array.from({ length: 100 }, (_, i) => i + 1) })).toHaveLength(1);
  });
});
