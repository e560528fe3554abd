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

  it("adam takes β₁ and β₂ (the PES paper's lr-schedule experiment uses β₁ = 0.99)", async () => {
    // Two steps by hand: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂/(√v̂ + ε).
    const by = (b1: number, b2: number, gs: number[], lr: number): number => {
      let m = 0, v = 0, th = 0;
      gs.forEach((g, i) => {
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        th -= (lr * (m / (1 - b1 ** (i + 1)))) / (Math.sqrt(v / (1 - b2 ** (i + 1))) + 1e-8);
      });
      return th;
    };
    const run = async (opt: ReturnType<typeof createOptimizer>): Promise<number> => {
      let theta = tf.tensor1d([0]);
      for (const g of [1, -3]) {
        const next = opt.step(theta, tf.tensor1d([g]), 0.1);
        theta.dispose();
        theta = next;
      }
      return (await theta.data())[0]!;
    };
    expect(await run(createOptimizer('adam', { beta1: 0.99, beta2: 0.999 }))).toBeCloseTo(by(0.99, 0.999, [1, -3], 0.1), 5);
    expect(await run(createOptimizer('adam', { beta1: 0.5, beta2: 0.9 }))).toBeCloseTo(by(0.5, 0.9, [1, -3], 0.1), 5);
    // The defaults stay Kingma & Ba's.
    expect(await run(createOptimizer('adam'))).toBeCloseTo(by(0.9, 0.999, [1, -3], 0.1), 5);
    expect(by(0.99, 0.999, [1, -3], 0.1)).not.toBeCloseTo(by(0.9, 0.999, [1, -3], 0.1), 3);
  });
});
