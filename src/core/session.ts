import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, EstimatorSettings, TaskId } from './config';
import { estimatorInfo } from './estimators/index';
import type { OptimizerName, Task } from './task';
import type { SigmaSchedule } from './sigma-schedule';
import { sigmaAt } from './sigma-schedule';
import { createTask } from './tasks/index';
import { Trainer } from './trainer';
import { referenceGradient } from './experiments/variance';

/**
 * A comparison of several estimators on one task, from one θ₀, on common random
 * numbers (every estimator keys its noise by the same seed and pair index). This is
 * what the playground animates: `step` advances every population by one outer update
 * (tensor ops only), `frame` reads everything a view needs back in one transfer.
 */
export interface SessionConfig {
  task: TaskId;
  estimators: readonly EstimatorId[];
  settings: EstimatorSettings;
  sigma: SigmaSchedule;
  optimizer: OptimizerName;
  lr: number;
  theta0?: readonly number[];
}

export interface EstimatorFrame {
  id: EstimatorId;
  theta: number[];
  /** Latest gradient estimate (zeros before the first update). */
  grad: number[];
  /** Perturbed parameters of the particles, row-major [P, d]. */
  particles: Float32Array;
  evalLoss: number;
  innerSteps: number;
}

export interface SessionFrame {
  iteration: number;
  sigma: number;
  lr: number;
  wallMs: number;
  estimators: EstimatorFrame[];
}

export interface GradientDiagnostics {
  id: EstimatorId;
  /** cos∠(ĝ, g_ref). */
  cosine: number;
  /** ‖ĝ‖ / ‖g_ref‖. */
  normRatio: number;
}

export class Session {
  readonly task: Task;
  private readonly trainers: Trainer[];
  private iterationCount = 0;
  private elapsedMs = 0;

  constructor(readonly config: SessionConfig) {
    this.task = createTask(config.task);
    this.trainers = config.estimators.map((estimator) =>
      Trainer.create({
        task: config.task,
        estimator,
        settings: config.settings,
        sigma: config.sigma,
        optimizer: config.optimizer,
        lr: config.lr,
        iterations: Number.POSITIVE_INFINITY,
        theta0: config.theta0,
      }),
    );
  }

  get iteration(): number {
    return this.iterationCount;
  }

  get sigma(): number {
    return this.trainers[0]?.sigma ?? sigmaAt(this.config.sigma, this.iterationCount);
  }

  /** Live σ schedule change; what it does to running episodes is the settings' SigmaChangePolicy. */
  setSigmaSchedule(schedule: SigmaSchedule): void {
    for (const t of this.trainers) t.setSigmaSchedule(schedule);
    (this.config as { sigma: SigmaSchedule }).sigma = schedule;
  }

  setLr(lr: number): void {
    for (const t of this.trainers) t.setLr(lr);
    (this.config as { lr: number }).lr = lr;
  }

  /** One outer update of every estimator. */
  step(): void {
    const start = now();
    for (const t of this.trainers) t.stepSync();
    this.iterationCount++;
    this.elapsedMs += now() - start;
  }

  /** Everything the views need, read back in one transfer. */
  async frame(): Promise<SessionFrame> {
    const d = this.task.meta.theta0.length;
    const parts: tf.Tensor[] = [];
    const shapes: number[] = [];
    for (const t of this.trainers) {
      const theta = t.thetaTensor();
      const loss = tf.tidy(() => this.task.episodeLoss(tf.expandDims(theta, 0) as tf.Tensor2D));
      const particles = t.particles();
      const grad = t.lastGradient();
      parts.push(tf.clone(theta), grad ? tf.clone(grad) : tf.zeros([d]), loss, particles);
      shapes.push(particles.shape[0] * d);
    }
    const all = tf.tidy(() => tf.concat(parts.map((p) => tf.reshape(p, [-1]))));
    parts.forEach((p) => p.dispose());
    const data = await all.data();
    all.dispose();
    let offset = 0;
    const take = (n: number): Float32Array => {
      const out = (data as Float32Array).slice(offset, offset + n);
      offset += n;
      return out;
    };
    const estimators = this.trainers.map((t, i) => ({
      id: t.config.estimator,
      theta: Array.from(take(d)),
      grad: Array.from(take(d)),
      evalLoss: take(1)[0] ?? Number.NaN,
      particles: take(shapes[i] ?? 0),
      innerSteps: t.innerSteps,
    }));
    return { iteration: this.iterationCount, sigma: this.sigma, lr: this.config.lr, wallMs: this.elapsedMs, estimators };
  }

  /**
   * Quality of each estimator's latest gradient against a reference at its own θ:
   * autodiff through the whole episode when `reference` is 'autodiff', else a
   * large-population full-unroll ES estimate of ∇L_σ (the right target on chaotic tasks).
   */
  async diagnostics(reference: 'autodiff' | 'es' = 'es', pairs = 1024): Promise<GradientDiagnostics[]> {
    const out: GradientDiagnostics[] = [];
    for (const t of this.trainers) {
      const last = t.lastGradient();
      if (!last) continue;
      const theta = Array.from(await t.thetaTensor().data());
      const g = Array.from(await last.data());
      const ref = reference === 'autodiff' ? await this.autodiffGradient(theta) : await referenceGradient(this.task, theta, this.sigma, this.task.meta.evalSteps, this.config.settings.seed + this.iterationCount, pairs);
      const dot = g.reduce((s, v, k) => s + v * (ref[k] ?? 0), 0);
      const ng = Math.hypot(...g);
      const nr = Math.hypot(...ref);
      out.push({ id: t.config.estimator, cosine: ng > 0 && nr > 0 ? dot / (ng * nr) : Number.NaN, normRatio: nr > 0 ? ng / nr : Number.NaN });
    }
    return out;
  }

  private async autodiffGradient(theta: number[]): Promise<number[]> {
    const est = estimatorInfo('bptt').create({ task: this.task, settings: this.config.settings });
    const th = tf.tensor1d(theta);
    const { grad } = est.estimate(th, 0);
    const g = Array.from(await grad.data());
    grad.dispose();
    th.dispose();
    est.dispose();
    return g;
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
