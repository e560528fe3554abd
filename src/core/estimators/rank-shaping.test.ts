import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTask } from '../tasks/index';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { centredRanks } from './full-es';
import { estimatorInfo } from './index';

describe('rank fitness shaping (evostrats)', () => {
  beforeAll(useCpuBackend);

  it('maps losses to centred ranks in linspace(−0.5, 0.5)', async () => {
    const r = centredRanks(tf.tensor1d([3, -1, 10, 2, 0]));
    expect(Array.from(await r.data())).toEqual([0.25, -0.5, 0.5, 0, -0.25]);
    r.dispose();
  });

  it('full-es with rank shaping points along the true gradient', async () => {
    const task = createTask('linear-quadratic');
    const theta = tf.tensor1d([...task.meta.theta0]);
    const exact = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(task.episodeLoss(tf.expandDims(x, 0) as tf.Tensor2D)))(theta));
    const est = estimatorInfo('full-es').create({ task, settings: defaultSettings(task, { pairs: 200, rankShaping: true, seed: 4 }) });
    const { grad } = est.estimate(theta, 0.1);
    const [g, e] = [Array.from(await grad.data()), Array.from(await exact.data())];
    const cos = (g[0]! * e[0]! + g[1]! * e[1]!) / (Math.hypot(...g) * Math.hypot(...e));
    expect(cos).toBeGreaterThan(0.9);
    [grad, exact, theta].forEach((t) => t.dispose());
    est.dispose();
  });
});
