import * as tf from '@tensorflow/tfjs-core';
import { drain, type Slices } from '../slices';
import { hostTimes, type Task } from '../task';

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
  return drain(unrollTruncationSlices(task, state, theta, t0, K));
}

/**
 * `unrollTruncation` as slices: yields after every inner step (outside any tf.tidy), so a
 * pacer can hand the thread back mid-truncation. Abandoned early, it frees what it holds.
 */
export function* unrollTruncationSlices(
  task: Task,
  state: tf.Tensor2D,
  theta: tf.Tensor2D,
  t0: Int32Array,
  K: number,
): Slices<TruncationResult> {
  const P = state.shape[0];
  const reduction = task.meta.reduction;
  const tStart = tf.tensor1d(t0, 'int32');
  let s = state;
  let acc: tf.Tensor1D = tf.zeros([P]);
  let finished = false;
  try {
    for (let k = 0; k < K; k++) {
      const [nextState, nextAcc] = tf.tidy(() => {
        const t = k === 0 ? tStart : (tf.add(tStart, tf.scalar(k, 'int32')) as tf.Tensor1D);
        const out = task.step(s, theta, t, hostTimes(t0, k));
        return [out.state, reduction === 'last' ? out.loss : tf.add(acc, out.loss)] as const;
      });
      if (s !== state) s.dispose();
      acc.dispose();
      s = nextState;
      acc = nextAcc as tf.Tensor1D;
      if (k + 1 < K) yield;
    }
    finished = true;
  } finally {
    tStart.dispose();
    if (!finished) {
      if (s !== state) s.dispose();
      acc.dispose();
    }
  }
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

/** Rows of `x` [P, n] whose entries are all finite, as bool [P]. */
export function finiteRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.all(tf.isFinite(x), 1) as tf.Tensor1D);
}

/**
 * The divergence guard shared by the ES estimators: pair i is usable when both of its
 * particles' losses and new states are finite (and it is active). Returns the mask as
 * float [N] (1 usable, 0 excluded), the number of active pairs excluded, and the factor
 * that renormalises a mean over the active pairs to a mean over the usable ones — exactly
 * 1 when none is excluded, so a healthy update is bit-for-bit the unguarded one.
 * Call inside a tf.tidy.
 */
export function pairGuard(
  lossPlus: tf.Tensor1D,
  lossMinus: tf.Tensor1D,
  statePlus: tf.Tensor2D | null,
  stateMinus: tf.Tensor2D | null,
  active: tf.Tensor1D | null,
): { usable: tf.Tensor1D; excluded: tf.Scalar; renormalise: tf.Scalar } {
  let ok = tf.logicalAnd(tf.isFinite(lossPlus), tf.isFinite(lossMinus));
  if (statePlus && stateMinus) ok = tf.logicalAnd(ok, tf.logicalAnd(finiteRows(statePlus), finiteRows(stateMinus)));
  const act = active ?? tf.onesLike(lossPlus);
  const usable = tf.mul(tf.cast(ok, 'float32'), act) as tf.Tensor1D;
  const activeCount = tf.sum(act);
  const usableCount = tf.sum(usable);
  const excluded = tf.sub(activeCount, usableCount) as tf.Scalar;
  const renormalise = tf.div(activeCount, tf.maximum(usableCount, 1)) as tf.Scalar;
  return { usable, excluded, renormalise };
}

/**
 * Per-pair weights with excluded pairs zeroed (tf.where, not a product: 0 × NaN is NaN).
 * `w` [N], `usable` [N] from `pairGuard`. Call inside a tf.tidy.
 */
export function maskedWeights(w: tf.Tensor1D, usable: tf.Tensor1D, renormalise: tf.Scalar): tf.Tensor1D {
  return tf.mul(tf.where(tf.greater(usable, 0), w, tf.zerosLike(w)), renormalise) as tf.Tensor1D;
}
