/**
 * Particles grouped by where they are in the data. Every particle of a lockstep population
 * (and every evaluation) sits at the same time index, so it sees the same minibatch and a
 * task can run the whole population's first layer as one GEMM over all particles' weights
 * (batched-mlp.ts). Step-unlocked workers sit at a few truncation-aligned offsets: one
 * group per distinct minibatch, each run the same way, the rows put back in order.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface TimeGroup {
  /** A time index of the group's particles (they agree modulo the period). */
  t: number;
  /** Row indices of the group's particles, ascending. */
  rows: number[];
}

/** Rows grouped by `times[p] mod period`, groups in order of first appearance. */
export function groupByTime(times: ArrayLike<number>, period: number): TimeGroup[] {
  const groups = new Map<number, TimeGroup>();
  for (let p = 0; p < times.length; p++) {
    const t = times[p] ?? 0;
    const key = ((t % period) + period) % period;
    const g = groups.get(key);
    if (g) g.rows.push(p);
    else groups.set(key, { t, rows: [p] });
  }
  return [...groups.values()];
}

/** The size of the largest group of rows that agree on `times[p] mod period`. */
export function largestGroup(times: ArrayLike<number>, period: number): number {
  return Math.max(0, ...groupByTime(times, period).map((g) => g.rows.length));
}

/**
 * Runs `fn` once per group of rows that agree on `times[p] mod period`, on those rows of
 * `inputs` (each [P, ·]), and returns its outputs (each with a leading row axis) in the
 * original row order. A single group — the usual case — runs on the inputs themselves:
 * no gather, no reordering. Differentiable (gather and concat have gradients).
 */
export function perTimeGroup(
  times: ArrayLike<number>,
  period: number,
  inputs: readonly tf.Tensor[],
  fn: (t: number, inputs: tf.Tensor[]) => tf.Tensor[],
): tf.Tensor[] {
  const groups = groupByTime(times, period);
  const only = groups[0];
  if (groups.length === 1 && only) return fn(only.t, [...inputs]);
  const parts = groups.map((g) => {
    const idx = tf.tensor1d(g.rows, 'int32');
    return fn(
      g.t,
      inputs.map((x) => tf.gather(x, idx)),
    );
  });
  // Row p of the concatenation is order[p]; gathering with the inverse permutation restores it.
  const order = groups.flatMap((g) => g.rows);
  const inverse = new Int32Array(order.length);
  order.forEach((row, i) => (inverse[row] = i));
  const back = tf.tensor1d(inverse, 'int32');
  const outputs = parts[0]?.length ?? 0;
  return Array.from({ length: outputs }, (_, k) =>
    tf.gather(
      tf.concat(parts.map((p) => p[k] as tf.Tensor)),
      back,
    ),
  );
}

/** Least common multiple of two minibatch counts: the period after which both repeat together. */
export function commonPeriod(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
