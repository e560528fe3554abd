/**
 * Influence balancing (Tallec & Ollivier 2017; PES paper, Vicol et al. 2021).
 *
 *   s ∈ R²³,  s₀ = (1, …, 1),  θ ∈ R,  θ₀ = 0.5
 *   s ← A s + θ b,   A = 0.5·I + 0.5·(superdiagonal ones)
 *       i.e. s_i' = 0.5 s_i + 0.5 s_{i+1} + θ b_i  (the last row has no s_{i+1})
 *   b = (+1 ×10, −1 ×13)
 *   per-step loss ½(s[0] − 1)² on the new state; reduction 'last' (a truncation's loss is
 *   the loss at its last step). The system never resets (T = ∞).
 *   Evaluation: fresh 500-step unroll from s = 1, loss ½(s₅₀₀[0] − 1)².
 *
 * Steady state s[0] = 2θ Σ b = −6θ, so the optimum is θ* = −1/6. A short truncation only
 * sees the first components of b (positive), the wrong-sign influence of θ.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';

export const INFLUENCE_BALANCING_SIZE = 23;
export const INFLUENCE_BALANCING_POSITIVE = 10;

export interface InfluenceBalancingOptions {
  /** Length of the evaluation unroll `episodeLoss` performs (default 500). */
  evalSteps?: number;
}

export function createInfluenceBalancing(options: InfluenceBalancingOptions = {}): Task {
  const n = INFLUENCE_BALANCING_SIZE;
  const b = Array.from({ length: n }, (_, i) => (i < INFLUENCE_BALANCING_POSITIVE ? 1 : -1));
  // Aᵀ, so that the batched update is s' = s Aᵀ + θ bᵀ with s as rows.
  const At = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 0.5 : i === j + 1 ? 0.5 : 0)),
  );
  const AtT = tf.keep(tf.tensor2d(At));
  const bT = tf.keep(tf.tensor2d([b]));

  const meta: TaskMeta = {
    id: 'influence-balancing',
    title: 'Influence balancing',
    formula: 's ← A s + θ b,  A = ½(I + superdiag),  b = (+1×10, −1×13),  ℓ = ½(s₀ − 1)²',
    description:
      'θ pushes the first state component up right away but down (more strongly) through the delayed chain, so ' +
      'its long-run influence has the opposite sign of its short-run one. Truncated methods with short windows ' +
      '(TES, TBPTT) follow the wrong sign and drift away from θ* = −1/6; PES accumulates the noise across truncations and converges.',
    paramNames: ['θ'],
    logScale: [false],
    theta0: [0.5],
    bounds: [[-1, 1]],
    optimum: [-1 / 6],
    reduction: 'last',
    defaults: { T: Infinity, K: 1, sigma: 0.1, pairs: 500, optimizer: 'sgd', lr: 1e-4, iterations: 3000 },
    evalSteps: options.evalSteps ?? 500,
  };

  const task: Task = {
    meta,
    stateSize: n,
    initialState: (P) => tf.ones([P, n]),
    step(state, theta) {
      const next = tf.add(tf.matMul(state, AtT), tf.mul(theta, bT)) as tf.Tensor2D;
      const first = tf.reshape(tf.slice(next, [0, 0], [-1, 1]), [-1]);
      const loss = tf.mul(tf.square(tf.sub(first, 1)), 0.5) as tf.Tensor1D;
      return { state: next, loss };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
