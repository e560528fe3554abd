import * as tf from '@tensorflow/tfjs-core';
import type { Task } from '../task';

export interface TruncationResult {
  state: tf.Tensor2D;
  /** Truncation loss ℓ_j per particle, reduced as the task says (mean / sum / last). */
  loss: tf.Tensor1D;
}

/**
 * Unrolls K inner steps for every particle from `state`, particle p starting at time
 * index t0[p]. Intermediates are freed step by step; the inputs are not disposed.
 */
export function unrollTruncation(
  task: Task,
  state: tf.Tensor2D,
  theta: tf.Tensor2D,
  t0: Int32Array,
  K: number,
): TruncationResult {
  const P = state.shape[0];
  const reduction = task.meta.reduction;
  const tStart = tf.tensor1d(t0, 'int32');
  let s = state;
  let acc: tf.Tensor1D = tf.zeros([P]);
  for (let k = 0; k < K; k++) {
    const [nextState, nextAcc] = tf.tidy(() => {
      const t = k === 0 ? tStart : (tf.add(tStart, tf.scalar(k, 'int32')) as tf.Tensor1D);
      const out = task.step(s, theta, t);
      return [out.state, reduction === 'last' ? out.loss : tf.add(acc, out.loss)] as const;
    });
    if (s !== state) s.dispose();
    acc.dispose();
    s = nextState;
    acc = nextAcc as tf.Tensor1D;
  }
  tStart.dispose();
  if (s === state) s = tf.clone(state);
  if (reduction !== 'mean') return { state: s, loss: acc };
  const loss = tf.div(acc, K) as tf.Tensor1D;
  acc.dispose();
  return { state: s, loss };
}

/** Rows of `replacement` where mask[p] is true, rows of `base` elsewhere. Disposes nothing. */
export function replaceRows(base: tf.Tensor2D, replacement: tf.Tensor2D, mask: ArrayLike<boolean>): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.tensor1d(Array.from(mask, (b) => (b ? 1 : 0)), 'bool');
    return tf.where(tf.expandDims(m, 1), replacement, base) as tf.Tensor2D;
  });
}
