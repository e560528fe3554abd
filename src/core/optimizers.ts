import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from './task';

/**
 * Outer-loop optimizers over θ [d], kept on the device. The learning rate is passed at
 * every step so it can change live without a reset.
 */
export interface Optimizer {
  /** Returns the new θ; disposes nothing it was given. */
  step(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number): tf.Tensor1D;
  /**
   * `step` behind the divergence guard, all on the device (no readback): the update is
   * applied only when `usable` (a bool scalar, or null for true) holds and the gradient,
   * the new θ and the new optimizer state are all finite; otherwise θ and the state stay
   * as they were. `applied` (bool scalar) says which; the caller disposes both outputs.
   * So θ never becomes NaN/±Inf, whatever the learning rate.
   */
  guardedStep(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number, usable: tf.Scalar | null): { theta: tf.Tensor1D; applied: tf.Scalar };
  /** A copy of the internal state (the caller owns the tensors). */
  state(): OptimizerState;
  /** Replaces the internal state with a copy of `state`. */
  setState(state: OptimizerState): void;
  dispose(): void;
}

/** Adam's decay rates of the first and second moment estimates. */
export interface AdamBetas {
  beta1: number;
  beta2: number;
}

/** Kingma & Ba's defaults (the PES paper's lr-schedule experiment uses β₁ = 0.99). */
export const DEFAULT_ADAM_BETAS: Readonly<AdamBetas> = { beta1: 0.9, beta2: 0.999 };

/** Adam: [m, v] and the step count; SGD: nothing. */
export interface OptimizerState {
  tensors: tf.Tensor1D[];
  t: number;
}

/** All entries of every tensor finite, as a bool scalar. Call inside a tf.tidy. */
function allFinite(...xs: tf.Tensor[]): tf.Scalar {
  return xs.map((x) => tf.all(tf.isFinite(x)) as tf.Scalar).reduce((a, b) => tf.logicalAnd(a, b) as tf.Scalar);
}

function gate(usable: tf.Scalar | null, ...xs: tf.Tensor[]): tf.Scalar {
  const finite = allFinite(...xs);
  return usable ? (tf.logicalAnd(usable, finite) as tf.Scalar) : finite;
}

/** θ ← θ − η ĝ */
class Sgd implements Optimizer {
  step(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number): tf.Tensor1D {
    return tf.tidy(() => tf.sub(theta, tf.mul(grad, lr)));
  }

  guardedStep(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number, usable: tf.Scalar | null): { theta: tf.Tensor1D; applied: tf.Scalar } {
    return tf.tidy(() => {
      const next = tf.sub(theta, tf.mul(grad, lr)) as tf.Tensor1D;
      const applied = gate(usable, grad, next);
      return { theta: tf.where(applied, next, theta) as tf.Tensor1D, applied };
    });
  }

  state(): OptimizerState {
    return { tensors: [], t: 0 };
  }

  setState(): void {}

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
    return this.update(theta, grad, lr, false, null).theta;
  }

  guardedStep(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number, usable: tf.Scalar | null): { theta: tf.Tensor1D; applied: tf.Scalar } {
    const r = this.update(theta, grad, lr, true, usable);
    return { theta: r.theta, applied: r.applied as tf.Scalar };
  }

  /**
   * One update; when guarded, m, v and θ keep their old values unless everything is finite.
   * (The step count still advances on a skipped update: the bias correction then lags by
   * one step, which is harmless and avoids reading anything back.)
   */
  private update(theta: tf.Tensor1D, grad: tf.Tensor1D, lr: number, guarded: boolean, usable: tf.Scalar | null): { theta: tf.Tensor1D; applied: tf.Scalar | null } {
    this.t++;
    const { beta1, beta2, epsilon, t } = this;
    const m0 = this.m ?? tf.zerosLike(grad);
    const v0 = this.v ?? tf.zerosLike(grad);
    const { m, v, next, applied } = tf.tidy((): { m: tf.Tensor1D; v: tf.Tensor1D; next: tf.Tensor1D; applied?: tf.Scalar } => {
      const m1 = tf.add(tf.mul(m0, beta1), tf.mul(grad, 1 - beta1)) as tf.Tensor1D;
      const v1 = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(grad), 1 - beta2)) as tf.Tensor1D;
      const mHat = tf.div(m1, 1 - Math.pow(beta1, t));
      const vHat = tf.div(v1, 1 - Math.pow(beta2, t));
      const th = tf.sub(theta, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), lr)) as tf.Tensor1D;
      if (!guarded) return { m: m1, v: v1, next: th };
      const ok = gate(usable, grad, m1, v1, th);
      return { m: tf.where(ok, m1, m0) as tf.Tensor1D, v: tf.where(ok, v1, v0) as tf.Tensor1D, next: tf.where(ok, th, theta) as tf.Tensor1D, applied: ok };
    });
    m0.dispose();
    v0.dispose();
    this.m = m;
    this.v = v;
    return { theta: next, applied: applied ?? null };
  }

  state(): OptimizerState {
    if (!this.m || !this.v) return { tensors: [], t: this.t };
    return { tensors: [tf.clone(this.m), tf.clone(this.v)], t: this.t };
  }

  setState(state: OptimizerState): void {
    this.m?.dispose();
    this.v?.dispose();
    const [m, v] = state.tensors;
    this.m = m ? tf.clone(m) : null;
    this.v = v ? tf.clone(v) : null;
    this.t = state.t;
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = this.v = null;
  }
}

export function createOptimizer(name: OptimizerName, betas: AdamBetas = DEFAULT_ADAM_BETAS): Optimizer {
  return name === 'adam' ? new Adam(betas.beta1, betas.beta2) : new Sgd();
}
