import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId, TrainConfig } from '../config';
import { linearQuadraticExact } from '../tasks/linear-quadratic';
import { useCpuBackend } from '../testing/setup';
import { defaultTrainConfig, Trainer } from '../trainer';
import { runTraining } from './training';

/**
 * Known optima reached (or, for biased estimators, missed) by whole training runs with
 * fixed seeds.
 */
describe('training runs', () => {
  beforeAll(useCpuBackend);

  it('influence balancing, PES paper settings (K = 1, N = 500, σ = 0.1, SGD 1e-4, 3000 its): PES reaches θ* = −1/6 within 0.01', async () => {
    const config = defaultTrainConfig('influence-balancing', 'pes');
    expect(config.settings).toMatchObject({ K: 1, pairs: 500 });
    expect(config.iterations).toBe(3000);
    const result = await runTraining(config, { logEvery: 500 });
    const theta = result.final.theta[0] ?? NaN;
    expect(Math.abs(theta - -1 / 6)).toBeLessThan(0.01);
    // And the 500-step evaluation loss fell.
    expect(result.final.evalLoss).toBeLessThan((result.history[0]?.evalLoss ?? 0) / 100);
  });

  for (const id of ['tes', 'tbptt'] as const) {
    it(`influence balancing: ${id} with K = 1 moves θ away from θ*`, async () => {
      const config: TrainConfig = { ...defaultTrainConfig('influence-balancing', id), iterations: 1000 };
      const result = await runTraining(config, { logEvery: 250 });
      const start = Math.abs(0.5 - -1 / 6);
      const distances = result.history.map((h) => Math.abs((h.theta[0] ?? NaN) - -1 / 6));
      // Monotonically further from the optimum, and clearly so at the end.
      for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeGreaterThan(distances[i - 1] ?? 0);
      expect(distances[distances.length - 1]).toBeGreaterThan(start + 0.05);
    });
  }

  it('linear-quadratic: PES, NRES and BPTT reach the known optimum', async () => {
    const optimum = linearQuadraticExact().optimum;
    for (const id of ['pes', 'nres', 'bptt'] as EstimatorId[]) {
      const config: TrainConfig = { ...defaultTrainConfig('linear-quadratic', id), optimizer: 'adam', lr: 0.05, iterations: 400 };
      const { final } = await runTraining(config, { logEvery: 400 });
      const dist = Math.hypot((final.theta[0] ?? NaN) - (optimum[0] ?? 0), (final.theta[1] ?? NaN) - (optimum[1] ?? 0));
      expect(dist, `${id} ended at ${final.theta}`).toBeLessThan(0.1);
    }
  });

  it('returns plain data: θ trajectory, evaluation loss, inner steps and wall time', async () => {
    const config: TrainConfig = { ...defaultTrainConfig('rastrigin', 'full-es'), iterations: 20 };
    const result = await runTraining(config, { logEvery: 5 });
    expect(result.history.map((h) => h.iteration)).toEqual([0, 5, 10, 15, 20]);
    const pairs = config.settings.pairs;
    expect(result.final.innerSteps).toBe(20 * 2 * pairs * 1);
    for (let i = 1; i < result.history.length; i++) {
      expect(result.history[i]?.wallMs).toBeGreaterThanOrEqual(result.history[i - 1]?.wallMs ?? 0);
    }
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('a fixed seed reproduces the run exactly; another seed does not', async () => {
    const config: TrainConfig = { ...defaultTrainConfig('lr-schedule', 'nres'), iterations: 15 };
    const a = await runTraining(config, { logEvery: 5 });
    const b = await runTraining(config, { logEvery: 5 });
    const c = await runTraining({ ...config, settings: { ...config.settings, seed: 2 } }, { logEvery: 5 });
    expect(b.history.map((h) => h.theta)).toEqual(a.history.map((h) => h.theta));
    expect(c.final.theta).not.toEqual(a.final.theta);
  });

  it('keeps tf.memory().numTensors flat over long runs for every estimator', () => {
    for (const id of ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'] as EstimatorId[]) {
      const config = defaultTrainConfig('linear-quadratic', id);
      config.settings = { ...config.settings, pairs: 4, K: 10, R: 20, workers: 'unlocked', burnIn: true };
      const trainer = Trainer.create(config);
      for (let i = 0; i < 5; i++) trainer.stepSync(); // warm up: lazily created state
      const before = tf.memory().numTensors;
      for (let i = 0; i < 60; i++) trainer.stepSync(); // > 5 episodes
      expect(tf.memory().numTensors, id).toBe(before);
      trainer.dispose();
    }
  });
});
