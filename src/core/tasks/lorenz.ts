/**
 * Lorenz parameter learning (Noise-Reuse ES paper, Li et al. 2023).
 *
 *   state (x, y, z), (x, y, z)₀ = (1.2, 1.3, 1.6);  θ = (log a, log r);  b = 8/3 fixed
 *   explicit Euler, dt = 0.005, all three updates from the OLD x, y, z:
 *     x += a(y − x)·dt;   y += ((r − z)x − y)·dt;   z += (xy − bz)·dt
 *   per-step loss (z_{t+1} − z^{gt}_{t+1})² on the new state, where z^{gt} is the same Euler
 *   trajectory with a = 10, r = 28 (computed once in float64);
 *   objective = mean over T = 2000 steps (reduction 'mean').
 *
 * For long horizons the unsmoothed loss is chaotic along log r (many local minima), so AD
 * gradients are useless there while σ-smoothed ES estimates still point to (log 10, log 28).
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';

export const LORENZ_X0 = [1.2, 1.3, 1.6] as const;
export const LORENZ_DT = 0.005;
export const LORENZ_B = 8 / 3;
export const LORENZ_TRUE_A = 10;
export const LORENZ_TRUE_R = 28;

export interface LorenzOptions {
  /** Episode horizon (default 2000). */
  T?: number;
  /**
   * Length of the stored ground-truth trajectory (default max(T, 20000)); the step at
   * time index t compares with entry t, so this bounds the time indices `step` accepts.
   */
  groundTruthSteps?: number;
}

/** z after each of `steps` Euler steps (entry t = z after step t+1), float64. */
export function lorenzGroundTruthZ(steps: number, a = LORENZ_TRUE_A, r = LORENZ_TRUE_R): Float64Array {
  const out = new Float64Array(steps);
  let [x, y, z] = LORENZ_X0 as readonly [number, number, number];
  for (let t = 0; t < steps; t++) {
    const dx = a * (y - x) * LORENZ_DT;
    const dy = ((r - z) * x - y) * LORENZ_DT;
    const dz = (x * y - LORENZ_B * z) * LORENZ_DT;
    x += dx;
    y += dy;
    z += dz;
    out[t] = z;
  }
  return out;
}

export function createLorenz(options: LorenzOptions = {}): Task {
  const T = options.T ?? 2000;
  const gtSteps = Math.max(T, options.groundTruthSteps ?? 20000);
  const gtZ = tf.keep(tf.tensor1d(Float32Array.from(lorenzGroundTruthZ(gtSteps))));
  const x0T = tf.keep(tf.tensor2d([[...LORENZ_X0]]));

  const meta: TaskMeta = {
    id: 'lorenz',
    title: 'Lorenz parameters',
    formula: 'ẋ = a(y−x), ẏ = (r−z)x − y, ż = xy − bz (Euler, dt = 0.005),  L = (1/T) Σ_t (z_t − z_t^{gt})²',
    description:
      'Recover the Lorenz parameters (a, r) by matching the z-trajectory of the true system (a = 10, r = 28). ' +
      'Over a long horizon the unrolled loss is chaotic in θ with many local minima, so backpropagated gradients ' +
      'explode while Gaussian-smoothed ES gradients still see the basin around the true parameters.',
    paramNames: ['log a', 'log r'],
    logScale: [true, true],
    theta0: [3.116, 3.7],
    bounds: [
      [1.8, 3.2],
      [3.0, 3.9],
    ],
    optimum: [Math.log(LORENZ_TRUE_A), Math.log(LORENZ_TRUE_R)],
    reduction: 'mean',
    // Adam lr 1e-2 and 500 iterations are our choices (the NRES paper tunes its optimizer per method).
    defaults: { T, K: 100, sigma: 0.04, pairs: 200, optimizer: 'adam', lr: 1e-2, iterations: 500 },
    evalSteps: T,
  };

  const task: Task = {
    meta,
    stateSize: 3,
    initialState: (P) => tf.tile(x0T, [P, 1]),
    step(state, theta, t) {
      const [x, y, z] = tf.unstack(state, 1) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const [a, r] = tf.unstack(tf.exp(theta), 1) as [tf.Tensor1D, tf.Tensor1D];
      const x1 = tf.add(x, tf.mul(tf.mul(a, tf.sub(y, x)), LORENZ_DT));
      const y1 = tf.add(y, tf.mul(tf.sub(tf.mul(tf.sub(r, z), x), y), LORENZ_DT));
      const z1 = tf.add(z, tf.mul(tf.sub(tf.mul(x, y), tf.mul(z, LORENZ_B)), LORENZ_DT));
      const loss = tf.square(tf.sub(z1, tf.gather(gtZ, t))) as tf.Tensor1D;
      return { state: tf.stack([x1, y1, z1], 1) as tf.Tensor2D, loss };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
