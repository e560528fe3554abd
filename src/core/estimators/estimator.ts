import type { WorkerTimeline } from './timeline';
import * as tf from '@tensorflow/tfjs-core';
import { repeatRows } from '../backend-ops';
import type { EstimatorId, EstimatorSettings } from '../config';
import type { Pacer, Slices } from '../slices';
import type { Task } from '../task';

/**
 * A gradient estimator over a population of particles. The caller owns θ; the
 * estimator owns its particles' inner states, which persist across calls (online
 * methods advance one truncation per call).
 *
 * `estimate` is synchronous and issues only tensor ops (no readback), so on WebGPU a
 * whole outer update is queued without stalling the pipeline.
 */
export interface Estimator {
  readonly id: EstimatorId;
  /** One outer update's estimate of ∇L at θ [d]. The caller disposes `grad` (and `excluded`). */
  estimate(theta: tf.Tensor1D, sigma: number, options?: EstimateOptions): GradientEstimate;
  /**
   * `estimate` as slices (see slices.ts): the same ops in the same order, with yields
   * between inner steps. Abandoned part-way, the estimator is unusable and must be disposed.
   */
  estimateSlices(theta: tf.Tensor1D, sigma: number, options?: EstimateOptions): Slices<GradientEstimate>;
  /** Parameters the particles are evaluated at now ([P, d]: θ ± ε, or θ for AD). */
  particles(theta: tf.Tensor1D): tf.Tensor2D;
  /**
   * Unrolls one episode (T/K truncations) with θ fixed and discards the gradients:
   * the optional burn-in of online methods. Returns the inner steps spent.
   */
  burnIn(theta: tf.Tensor1D, sigma: number): number;
  /** `burnIn` as slices. */
  burnInSlices(theta: tf.Tensor1D, sigma: number): Slices<number>;
  /** Where its first `max` workers are in their episodes and their noise weights (online ES estimators; see timeline.ts). */
  workerTimeline?(max: number): WorkerTimeline;
  dispose(): void;
}

export interface EstimateOptions {
  /** Also return each worker's own single-worker estimate (variance measurements). */
  perWorker?: boolean;
}

export interface GradientEstimate {
  grad: tf.Tensor1D;
  /**
   * When asked for: each worker's (pair's, or AD trajectory's) own estimate, [W, d];
   * `grad` is their mean. Workers are i.i.d., so blocks of them act as repeats.
   */
  perWorker?: tf.Tensor2D;
  /** Inner steps this update spent, summed over particles (the papers' compute axis). */
  innerSteps: number;
  /** Index of the truncation within the episode each pair just unrolled (online methods). */
  truncationIndex?: Int32Array;
  /**
   * Pairs (or autodiff trajectories) left out of this estimate because a loss, state or
   * per-trajectory gradient became NaN/±Inf; a float scalar on the device (no readback).
   * Absent means none can be. The caller disposes it.
   */
  excluded?: tf.Scalar;
  /** Pairs (or trajectories) behind this estimate; all of them excluded means no information. */
  workers?: number;
}

export interface EstimatorContext {
  task: Task;
  settings: EstimatorSettings;
}

export type EstimatorFactory = (ctx: EstimatorContext) => Estimator;

/**
 * Checks the truncation settings every online estimator relies on: K a whole number ≥ 1
 * and, for a task that resets, K ≤ T with K dividing T, so every episode ends on a
 * truncation boundary (the page, the CLI and the link decoder enforce the same; this is
 * the core's own guard for any other caller). Throws a RangeError naming the values.
 */
export function checkTruncationSettings(settings: Pick<EstimatorSettings, 'K' | 'T'>): void {
  const { K, T } = settings;
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`K = ${K}: the truncation length must be a whole number ≥ 1`);
  if (Number.isFinite(T) && (K > T || T % K !== 0)) {
    throw new RangeError(`K = ${K} must divide T = ${T} (episodes must end on truncation boundaries)`);
  }
}

/**
 * Checks the episode horizon against a task whose dynamics depend on it
 * (`TaskMeta.fixedHorizon`, lr-schedule): its episodes must be exactly the T it was built for.
 */
export function checkTaskHorizon(task: Task, settings: Pick<EstimatorSettings, 'T'>): void {
  const built = task.meta.defaults.T;
  if (task.meta.fixedHorizon && settings.T !== built) {
    throw new RangeError(
      `${task.meta.id}: its learning-rate schedule is built for T = ${built} (η_t would extrapolate, and turn negative, past T); ` +
        `episodes of T = ${settings.T} need the task built for that horizon`,
    );
  }
}

/** Truncations per episode, J = T/K (1 for a task that never resets: J is undefined there). */
export function truncationsPerEpisode(settings: EstimatorSettings): number {
  return Number.isFinite(settings.T) ? Math.max(1, Math.round(settings.T / settings.K)) : 1;
}

/** Broadcasts θ [d] to [P, d]. */
export function tileTheta(theta: tf.Tensor1D, P: number): tf.Tensor2D {
  return tf.tidy(() => repeatRows(tf.expandDims(theta, 0), P));
}

/**
 * One estimate of ∇L at θ, sliced through `pacer` and read back as numbers, for callers
 * that want a single gradient (a reference, a diagnostic), not a run. Disposes `est`.
 */
export async function gradientOnce(est: Estimator, theta: readonly number[], sigma: number, pacer: Pacer): Promise<number[]> {
  const th = tf.tensor1d([...theta]);
  try {
    const { grad, excluded } = await pacer.run(est.estimateSlices(th, sigma));
    excluded?.dispose();
    const g = Array.from(await grad.data());
    grad.dispose();
    return g;
  } finally {
    th.dispose();
    est.dispose();
  }
}
