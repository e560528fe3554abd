import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId, EstimatorSettings } from '../config';
import { createLinearQuadratic } from '../tasks/linear-quadratic';
import { createTask } from '../tasks/index';
import type { Task } from '../task';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { estimatorInfo } from './index';

/**
 * Exact identities between estimators that share noise keys: they must agree to float32
 * round-off (relative 1e-5), not statistically.
 */
async function runEstimates(task: Task, id: EstimatorId, settings: EstimatorSettings, theta: number[], sigma: number, updates: number): Promise<number[][]> {
  const est = estimatorInfo(id).create({ task, settings });
  const th = tf.tensor1d(theta);
  const out: number[][] = [];
  for (let u = 0; u < updates; u++) {
    const { grad } = est.estimate(th, sigma);
    out.push(Array.from(await grad.data()));
    grad.dispose();
  }
  est.dispose();
  th.dispose();
  return out;
}

function expectClose(a: number[][], b: number[][], rel = 1e-5): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...b.flat().map(Math.abs), 1e-12);
  a.forEach((row, u) => row.forEach((v, k) => expect(Math.abs(v - (b[u]?.[k] ?? NaN))).toBeLessThanOrEqual(rel * scale)));
}

describe('estimator identities (same noise keys)', () => {
  beforeAll(useCpuBackend);

  for (const taskId of ['linear-quadratic', 'lr-schedule'] as const) {
    it(`${taskId}: with J = 1, pes = nres = gpes = full-es`, async () => {
      const task = createTask(taskId);
      const T = task.meta.defaults.T;
      const settings = defaultSettings(task, { pairs: 16, K: T, T, R: T, seed: 11 });
      const theta = [...task.meta.theta0];
      const sigma = task.meta.defaults.sigma;
      const full = await runEstimates(task, 'full-es', settings, theta, sigma, 3);
      for (const id of ['pes', 'nres', 'gpes'] as const) {
        expectClose(await runEstimates(task, id, settings, theta, sigma, 3), full);
      }
    });
  }

  it('gpes with R = K equals pes, and with R ≥ T equals nres, over several episodes', async () => {
    const task = createLinearQuadratic();
    const T = task.meta.defaults.T;
    const K = 20;
    const theta = [...task.meta.theta0];
    const base = defaultSettings(task, { pairs: 8, K, T, seed: 5, workers: 'unlocked' });
    const updates = 12; // > 2 episodes of J = 5
    expectClose(await runEstimates(task, 'gpes', { ...base, R: K }, theta, 0.2, updates), await runEstimates(task, 'pes', base, theta, 0.2, updates));
    expectClose(await runEstimates(task, 'gpes', { ...base, R: T }, theta, 0.2, updates), await runEstimates(task, 'nres', base, theta, 0.2, updates));
    expectClose(await runEstimates(task, 'gpes', { ...base, R: 10 * T }, theta, 0.2, updates), await runEstimates(task, 'nres', base, theta, 0.2, updates));
  });

  it('nres summed over an episode with θ fixed equals full-unroll es with the same ε', async () => {
    const task = createLinearQuadratic();
    const T = task.meta.defaults.T;
    const J = 5;
    const theta = [...task.meta.theta0];
    const nres = await runEstimates(task, 'nres', defaultSettings(task, { pairs: 8, K: T / J, T, seed: 3 }), theta, 0.2, J);
    const full = await runEstimates(task, 'full-es', defaultSettings(task, { pairs: 8, K: T, T, seed: 3 }), theta, 0.2, 1);
    const mean = [0, 1].map((k) => nres.reduce((s, g) => s + (g[k] ?? 0), 0) / J); // 'mean' task: average the J windows
    expectClose([mean], full, 1e-4);
  });

  it('gpes rejects a resampling period that is not a multiple of K', () => {
    const task = createLinearQuadratic();
    expect(() => estimatorInfo('gpes').create({ task, settings: defaultSettings(task, { K: 10, R: 15 }) })).toThrow(/multiple of K/);
  });
});

describe('truncation settings are checked by the core', () => {
  beforeAll(useCpuBackend);

  const lq = createLinearQuadratic();
  for (const id of ['tes', 'pes', 'nres', 'gpes', 'tbptt'] as const) {
    it(`${id} refuses a K that does not divide T (episodes must end on truncation boundaries)`, () => {
      const make = (K: number, T: number) => () => estimatorInfo(id).create({ task: lq, settings: defaultSettings(lq, { pairs: 2, K, T }) }).dispose();
      expect(make(30, 100)).toThrow(/K = 30 must divide T = 100/);
      expect(make(0, 100)).toThrow(/K = 0/);
      expect(make(2.5, 100)).toThrow(/K = 2.5/);
      expect(make(200, 100)).toThrow(/K = 200/);
      expect(make(20, 100)).not.toThrow();
    });
  }
  it('a task that never resets takes any whole K', () => {
    const ib = createTask('influence-balancing');
    expect(() => estimatorInfo('pes').create({ task: ib, settings: defaultSettings(ib, { pairs: 2, K: 7 }) }).dispose()).not.toThrow();
  });
});
