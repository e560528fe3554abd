import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, EstimatorSettings, TaskId } from './config';
import { gradientOnce } from './estimators/estimator';
import type { WorkerTimeline } from './estimators/timeline';
import { estimatorInfo } from './estimators/index';
import type { OptimizerName, Task } from './task';
import type { SigmaSchedule } from './sigma-schedule';
import { sigmaAt } from './sigma-schedule';
import { createTask } from './tasks/index';
import type { AdamBetas, OptimizerState } from './optimizers';
import { drain, eagerPacer, type Pacer, type Slices } from './slices';
import { episodeLossSlices } from './task';
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
  /** Adam's β₁, β₂ (DEFAULT_ADAM_BETAS when omitted). */
  adam?: AdamBetas;
  lr: number;
  theta0?: readonly number[];
  /**
   * Continue a run instead of starting one: per-estimator θ and optimizer state (from a
   * frame) and the iteration. Particles restart from fresh inner states. Used to carry a
   * run over to another backend when the GPU device is lost.
   */
  resume?: SessionResume;
}

export interface SessionResume {
  iteration: number;
  estimators: { id: EstimatorId; theta: readonly number[]; optimizer: { values: number[][]; t: number }; innerSteps: number }[];
}

/** Whether a frame's (finite) θ and evaluation loss may become the estimator's rewind checkpoint. */
export type CheckpointFilter = (id: EstimatorId, theta: readonly number[], evalLoss: number) => boolean;

/** Divergence counters of one estimator (see Trainer's HealthTensors). */
export interface EstimatorHealth {
  /** Pairs (trajectories) left out of the latest update for a NaN/±Inf loss, state or gradient. */
  excludedLast: number;
  /** The same, summed over the run. */
  excludedTotal: number;
  /** Updates not applied: no usable pair, or θ / optimizer state would have become NaN/±Inf. */
  skippedTotal: number;
  /** Pairs (trajectories) behind each update, to put `excludedLast` in proportion. */
  workers: number;
  /** Iteration a rewind would return to (the last healthy frame: finite θ and evaluation loss, no runaway). */
  checkpointIteration: number;
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
  /** Divergence counters (absent from sessions without the guard). */
  health?: EstimatorHealth;
  /** Optimizer state read back with the frame, enough to resume elsewhere. */
  optimizer?: { values: number[][]; t: number };
  /** Its first MAX_TIMELINE_WORKERS workers' places in their episodes and noise weights (online ES estimators on this path). */
  timeline?: WorkerTimeline;
}

/** Workers per estimator a frame's timeline shows. */
export const MAX_TIMELINE_WORKERS = 64;

export interface SessionFrame {
  iteration: number;
  sigma: number;
  lr: number;
  wallMs: number;
  estimators: EstimatorFrame[];
  /**
   * The updates recorded (`recordUpdate`) since the previous frame, before this one, oldest
   * first: θ and its evaluation loss at each, so curves and trails are drawn from every
   * update rather than from the frames only. The loss is evaluated here, with the frame's
   * own, in the same batched unroll.
   */
  history?: UpdateRecord[];
}

/** θ and the evaluation loss of every estimator after one outer update (see `SessionFrame.history`). */
export interface UpdateRecord {
  iteration: number;
  /** The engine's stepping time when the update was recorded (what the page's time axis counts). */
  wallMs: number;
  estimators: { id: EstimatorId; theta: number[]; evalLoss: number; innerSteps: number }[];
}

/** Most updates a session keeps for its next frame (the fused path sizes its buffers by it). */
export const MAX_RECORDED_UPDATES = 256;

export interface GradientDiagnostics {
  id: EstimatorId;
  /** cos∠(ĝ, g_ref). */
  cosine: number;
  /** ‖s·ĝ‖ / ‖g_ref‖, s = `episodeScale` (1 except one truncation of a 'sum' task): 1 means the right size. */
  normRatio: number;
}

/**
 * The factor that puts one update's estimate on the scale of the episode objective's
 * gradient, as the variance experiment scales per-update estimates: an online estimator's
 * truncation of a 'sum' task sums K of the objective's `evalSteps` step losses, so it
 * estimates ∇L/J on average (J = evalSteps/K); a 'mean' or 'last' truncation, and the
 * whole-episode estimators, estimate ∇L itself (factor 1).
 */
export function episodeScale(id: EstimatorId, task: Task, K: number): number {
  return estimatorInfo(id).online && task.meta.reduction === 'sum' ? task.meta.evalSteps / K : 1;
}

/** cos∠ and norm ratio of `g` (scaled by `scale`, see `episodeScale`) against the reference. */
export function gradientQuality(id: EstimatorId, g: readonly number[], ref: readonly number[], scale = 1): GradientDiagnostics {
  const dot = g.reduce((s, v, k) => s + v * (ref[k] ?? 0), 0);
  const ng = Math.hypot(...g);
  const nr = Math.hypot(...ref);
  return { id, cosine: ng > 0 && nr > 0 ? dot / (ng * nr) : Number.NaN, normRatio: nr > 0 ? (scale * ng) / nr : Number.NaN };
}

