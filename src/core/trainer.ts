import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, EstimatorSettings, TaskId, TrainConfig } from './config';
import type { Estimator } from './estimators/estimator';
import type { WorkerTimeline } from './estimators/timeline';
import { estimatorInfo } from './estimators/index';
import type { Optimizer, OptimizerState } from './optimizers';
import { createOptimizer } from './optimizers';
import type { SigmaSchedule } from './sigma-schedule';
import { drain, type Slices } from './slices';
import { constantSigma, sigmaAt } from './sigma-schedule';
import type { Task } from './task';
import { createTask } from './tasks/index';

export interface TrainSnapshot {
  iteration: number;
  theta: number[];
  evalLoss: number;
  innerSteps: number;
  sigma: number;
  wallMs: number;
}

/** Resolved estimator settings from a task's defaults, with overrides. */
export function defaultSettings(task: Task, overrides: Partial<EstimatorSettings> = {}): EstimatorSettings {
  const d = task.meta.defaults;
  const K = overrides.K ?? d.K;
  const T = overrides.T ?? d.T;
  return {
    pairs: d.pairs,
    K,
    T,
    R: K,
    workers: 'lockstep',
    burnIn: false,
    rankShaping: false,
    sigmaChange: 'next-episode',
    seed: 1,
    ...overrides,
  };
}

/**
 * Divergence counters of one estimator, kept on the device as float scalars and read back
 * with the frames (never on their own).
 */
export interface HealthTensors {
  /** Pairs (trajectories) left out of the latest update for a NaN/±Inf loss, state or gradient. */
  excludedLast: tf.Scalar;
  /** The same, summed over every update. */
  excludedTotal: tf.Scalar;
  /** Updates not applied (no usable pair, or θ / optimizer state would have become NaN/±Inf). */
  skippedTotal: tf.Scalar;
}

/** θ and optimizer state at a point where θ and its evaluation loss were finite. */
interface Checkpoint {
  theta: tf.Tensor1D;
  optimizer: OptimizerState;
  iteration: number;
}

/** Host-side state a trainer can be rebuilt from (another backend, after a lost device). */
export interface TrainerResume {
  theta: readonly number[];
  /** Optimizer tensors as plain arrays (Adam: m, v) and the step count. */
  optimizer: { values: number[][]; t: number };
  iteration: number;
  innerSteps: number;
}

export function defaultTrainConfig(taskId: TaskId, estimator: EstimatorId): TrainConfig {
  const task = createTask(taskId);
  const d = task.meta.defaults;
  return {
    task: taskId,
    estimator,
    settings: defaultSettings(task),
    sigma: constantSigma(d.sigma),
    optimizer: d.optimizer,
    lr: d.lr,
    iterations: d.iterations,
  };
}

/**
 * The outer loop for one estimator: θ lives on the device, each `step` queues one
 * estimate and one optimizer update without reading anything back. σ follows the
 * schedule by iteration; schedule and learning rate can be replaced live.
 */
export class Trainer {
  readonly task: Task;
  private estimator: Estimator;
  private readonly optimizer: Optimizer;
  private theta: tf.Tensor1D;
  private schedule: SigmaSchedule;
  private lrValue: number;
  private iterationCount = 0;
  private innerStepCount = 0;
  private readonly startedAt = now();
  private burnedIn = false;
  private lastGrad: tf.Tensor1D | null = null;
  private readonly health: HealthTensors;
  private lastWorkers = 0;
  private checkpoint: Checkpoint;

  private constructor(
    readonly config: TrainConfig,
    resume?: TrainerResume,
  ) {
    this.task = createTask(config.task);
    this.estimator = this.createEstimator();
    this.optimizer = createOptimizer(config.optimizer, config.adam);
    this.theta = tf.tensor1d(resume ? [...resume.theta] : config.theta0 ? [...config.theta0] : [...this.task.meta.theta0]);
    this.schedule = config.sigma;
    this.lrValue = config.lr;
    this.health = { excludedLast: tf.scalar(0), excludedTotal: tf.scalar(0), skippedTotal: tf.scalar(0) };
    if (resume) {
      const tensors = resume.optimizer.values.map((v) => tf.tensor1d(v));
      this.optimizer.setState({ tensors, t: resume.optimizer.t });
      tensors.forEach((t) => t.dispose());
      this.iterationCount = resume.iteration;
      this.innerStepCount = resume.innerSteps;
      // A resumed population starts fresh: no burn-in in the middle of a run.
      this.burnedIn = true;
    }
    this.checkpoint = { theta: tf.clone(this.theta), optimizer: this.optimizer.state(), iteration: this.iterationCount };
  }

  static create(config: TrainConfig, resume?: TrainerResume): Trainer {
    return new Trainer(config, resume);
  }

  private createEstimator(): Estimator {
    return estimatorInfo(this.config.estimator).create({ task: this.task, settings: this.config.settings });
  }

  get iteration(): number {
    return this.iterationCount;
  }

  get innerSteps(): number {
    return this.innerStepCount;
  }

  get sigma(): number {
    return sigmaAt(this.schedule, this.iterationCount);
  }

  get lr(): number {
    return this.lrValue;
  }

  setSigmaSchedule(schedule: SigmaSchedule): void {
    this.schedule = schedule;
  }

  setLr(lr: number): void {
    this.lrValue = lr;
  }

  /** One outer update (plus the burn-in before the first, if configured). */
  async step(): Promise<void> {
    this.stepSync();
    await Promise.resolve();
  }

  /** `step` without yielding; for Node scripts and tests. */
  stepSync(): void {
    drain(this.stepSlices());
  }

