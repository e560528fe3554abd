import * as tf from '@tensorflow/tfjs-core';
import { gaussianRows, range, Stream } from '../noise';
import { drain, type Slices } from '../slices';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';
import { tileTheta, truncationsPerEpisode } from './estimator';
import { maskedWeights, pairGuard, replaceRows, type TruncationResult, unrollTruncationSlices } from './unroll';
import { WorkerClock } from './workers';
import { rowNorm, timelineOf, type WorkerTimeline } from './timeline';

/**
 * Truncated ES. Each pair keeps one unperturbed state s̄_i advanced with θ; per
 * truncation both antithetic particles start from s̄_i with fresh noise:
 *
 *   ĝ_j = (1/N) Σ_i ε_{j,i} (ℓ_j⁺ − ℓ_j⁻) / (2σ²),    then s̄_i ← unroll K steps with θ
 *
 * Biased: it ignores θ's influence on s̄ (short-horizon bias). Cost 3NK per update.
 * Noise is keyed by (seed, pair, update counter), fresh every truncation.
 */
class TruncatedEs implements Estimator {
  readonly id = 'tes' as const;
  private base: tf.Tensor2D | null = null;
  private readonly clock: WorkerClock;
  private readonly N: number;
  private readonly d: number;
  private updates = 0;
  private positioned = false;
  private lastEps: Float32Array;
  /** σ of the last truncation's noise (NaN before the first). */
  private lastSigma = Number.NaN;

  constructor(private readonly ctx: EstimatorContext) {
    this.N = ctx.settings.pairs;
    this.d = ctx.task.meta.theta0.length;
    this.clock = new WorkerClock(this.N, ctx.settings);
    this.lastEps = new Float32Array(this.N * this.d);
  }

  /** The clock and each pair's weight: this truncation's draw only, ‖ε_i‖/σ (nothing carries over). */
  workerTimeline(max: number): WorkerTimeline {
    const s = this.lastSigma;
    return timelineOf(this.clock, this.ctx.settings.T, this.d, max, Number.isFinite(s) && s > 0 ? (i) => rowNorm(this.lastEps, i, this.d, 1 / s) : null);
  }

  estimate(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): GradientEstimate {
    return drain(this.estimateSlices(theta, sigma, options));
  }

  *estimateSlices(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    let innerSteps = this.positioned ? 0 : yield* this.positionWorkers(theta);
    const truncationIndex = this.clock.truncationIndex().map((j) => (j >= this.clock.J ? 0 : j));
    this.resetEnded();
    const { N, d, ctx } = this;
    const K = ctx.settings.K;
    const z = gaussianRows(ctx.settings.seed, Stream.perturbation, range(N), new Int32Array(N).fill(this.updates), new Int32Array(N), d);
    this.updates++;
    this.lastEps = z.map((v) => v * sigma);
    this.lastSigma = sigma;
    const t0 = new Int32Array(3 * N);
    for (let c = 0; c < 3; c++) t0.set(this.clock.t, c * N);
    const base = this.base as tf.Tensor2D;
    const [thetas, states] = tf.tidy(() => {
      const rows = tileTheta(theta, N);
      const eps = tf.mul(tf.tensor2d(z, [N, d]), sigma);
      return [tf.concat([tf.add(rows, eps), tf.sub(rows, eps), rows]) as tf.Tensor2D, tf.concat([base, base, base]) as tf.Tensor2D];
    });
    let unrolled: TruncationResult;
    try {
      unrolled = yield* unrollTruncationSlices(ctx.task, states, thetas, t0, K);
    } finally {
      thetas.dispose();
      states.dispose();
    }
    const out = unrolled;
    const { grad, next, perWorker, excluded } = tf.tidy(() => {
      const zt = tf.tensor2d(z, [N, d]);
      const [lPlus, lMinus] = tf.split(out.loss, [N, N, N]) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const [sPlus, sMinus] = tf.split(out.state, [N, N, N]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // Pairs whose loss or state became NaN/±Inf are left out (and counted).
      const guard = pairGuard(lPlus, lMinus, sPlus, sMinus, null);
      const w = maskedWeights(tf.div(tf.sub(lPlus, lMinus), 2 * sigma * N) as tf.Tensor1D, guard.usable, guard.renormalise);
      const g = tf.reshape(tf.matMul(tf.reshape(w, [1, N]), zt), [d]) as tf.Tensor1D;
      const nextBase = tf.slice(out.state, [2 * N, 0], [N, -1]) as tf.Tensor2D;
      const each = options.perWorker ? (tf.mul(tf.expandDims(tf.mul(w, N), 1), zt) as tf.Tensor2D) : undefined;
      return { grad: g, next: nextBase, perWorker: each, excluded: guard.excluded };
    });
    out.state.dispose();
    out.loss.dispose();
    base.dispose();
    this.base = next;
    this.clock.advance();
    innerSteps += 3 * N * K;
    return { grad, perWorker, innerSteps, truncationIndex, excluded, workers: this.N };
  }

  burnIn(theta: tf.Tensor1D): number {
    return drain(this.burnInSlices(theta));
  }

  *burnInSlices(theta: tf.Tensor1D): Slices<number> {
    if (!Number.isFinite(this.ctx.settings.T)) return 0;
    let steps = this.positioned ? 0 : yield* this.positionWorkers(theta);
    for (let j = 0; j < truncationsPerEpisode(this.ctx.settings); j++) steps += yield* this.advanceBase(theta, null);
    return steps;
  }

  particles(theta: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const eps = tf.tensor2d(this.lastEps, [this.N, this.d]);
      return tf.concat([tf.add(theta, eps), tf.sub(theta, eps)]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.base?.dispose();
    this.base = null;
  }

  private resetEnded(): void {
    const ended = this.clock.startNewEpisodes();
    if (this.base === null) {
      this.base = this.ctx.task.initialState(this.N);
    } else if (ended.some(Boolean)) {
      const init = this.ctx.task.initialState(this.N);
      const next = replaceRows(this.base, init, ended);
      init.dispose();
      this.base.dispose();
      this.base = next;
    }
  }

  /** Advances s̄ of the masked pairs (all when null) by one truncation with θ. */
  private *advanceBase(theta: tf.Tensor1D, mask: boolean[] | null): Slices<number> {
    this.resetEnded();
    const base = this.base as tf.Tensor2D;
    const rows = tileTheta(theta, this.N);
    let out: TruncationResult;
    try {
      out = yield* unrollTruncationSlices(this.ctx.task, base, rows, this.clock.t, this.ctx.settings.K);
    } finally {
      rows.dispose();
    }
    out.loss.dispose();
    const next = mask === null ? out.state : replaceRows(base, out.state, mask);
    if (next !== out.state) out.state.dispose();
    base.dispose();
    this.base = next;
    this.clock.advance(mask ?? undefined);
    const active = mask === null ? this.N : mask.filter(Boolean).length;
    return active * this.ctx.settings.K;
  }

  private *positionWorkers(theta: tf.Tensor1D): Slices<number> {
    let steps = 0;
    for (let mask = this.clock.positioning(); mask.some(Boolean); mask = this.clock.positioning()) {
      steps += yield* this.advanceBase(theta, mask);
    }
    this.positioned = true;
    return steps;
  }
}

export const createTes: EstimatorFactory = (ctx) => new TruncatedEs(ctx);
