import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, EstimatorSettings, TaskId, TrainConfig } from './config';
import type { Estimator } from './estimators/estimator';
import { estimatorInfo } from './estimators/index';
import type { Optimizer } from './optimizers';
import { createOptimizer } from './optimizers';
import type { SigmaSchedule } from './sigma-schedule';
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
  private readonly estimator: Estimator;
  private readonly optimizer: Optimizer;
  private theta: tf.Tensor1D;
  private schedule: SigmaSchedule;
  private lrValue: number;
  private iterationCount = 0;
  private innerStepCount = 0;
  private readonly startedAt = now();
  private burnedIn = false;
  private lastGrad: tf.Tensor1D | null = null;

  private constructor(readonly config: TrainConfig) {
    this.task = createTask(config.task);
    this.estimator = estimatorInfo(config.estimator).create({ task: this.task, settings: config.settings });
    this.optimizer = createOptimizer(config.optimizer);
    this.theta = tf.tensor1d(config.theta0 ? [...config.theta0] : [...this.task.meta.theta0]);
    this.schedule = config.sigma;
    this.lrValue = config.lr;
  }

  static create(config: TrainConfig): Trainer {
    return new Trainer(config);
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
    const sigma = this.sigma;
    if (!this.burnedIn) {
      this.burnedIn = true;
      if (this.config.settings.burnIn) this.innerStepCount += this.estimator.burnIn(this.theta, sigma);
    }
    const { grad, innerSteps } = this.estimator.estimate(this.theta, sigma);
    const next = this.optimizer.step(this.theta, grad, this.lrValue);
    this.lastGrad?.dispose();
    this.lastGrad = grad;
    this.theta.dispose();
    this.theta = next;
    this.iterationCount++;
    this.innerStepCount += innerSteps;
  }

  /** The latest gradient estimate ([d]; owned by the trainer), null before the first update. */
  lastGradient(): tf.Tensor1D | null {
    return this.lastGrad;
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
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