  /**
   * `step` as slices (see slices.ts). Behind the divergence guard: pairs with NaN/±Inf
   * losses or states are left out of the estimate, and an update that would make θ or
   * the optimizer state non-finite is skipped — all decided on the device and counted in
   * the health tensors, with no readback.
   */
  *stepSlices(): Slices<void> {
    const sigma = this.sigma;
    if (!this.burnedIn) {
      this.burnedIn = true;
      if (this.config.settings.burnIn) this.innerStepCount += yield* this.estimator.burnInSlices(this.theta, sigma);
    }
    const { grad, innerSteps, excluded, workers } = yield* this.estimator.estimateSlices(this.theta, sigma);
    this.lastWorkers = workers ?? 0;
    const usable = excluded && workers !== undefined ? (tf.tidy(() => tf.less(excluded, workers)) as tf.Scalar) : null;
    const { theta: next, applied } = this.optimizer.guardedStep(this.theta, grad, this.lrValue, usable);
    usable?.dispose();
    const h = this.health;
    const [last, total, skipped] = tf.tidy(() => {
      const ex = excluded ?? tf.scalar(0);
      return [tf.clone(ex), tf.add(h.excludedTotal, ex), tf.add(h.skippedTotal, tf.sub(1, tf.cast(applied, 'float32')))] as tf.Scalar[];
    }) as [tf.Scalar, tf.Scalar, tf.Scalar];
    excluded?.dispose();
    applied.dispose();
    h.excludedLast.dispose();
    h.excludedTotal.dispose();
    h.skippedTotal.dispose();
    this.health.excludedLast = last;
    this.health.excludedTotal = total;
    this.health.skippedTotal = skipped;
    this.lastGrad?.dispose();
    this.lastGrad = grad;
    this.theta.dispose();
    this.theta = next;
    this.iterationCount++;
    this.innerStepCount += innerSteps;
  }

  /** Pairs (or autodiff trajectories) behind the latest update (0 before the first). */
  get workers(): number {
    return this.lastWorkers;
  }

  /** The divergence counters on the device (owned by the trainer). */
  healthTensors(): HealthTensors {
    return this.health;
  }

  /** A copy of the optimizer state (the caller owns the tensors). */
  optimizerState(): OptimizerState {
    return this.optimizer.state();
  }

  /**
   * Makes `theta` (and `optimizer`, taken at the same moment) the point a rewind returns
   * to; takes ownership of the tensors. The session calls this after a frame has shown
   * that θ and its evaluation loss were finite there.
   */
  setCheckpoint(theta: tf.Tensor1D, optimizer: OptimizerState, iteration: number): void {
    this.disposeCheckpoint();
    this.checkpoint = { theta, optimizer, iteration };
  }

  /** Iteration of the point a rewind returns to. */
  get checkpointIteration(): number {
    return this.checkpoint.iteration;
  }

  /**
   * Back to the last checkpoint: θ and optimizer state restored, the particles restarted
   * from fresh inner states (after a divergence theirs are NaN/±Inf or meaningless). The
   * iteration counter keeps counting: the updates since did happen.
   */
  rewind(): number {
    this.theta.dispose();
    this.theta = tf.clone(this.checkpoint.theta);
    this.optimizer.setState(this.checkpoint.optimizer);
    this.estimator.dispose();
    this.estimator = this.createEstimator();
    this.burnedIn = !this.config.settings.burnIn;
    this.lastGrad?.dispose();
    this.lastGrad = null;
    const last = this.health.excludedLast;
    this.health.excludedLast = tf.scalar(0);
    last.dispose();
    return this.checkpoint.iteration;
  }

  private disposeCheckpoint(): void {
    this.checkpoint.theta.dispose();
    this.checkpoint.optimizer.tensors.forEach((t) => t.dispose());
  }

  /** The latest gradient estimate ([d]; owned by the trainer), null before the first update. */
  lastGradient(): tf.Tensor1D | null {
    return this.lastGrad;
  }

  /** Where the estimator's first `max` workers are in their episodes (online ES estimators only; see timeline.ts). */
  workerTimeline(max: number): WorkerTimeline | null {
    return this.estimator.workerTimeline?.(max) ?? null;
  }

  /** Current θ on the device ([d]; owned by the trainer). */
  thetaTensor(): tf.Tensor1D {
    return this.theta;
  }

  /** Perturbed parameters of the estimator's particles, [P, d]; caller disposes. */
  particles(): tf.Tensor2D {
    return this.estimator.particles(this.theta);
  }

  /** Reads θ back and evaluates the task's evaluation loss at it (one readback). */
  async snapshot(): Promise<TrainSnapshot> {
    const loss = tf.tidy(() => this.task.episodeLoss(tf.expandDims(this.theta, 0) as tf.Tensor2D));
    const both = tf.concat([this.theta, loss]);
    loss.dispose();
    const data = await both.data();
    both.dispose();
    const d = this.task.meta.theta0.length;
    return {
      iteration: this.iterationCount,
      theta: Array.from(data.subarray(0, d)),
      evalLoss: data[d] ?? Number.NaN,
      innerSteps: this.innerStepCount,
      sigma: this.sigma,
      wallMs: now() - this.startedAt,
    };
  }

  dispose(): void {
    this.estimator.dispose();
    this.optimizer.dispose();
    this.theta.dispose();
    this.lastGrad?.dispose();
    this.lastGrad = null;
    this.health.excludedLast.dispose();
    this.health.excludedTotal.dispose();
    this.health.skippedTotal.dispose();
    this.disposeCheckpoint();
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
