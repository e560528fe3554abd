import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from './task';

/**
 * Outer-loop optimizers over θ [d], kept on the device. The learning rate is passed at
 * every step so it can change live without a reset.
 */
export interface Optimizer {
  /** Returns the new θ; disposes nothing it was given. */
  step(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number): tf.Tensor1D;
  dispose(): void;
}

/** θ ← θ − η ĝ */
class Sgd implements Optimizer {
  step(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number): tf.Tensor1D {
    return tf.tidy(() => tf.sub(theta, tf.mul(grad, lr)));
  }
  dispose(): void {}
}

/**
 * Adam (Kingma & Ba) with bias correction:
 *   m ← β₁m + (1−β₁)ĝ,  v ← β₂v + (1−β₂)ĝ²,  θ ← θ − η m̂ / (√v̂ + ε)
 */
class Adam implements Optimizer {
  private m: tf.Tensor1D | null = null;
  private v: tf.Tensor1D | null = null;
  private t = 0;

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  step(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number): tf.Tensor1D {
    this.t++;
    const { beta1, beta2, epsilon, t } = this;
    const m0 = this.m ?? tf.zerosLike(grad);
    const v0 = this.v ?? tf.zerosLike(grad);
    const [m, v, next] = tf.tidy(() => {
      const m1 = tf.add(tf.mul(m0, beta1), tf.mul(grad, 1 - beta1));
      const v1 = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(grad), 1 - beta2));
      const mHat = tf.div(m1, 1 - Math.pow(beta1, t));
      const vHat = tf.div(v1, 1 - Math.pow(beta2, t));
      const th = tf.sub(theta, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), lr));
      return [m1, v1, th] as tf.Tensor1D[];
    }) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    m0.dispose();
    v0.dispose();
    this.m = m;
    this.v = v;
    return next;
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = this.v = null;
  }
}

export function createOptimizer(name: OptimizerName): Optimizer {
  return name === 'adam' ? new Adam() : new Sgd();
}
