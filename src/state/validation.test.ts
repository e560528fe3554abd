import { describe, expect, it } from 'vitest';
import './task-meta';
import { defaultPlaygroundConfig } from '../core/playground-config';
import { checkNumber, configIssues, RULES, truncationChoices } from './validation';

describe('field validation against LIMITS', () => {
  it('accepts valid numbers, scientific notation included', () => {
    expect(checkNumber(' 1e-3 ', RULES.lr)).toEqual({ ok: true, value: 0.001 });
    expect(checkNumber('64', RULES.pairs)).toEqual({ ok: true, value: 64 });
  });

  it('rejects with a readable message', () => {
    expect(checkNumber('', RULES.pairs)).toEqual({ ok: false, message: 'enter a number' });
    expect(checkNumber('abc', RULES.pairs)).toMatchObject({ ok: false, message: expect.stringMatching(/not a number/) });
    expect(checkNumber('2.5', RULES.pairs)).toMatchObject({ ok: false, message: 'must be a whole number' });
    expect(checkNumber('0', RULES.pairs)).toMatchObject({ ok: false, message: 'must be at least 1' });
    expect(checkNumber('5000', RULES.pairs)).toMatchObject({ ok: false, message: 'must be at most 4096' });
    expect(checkNumber('1000', RULES.sigma)).toMatchObject({ ok: false, message: 'must be at most 100' });
    expect(checkNumber('0', RULES.gamma)).toMatchObject({ ok: false, message: expect.stringMatching(/must be at least/) });
    expect(checkNumber('Infinity', RULES.T)).toMatchObject({ ok: false });
  });
});

describe('cross-field issues', () => {
  it('the defaults of every task are clean', () => {
    for (const task of ['linear-quadratic', 'influence-balancing', 'lr-schedule', 'lorenz', 'rastrigin'] as const) {
      expect(configIssues(defaultPlaygroundConfig(task))).toEqual([]);
    }
  });

  it('K must divide T, R must be a multiple of K', () => {
    const c = defaultPlaygroundConfig('lr-schedule');
    expect(configIssues({ ...c, K: 30 })).toEqual([expect.stringMatching(/must divide T = 100/), expect.stringMatching(/multiple of K/)]);
    expect(configIssues({ ...c, K: 200, R: 200 })).toEqual([expect.stringMatching(/longer than the episode/)]);
    expect(configIssues({ ...c, R: 15 })).toEqual([expect.stringMatching(/multiple of K = 10/)]);
  });

  it("lr-schedule's T is fixed at 100 (its schedule is built for that horizon)", () => {
    const c = defaultPlaygroundConfig('lr-schedule');
    expect(configIssues({ ...c, T: 200 })).toEqual([expect.stringMatching(/lr-schedule.*built for T = 100/)]);
    expect(configIssues({ ...defaultPlaygroundConfig('lorenz'), T: 1000 })).toEqual([]);
  });

  it('needs at least one estimator', () => {
    expect(configIssues({ ...defaultPlaygroundConfig(), estimators: [] })).toEqual(['select at least one estimator']);
  });

  it('checks the σ schedule', () => {
    const c = defaultPlaygroundConfig();
    expect(configIssues({ ...c, sigma: { kind: 'exponential', sigma0: 0.3, gamma: 0 } })).toEqual([expect.stringMatching(/^γ must be in/)]);
    expect(configIssues({ ...c, sigma: { kind: 'cosine', sigma0: 0.3, sigma1: 0, steps: 10 } })).toHaveLength(1);
  });
});

describe('J values of the variance figure', () => {
  it('are the divisors of T among 1, 2, 5, 10, 20, 50, 100', () => {
    expect(truncationChoices(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(truncationChoices(2000)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(truncationChoices(30)).toEqual([1, 2, 5, 10]);
    expect(truncationChoices(Infinity)).toEqual([]);
    expect(truncationChoices(1)).toEqual([1]);
  });
});