export class Session {
  readonly task: Task;
  private readonly trainers: Trainer[];
  private iterationCount = 0;
  private elapsedMs = 0;
  /** Updates recorded since the last frame: θ per trainer (clones, owned here) and inner steps. */
  private recorded: { iteration: number; wallMs: number; thetas: tf.Tensor1D[]; innerSteps: number[] }[] = [];

  constructor(readonly config: SessionConfig) {
    this.task = createTask(config.task);
    const resume = config.resume;
    this.trainers = config.estimators.map((estimator) => {
      const r = resume?.estimators.find((e) => e.id === estimator);
      return Trainer.create(
        {
          task: config.task,
          estimator,
          settings: config.settings,
          sigma: config.sigma,
          optimizer: config.optimizer,
          ...(config.adam ? { adam: config.adam } : {}),
          lr: config.lr,
          iterations: Number.POSITIVE_INFINITY,
          theta0: config.theta0,
        },
        r && resume ? { theta: r.theta, optimizer: r.optimizer, iteration: resume.iteration, innerSteps: r.innerSteps } : undefined,
      );
    });
    if (resume) this.iterationCount = resume.iteration;
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
    drain(this.stepSlices());
  }

  /**
   * `step` as slices (see slices.ts): the engine runs it through a pacer so a pause is
   * seen between inner steps. Abandoned part-way, the session must be disposed.
   */
  *stepSlices(): Slices<void> {
    const start = now();
    for (const t of this.trainers) {
      yield* t.stepSlices();
      yield;
    }
    this.iterationCount++;
    this.elapsedMs += now() - start;
  }

  /**
   * Keeps every estimator's current θ (a device-side copy, nothing read back) for the next
   * frame's `history`; at most MAX_RECORDED_UPDATES, once per iteration.
   */
  recordUpdate(wallMs: number): void {
    if (this.recorded.length >= MAX_RECORDED_UPDATES || this.recorded.at(-1)?.iteration === this.iterationCount) return;
    this.recorded.push({ iteration: this.iterationCount, wallMs, thetas: this.trainers.map((t) => tf.clone(t.thetaTensor())), innerSteps: this.trainers.map((t) => t.innerSteps) });
  }

  /** Updates recorded for the next frame. */
  get recordedUpdates(): number {
    return this.recorded.length;
  }

