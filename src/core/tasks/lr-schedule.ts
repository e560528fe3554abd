/**
 * Learning-rate-schedule toy regression (PES paper, Vicol et al. 2021; evosax example).
 *
 *   inner x ∈ R², x₀ = (1, 1)
 *   f(x) = √(x₀² + 5) − √5 + sin²(x₁)·e^{−5x₀²} + 0.25·|x₁ − 100|
 *   ∇f(x) = ( x₀/√(x₀² + 5) − 10 x₀ sin²(x₁) e^{−5x₀²},  sin(2x₁) e^{−5x₀²} + 0.25·sign(x₁ − 100) )
 *   inner SGD  x ← x − η_t (∇f(x) + 1e-10·x),  η_t = e^{θ₀}(T−t)/T + e^{θ₁} t/T,  t = 0…T−1
 *              (η uses the time index before the update)
 *   per-step loss f(x_{t+1}); meta-loss Σ_t f(x_{t+1})  (reduction 'sum'), T = 100.
 *
 * θ = (initial log-LR, final log-LR). The meta-loss surface is rough near its minimum.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';

export interface LrScheduleOptions {
  /** Inner horizon T; also the T of the schedule formula (default 100). */
  T?: number;
}

export const LR_SCHEDULE_X0 = [1, 1] as const;
export const LR_SCHEDULE_WEIGHT_DECAY = 1e-10;

export function createLrSchedule(options: LrScheduleOptions = {}): Task {
  const T = options.T ?? 100;
  const x0T = tf.keep(tf.tensor2d([[...LR_SCHEDULE_X0]]));
  const sqrt5 = Math.sqrt(5);

  const meta: TaskMeta = {
    id: 'lr-schedule',
    title: 'Learning-rate schedule',
    formula: 'f(x) = √(x₀²+5) − √5 + sin²(x₁)e^{−5x₀²} + ¼|x₁−100|,  x ← x − η_t∇f,  η_t = e^{θ₀}(T−t)/T + e^{θ₁}t/T,  L = Σ_t f(x_{t+1})',
    description:
      'θ sets the initial and final log learning rate of a linearly interpolated schedule for SGD on a bumpy 2-D ' +
      'function. The summed loss along the inner run is a rough function of θ near its minimum, so plain gradients ' +
      'are erratic while σ-smoothed ES estimates follow the broad trend.',
    paramNames: ['log η₀ (initial)', 'log η_T (final)'],
    logScale: [true, true],
    theta0: [-4, -4],
    bounds: [
      [-5, 5],
      [-5, 5],
    ],
    optimum: null,
    reduction: 'sum',
    defaults: { T, K: 10, sigma: 0.3, pairs: 50, optimizer: 'adam', lr: 1e-2, iterations: 1000 },
    evalSteps: T,
    // η_t is built for t < T: episodes of another length would extrapolate it (negative past T).
    fixedHorizon: true,
  };

  /** f(x) for columns x₀ [P], x₁ [P]. */
  const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    tf.addN([
      tf.sub(tf.sqrt(tf.add(tf.square(a), 5)), sqrt5),
      tf.mul(tf.square(tf.sin(b)), tf.exp(tf.mul(tf.square(a), -5))),
      tf.mul(tf.abs(tf.sub(b, 100)), 0.25),
    ]);

  const task: Task = {
    meta,
    stateSize: 2,
    initialState: (P) => tf.tile(x0T, [P, 1]),
    step(state, theta, t) {
      const [a, b] = tf.unstack(state, 1) as [tf.Tensor1D, tf.Tensor1D];
      const [th0, th1] = tf.unstack(theta, 1) as [tf.Tensor1D, tf.Tensor1D];
      const w = tf.div(tf.cast(t, 'float32'), T);
      const eta = tf.add(tf.mul(tf.exp(th0), tf.sub(1, w)), tf.mul(tf.exp(th1), w));
      const bump = tf.exp(tf.mul(tf.square(a), -5));
      const g0 = tf.sub(
        tf.div(a, tf.sqrt(tf.add(tf.square(a), 5))),
        tf.mul(tf.mul(a, 10), tf.mul(tf.square(tf.sin(b)), bump)),
      );
      const g1 = tf.add(tf.mul(tf.sin(tf.mul(b, 2)), bump), tf.mul(tf.sign(tf.sub(b, 100)), 0.25));
      const a1 = tf.sub(a, tf.mul(eta, tf.add(g0, tf.mul(a, LR_SCHEDULE_WEIGHT_DECAY))));
      const b1 = tf.sub(b, tf.mul(eta, tf.add(g1, tf.mul(b, LR_SCHEDULE_WEIGHT_DECAY))));
      return { state: tf.stack([a1, b1], 1) as tf.Tensor2D, loss: f(a1, b1) as tf.Tensor1D };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
