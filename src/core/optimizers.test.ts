import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer } from './optimizers';
import { useCpuBackend } from './testing/setup';

describe('outer optimizers', () => {
  beforeAll(useCpuBackend);

  it('sgd takes θ − η g', async () => {
    const opt = createOptimizer('sgd');
    const next = opt.step(tf.tensor1d([1, 2]), tf.tensor1d([0.5, -1]), 0.1);
    expect(Array.from(await next.data())).toEqual([expect.closeTo(0.95, 6), expect.closeTo(2.1, 6)]);
  });

  it("adam's first step is η·sign(g) (bias correction) and it converges on a quadratic", async () => {
    const opt = createOptimizer('adam');
    const first = opt.step(tf.tensor1d([1, 1]), tf.tensor1d([3, -0.01]), 0.1);
    expect(Array.from(await first.data())).toEqual([expect.closeTo(0.9, 5), expect.closeTo(1.1, 5)]);
    opt.dispose();
    // minimise ½‖θ − c‖²
    const adam = createOptimizer('adam');
    const c = tf.tensor1d([2, -3]);
    let theta = tf.tensor1d([0, 0]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2000; i++) {
      const g = tf.sub(theta, c) as tf.Tensor1D;
      const next = adam.step(theta, g, 0.05);
      g.dispose();
      theta.dispose();
      theta = next;
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
    const v = Array.from(await theta.data());
    expect(v[0]).toBeCloseTo(2, 2);
    expect(v[1]).toBeCloseTo(-3, 2);
  });
});
