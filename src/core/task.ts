import * as tf from '@tensorflow/tfjs-core';
import { drain, type Slices } from './slices';

/**
 * An inner problem: a dynamical system s_{t+1} = f(s_t, θ, t) with a per-step loss,
 * batched over particles. Every tensor has a leading particle axis P:
 * state [P, stateSize], θ [P, dim], time index t [P] (int32; particles of
 * step-unlocked workers sit at different t).
 *
 * Conventions shared by every task (the estimators rely on them):
 * - `step` returns the state *after* the update and the loss measured on it, so an
 *   episode of T steps yields losses L_1 … L_T.
 * - `reduction` says how per-step losses form the objective:
 *     'mean': L(θ) = (1/T) Σ_t L_t, truncation loss ℓ_j = mean of its K step losses;
 *     'sum' : L(θ) = Σ_t L_t,       truncation loss ℓ_j = sum of its K step losses;
 *     'last': ℓ_j = the loss at the truncation's last step (influence balancing);
 *             the objective is `episodeLoss`.
 * - `episodeLoss(θ)` is the meta-objective of one whole episode from the initial
 *   state (the thing full-unroll ES and BPTT differentiate, and the evaluation loss).
 */
export interface Task {
  readonly meta: TaskMeta;
  /** Length of the inner state vector. */
  readonly stateSize: number;
  /** Initial state for P particles, [P, stateSize]. */
  initialState(P: number): tf.Tensor2D;
  /**
   * One inner step for every particle. `t` holds each particle's time index and `times`
   * the same indices on the host: tasks with minibatches group the particles that share
   * one and run each group's layers as large matmuls (batched-mlp.ts) rather than
   * gathering a minibatch per particle. Callers build both with `stepTimes`.
   */
  step(state: tf.Tensor2D, theta: tf.Tensor2D, t: tf.Tensor1D, times: Int32Array): StepResult;
  /** Meta-objective of one unperturbed episode per row of θ [P, dim] → [P]. */
  episodeLoss(theta: tf.Tensor2D): tf.Tensor1D;
  /**
   * `episodeLoss` as slices that yield between inner steps (see slices.ts). Optional:
   * without it, `episodeLossSlices` runs `episodeLoss` as one slice.
   */
  episodeLossSlices?(theta: tf.Tensor2D): Slices<tf.Tensor1D>;
  /**
   * Optional held-out measure of θ that is not the loss (e.g. test accuracy of a classifier).
   * Shown next to the loss curves and in the CLI's `train` output; tasks without one are
   * untouched. See `TaskMetric`.
   */
  readonly metric?: TaskMetric;
}

/** A task's extra, per-θ measure (e.g. MNIST test accuracy), computed with each evaluation. */
export interface TaskMetric {
  /** What it is, e.g. 'test accuracy'. */
  readonly name: string;
  /** Unit for display (e.g. '%'); values are reported as `evaluate` returns them. */
  readonly unit?: string;
  /** Whether larger values are better (accuracy) or worse (an error rate). */
  readonly higherIsBetter: boolean;
  /** One value per row of θ [P, dim] → [P]. Cheap enough to run with every evaluation frame. */
  evaluate(theta: tf.Tensor2D): tf.Tensor1D;
}

export interface StepResult {
  state: tf.Tensor2D;
  /** Per-particle loss on the new state, [P]. */
  loss: tf.Tensor1D;
}

export type LossReduction = 'mean' | 'sum' | 'last';
export type OptimizerName = 'sgd' | 'adam';

export interface TaskDefaults {
  /** Episode horizon; Infinity for a task that never resets. */
  T: number;
  K: number;
  sigma: number;
  pairs: number;
  optimizer: OptimizerName;
  lr: number;
  iterations: number;
}

export interface TaskMeta {
  id: string;
  title: string;
  /** One-line statement of the problem, plain text with Unicode math. */
  formula: string;
  description: string;
  paramNames: readonly string[];
  /** Whether each parameter is a logarithm of the quantity the user thinks in. */
  logScale: readonly boolean[];
  theta0: readonly number[];
  /** Plot range per parameter, [lo, hi]. */
  bounds: readonly (readonly [number, number])[];
  /** Known optimum of the (unsmoothed) objective, if there is one. */
  optimum: readonly number[] | null;
  reduction: LossReduction;
  defaults: TaskDefaults;
  /** Number of inner steps `episodeLoss` unrolls (T, or the evaluation horizon). */
  evalSteps: number;
  /**
   * The dynamics depend on the horizon itself (lr-schedule: η_t interpolates over t/T), so
   * episodes must be exactly `defaults.T` — another T would extrapolate the schedule (at
   * T = 200 on lr-schedule η_t turns negative and the inner loop ascends). The estimators
   * refuse other horizons (`checkTaskHorizon`); the factory's `{ T }` option builds the task
   * for another one.
   */
  fixedHorizon?: boolean;
  /**
   * Cost of one particle's inner step relative to a toy task's (default 1): roughly the
   * step's multiply-adds / 128. The engine's work budgets (landscape grid and Monte-Carlo
   * samples, reference-gradient pairs) count rows × steps × stepCost, so a heavy task
   * (MNIST: a 50-digit minibatch through an MLP per step, ~1,300) gets smaller jobs
   * instead of stalling the engine; toy tasks leave it unset.
   */
  stepCost?: number;
}

