/**
 * Rastrigin 2-D (as in evostrats): a static function, no unrolling (T = 1, K = 1).
 *
 *   L(θ) = 10d + Σ_i (z_i² − 10 cos 2πz_i),   z = θ − shift,   d = 2,   shift = (1.0, −0.5)
 *
 * Global minimum 0 at θ = shift; local minima near every shift + integer lattice point.
 * The state is a dummy of size 1, carried through unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';

export const RASTRIGIN_SHIFT = [1.0, -0.5] as const;

export interface RastriginOptions {
  /** Location of the global minimum (default (1.0, −0.5)); its length sets d. */
  shift?: readonly number[];
}

export function createRastrigin(options: RastriginOptions = {}): Task {
  const shift = [...(options.shift ?? RASTRIGIN_SHIFT)];
  const d = shift.length;
  const shiftT = tf.keep(tf.tensor2d([shift]));

  const meta: TaskMeta = {
    id: 'rastrigin',
    title: 'Rastrigin',
    formula: 'L(θ) = 10d + Σᵢ (zᵢ² − 10 cos 2πzᵢ),  z = θ − shift',
    description:
      'A static bowl covered in a lattice of local minima, with no unrolling involved. Gradient descent stalls in the ' +
      'nearest dip; the σ-smoothed loss that ES follows washes the ripples out once σ is comparable to their spacing, ' +
      'which shows what smoothing does before truncation and unrolling enter the picture.',
    paramNames: Array.from({ length: d }, (_, i) => `θ${String.fromCharCode(0x2081 + i)}`),
    logScale: new Array<boolean>(d).fill(false),
    theta0: d === 2 ? [-3.3, 3.7] : shift.map((s, i) => s + (i % 2 === 0 ? -4.3 : 4.2)),
    bounds: shift.map(() => [-5.12, 5.12] as const),
    optimum: shift,
    reduction: 'mean',
    defaults: { T: 1, K: 1, sigma: 1.0, pairs: 50, optimizer: 'adam', lr: 0.05, iterations: 300 },
    evalSteps: 1,
  };

  const task: Task = {
    meta,
    stateSize: 1,
    initialState: (P) => tf.zeros([P, 1]),
    step(state, theta) {
      const z = tf.sub(theta, shiftT);
      const terms = tf.sub(tf.square(z), tf.mul(tf.cos(tf.mul(z, 2 * Math.PI)), 10));
      const loss = tf.add(tf.sum(terms, 1), 10 * d) as tf.Tensor1D;
      // A fresh tensor (not the input) so callers may dispose the old state.
      return { state: tf.clone(state), loss };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