  /**
   * Everything the views need, read back in one transfer — the divergence counters and
   * optimizer state included. A frame whose θ and evaluation loss are finite, and that
   * `healthy` accepts (the engine's health check: not a runaway loss), becomes the
   * estimator's rewind checkpoint. The evaluation unrolls run through `pacer`.
   */
  async frame(pacer: Pacer = eagerPacer, healthy?: CheckpointFilter): Promise<SessionFrame> {
    const d = this.task.meta.theta0.length;
    const parts: tf.Tensor[] = [];
    const shapes: number[] = [];
    const optimizerSizes: number[][] = [];
    const optimizerSteps: number[] = [];
    const candidates: { theta: tf.Tensor1D; optimizer: OptimizerState }[] = [];
    // The recorded updates before this frame's iteration (one at it is the frame itself).
    const recorded = this.recorded.filter((r) => r.iteration < this.iterationCount);
    const consumed = this.recorded;
    this.recorded = [];
    const n = recorded.length;
    try {
      for (const [i, t] of this.trainers.entries()) {
        const theta = t.thetaTensor();
        // The recorded θs and the current one, evaluated in one unroll (rows are nearly free).
        const row = tf.stack([...recorded.map((r) => r.thetas[i] as tf.Tensor1D), theta]) as tf.Tensor2D;
        let loss: tf.Tensor1D;
        try {
          loss = await pacer.run(episodeLossSlices(this.task, row));
        } finally {
          row.dispose();
        }
        const particles = t.particles();
        const grad = t.lastGradient();
        const h = t.healthTensors();
        const opt = t.optimizerState();
        candidates.push({ theta: tf.clone(theta), optimizer: t.optimizerState() });
        optimizerSizes.push(opt.tensors.map((x) => x.size));
        optimizerSteps.push(opt.t);
        parts.push(tf.clone(theta), grad ? tf.clone(grad) : tf.zeros([d]), loss, tf.stack([h.excludedLast, h.excludedTotal, h.skippedTotal]), ...opt.tensors, particles);
        if (n > 0) parts.push(tf.stack(recorded.map((r) => r.thetas[i] as tf.Tensor1D)));
        shapes.push(particles.shape[0] * d);
      }
    } catch (e) {
      parts.forEach((p) => p.dispose());
      candidates.forEach((c) => disposeCandidate(c));
      throw e;
    } finally {
      consumed.forEach((r) => r.thetas.forEach((x) => x.dispose()));
    }
    const all = tf.tidy(() => tf.concat(parts.map((p) => tf.reshape(p, [-1]))));
    parts.forEach((p) => p.dispose());
    let data: Float32Array;
    try {
      data = (await all.data()) as Float32Array;
    } catch (e) {
      candidates.forEach((c) => disposeCandidate(c));
      throw e;
    } finally {
      all.dispose();
    }
    let offset = 0;
    const take = (n: number): Float32Array => {
      const out = data.slice(offset, offset + n);
      offset += n;
      return out;
    };
    const history: UpdateRecord[] = recorded.map((r) => ({ iteration: r.iteration, wallMs: r.wallMs, estimators: [] }));
    const estimators = this.trainers.map((t, i): EstimatorFrame => {
      const theta = Array.from(take(d));
      const grad = Array.from(take(d));
      const losses = take(n + 1);
      const evalLoss = losses[n] ?? Number.NaN;
      const [excludedLast = 0, excludedTotal = 0, skippedTotal = 0] = take(3);
      const values = (optimizerSizes[i] ?? []).map((size) => Array.from(take(size)));
      const particles = take(shapes[i] ?? 0);
      const thetas = take(n * d);
      history.forEach((h, k) => h.estimators.push({ id: t.config.estimator, theta: Array.from(thetas.subarray(k * d, (k + 1) * d)), evalLoss: losses[k] ?? Number.NaN, innerSteps: recorded[k]?.innerSteps[i] ?? 0 }));
      const candidate = candidates[i];
      if (candidate) {
        const finite = Number.isFinite(evalLoss) && theta.every((v) => Number.isFinite(v));
        if (finite && (healthy?.(t.config.estimator, theta, evalLoss) ?? true)) t.setCheckpoint(candidate.theta, candidate.optimizer, this.iterationCount);
        else disposeCandidate(candidate);
      }
      return {
        id: t.config.estimator,
        theta,
        grad,
        evalLoss,
        particles,
        innerSteps: t.innerSteps,
        health: { excludedLast, excludedTotal, skippedTotal, workers: t.workers, checkpointIteration: t.checkpointIteration },
        optimizer: { values, t: optimizerSteps[i] ?? 0 },
        ...timelineField(t.workerTimeline(MAX_TIMELINE_WORKERS)),
      };
    });
    return { iteration: this.iterationCount, sigma: this.sigma, lr: this.config.lr, wallMs: this.elapsedMs, estimators, ...(n > 0 ? { history } : {}) };
  }

  /**
   * Every estimator given (all when omitted) back to its last checkpoint — θ and optimizer
   * state of the last frame where θ and the evaluation loss were finite — with fresh
   * particles. Returns the iteration each went back to.
   */
  rewind(ids?: readonly EstimatorId[]): { id: EstimatorId; iteration: number }[] {
    return this.trainers
      .filter((t) => !ids || ids.includes(t.config.estimator))
      .map((t) => ({ id: t.config.estimator, iteration: t.rewind() }));
  }

  /**
   * Quality of each estimator's latest gradient against a reference at its own θ:
   * autodiff through the whole episode when `reference` is 'autodiff', else a
   * large-population full-unroll ES estimate of ∇L_σ (the right target on chaotic tasks).
   * The norm ratio puts one truncation's estimate on the episode's scale (`episodeScale`).
   */
  async diagnostics(reference: 'autodiff' | 'es' = 'es', pairs = 1024, pacer: Pacer = eagerPacer): Promise<GradientDiagnostics[]> {
    const out: GradientDiagnostics[] = [];
    for (const t of this.trainers) {
      const last = t.lastGradient();
      if (!last) continue;
      const theta = Array.from(await t.thetaTensor().data());
      const g = Array.from(await last.data());
      const ref =
        reference === 'autodiff'
          ? await this.autodiffGradient(theta, pacer)
          : await referenceGradient(this.task, theta, this.sigma, this.task.meta.evalSteps, this.config.settings.seed + this.iterationCount, pairs, pacer);
      const id = t.config.estimator;
      out.push(gradientQuality(id, g, ref, episodeScale(id, this.task, this.config.settings.K)));
    }
    return out;
  }

  /** BPTT's gradient at θ, sliced through `pacer` (a whole episode's backward pass is long). */
  private autodiffGradient(theta: number[], pacer: Pacer): Promise<number[]> {
    return gradientOnce(estimatorInfo('bptt').create({ task: this.task, settings: this.config.settings }), theta, 0, pacer);
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
    this.recorded.forEach((r) => r.thetas.forEach((x) => x.dispose()));
    this.recorded = [];
  }
}

function timelineField(timeline: WorkerTimeline | null): { timeline?: WorkerTimeline } {
  return timeline ? { timeline } : {};
}

function disposeCandidate(c: { theta: tf.Tensor1D; optimizer: OptimizerState }): void {
  c.theta.dispose();
  c.optimizer.tensors.forEach((x) => x.dispose());
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