/** A task's relative per-step cost (`TaskMeta.stepCost`), at least 1. */
export function stepCostOf(meta: Pick<TaskMeta, 'stepCost'>): number {
  const c = meta.stepCost ?? 1;
  return Number.isFinite(c) && c > 1 ? c : 1;
}

/** Time indices t0[p] + k of every particle, on the host (what `Task.step` takes as `times`). */
export function hostTimes(t0: ArrayLike<number>, k: number): Int32Array {
  return Int32Array.from(t0, (t) => t + k);
}

/** `task.step` at the host time indices `times` (the tensor made from them). */
export function stepAt(task: Task, state: tf.Tensor2D, theta: tf.Tensor2D, times: ArrayLike<number>): StepResult {
  const host = Int32Array.from(times);
  const t = tf.tensor1d(host, 'int32');
  try {
    return task.step(state, theta, t, host);
  } finally {
    t.dispose();
  }
}

/** Number of meta-parameters of a task. */
export function taskDim(task: Task): number {
  return task.meta.theta0.length;
}

/**
 * Objective of one unperturbed episode of `steps` inner steps from the initial state,
 * reduced as the task's `reduction` says ('last': the final step's loss). The default
 * `episodeLoss` of most tasks. Intermediates are freed step by step, so long episodes
 * over large batches (surfaces) stay within memory; under a gradient tape (BPTT) the
 * tape keeps what it needs.
 */
export function unrollEpisodeLoss(task: Task, theta: tf.Tensor2D, steps: number): tf.Tensor1D {
  return drain(unrollEpisodeLossSlices(task, theta, steps));
}

/** `unrollEpisodeLoss` as slices: a yield after every inner step, outside any tf.tidy. */
export function* unrollEpisodeLossSlices(task: Task, theta: tf.Tensor2D, steps: number): Slices<tf.Tensor1D> {
  const P = theta.shape[0];
  let state = task.initialState(P);
  let acc: tf.Tensor1D = tf.zeros([P]);
  let finished = false;
  try {
    for (let t = 0; t < steps; t++) {
      const [nextState, nextAcc] = tf.tidy(() => {
        const out = task.step(state, theta, tf.fill([P], t, 'int32') as tf.Tensor1D, new Int32Array(P).fill(t));
        const a = task.meta.reduction === 'last' ? out.loss : tf.add(acc, out.loss);
        return [out.state, a] as const;
      });
      state.dispose();
      acc.dispose();
      state = nextState;
      acc = nextAcc as tf.Tensor1D;
      if (t + 1 < steps) yield;
    }
    finished = true;
  } finally {
    // Abandoned (return) or failed part-way: free the running sum too.
    state.dispose();
    if (!finished) acc.dispose();
  }
  if (task.meta.reduction !== 'mean') return acc;
  const mean = tf.div(acc, steps) as tf.Tensor1D;
  acc.dispose();
  return mean;
}

/**
 * The task's metric at each θ (null when the task has none), in one evaluation and one
 * readback; a row with a non-finite entry gets NaN rather than a meaningless value.
 */
export async function metricValues(task: Task, thetas: readonly (readonly number[])[]): Promise<number[] | null> {
  const metric = task.metric;
  if (!metric || thetas.length === 0) return metric ? [] : null;
  const finite = thetas.map((th) => th.every((v) => Number.isFinite(v)));
  const rows = thetas.map((th, i) => (finite[i] ? [...th] : th.map(() => 0)));
  const values = tf.tidy(() => metric.evaluate(tf.tensor2d(rows)));
  try {
    const data = await values.data();
    return Array.from(data, (v, i) => (finite[i] ? v : Number.NaN));
  } finally {
    values.dispose();
  }
}

/** A task's episode loss as slices (one slice when the task does not provide them). */
export function* episodeLossSlices(task: Task, theta: tf.Tensor2D): Slices<tf.Tensor1D> {
  if (task.episodeLossSlices) return yield* task.episodeLossSlices(theta);
  return task.episodeLoss(theta);
}
