import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId } from '../config';
import { gaussianRows, Stream } from '../noise';
import { drain, type Slices } from '../slices';
import type { EstimateOptions, Estimator, EstimatorContext, GradientEstimate } from './estimator';
import { tileTheta, truncationsPerEpisode } from './estimator';
import { maskedWeights, pairGuard, replaceRows, type TruncationResult, unrollTruncationSlices } from './unroll';
import { WorkerClock } from './workers';
import { rowNorm, timelineOf, type WorkerTimeline } from './timeline';

/**
 * The generalized persistent ES family GPES_R shared by PES (R = K), ES-Single/NRES
 * (R ≥ T) and GPES (K ≤ R, a multiple of K). Each antithetic pair i keeps its own
 * perturbed states s⁺_i, s⁻_i across truncations, its current unit noise z_i with the σ_i
 * of its block, and the weight of every earlier block of this episode:
 *
 *   at t ≡ 0 (mod R):  ξ_i ← ξ_i + z_i/σ_i (the block that ends);  z_i ~ N(0, I) keyed by
 *                      (seed, i, episode, t/R);  σ_i ← the block's σ
 *   unroll K steps with θ ± σ_i z_i  →  ℓ⁺_i, ℓ⁻_i
 *   ĝ = (1/N) Σ_i (ξ_i + z_i/σ_i) (ℓ⁺_i − ℓ⁻_i) / 2   (= the ε-form Σ_τ ε_τ/σ_τ² with ε = σz)
 *   at episode end: reset both states, ξ_i = 0, the episode counter advances.
 *
 * The particle is perturbed by the current noise only; ξ is the weight that accounts
 * for the earlier perturbations still felt through the state, each block's noise over the
 * σ it was perturbed with — so an estimate stays unbiased when blocks ran at different σ.
 *
 * R is kept a multiple of K so the noise only changes at truncation boundaries.
 * σ_i (see SigmaChangePolicy): 'next-episode' — the σ pair i started its episode with;
 * 'rescale' (forced for tasks that never reset) — the σ at the block's draw, kept until
 * the next draw: at once for PES (a draw every truncation), at the next resampling for
 * GPES. NRES draws once per episode, so under 'rescale' it rescales its noise at once
 * (σ_i = the current σ, weight z_i/σ_i): one weight cannot account for truncations run at
 * another σ, so those estimates are biased (sigma-change.test.ts measures it).
 */
export class NoiseReuseFamily implements Estimator {
  private states: tf.Tensor2D | null = null;
  private readonly clock: WorkerClock;
  /** Weight of the pair's earlier noise blocks this episode, Σ_b z_b/σ_b, row-major [N, d]. */
  private readonly xi: Float32Array;
  /** Unit noise z the pair is perturbed with now, row-major [N, d]. */
  private readonly current: Float32Array;
  /** σ each pair's current episode runs with ('next-episode' policy). */
  private readonly pairSigma: Float32Array;
  /** σ of each pair's current noise block: its particles are θ ± σ z (see the class comment). */
  private readonly blockSigma: Float32Array;
  private readonly N: number;
  private readonly d: number;
  private readonly rescale: boolean;
  private positioned = false;

  constructor(
    readonly id: EstimatorId,
    private readonly ctx: EstimatorContext,
    /** Resampling period in inner steps (Infinity: once per episode). */
    private readonly R: number,
  ) {
    const { settings, task } = ctx;
    if (Number.isFinite(R) && (R < settings.K || R % settings.K !== 0)) {
      throw new Error(`GPES resampling period R = ${R} must be a multiple of K = ${settings.K}`);
    }
    this.N = settings.pairs;
    this.d = task.meta.theta0.length;
    this.clock = new WorkerClock(this.N, settings);
    this.xi = new Float32Array(this.N * this.d);
    this.current = new Float32Array(this.N * this.d);
    this.pairSigma = new Float32Array(this.N).fill(Number.NaN);
    this.blockSigma = new Float32Array(this.N).fill(Number.NaN);
    this.rescale = settings.sigmaChange === 'rescale' || !Number.isFinite(settings.T);
  }

  estimate(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): GradientEstimate {
    return drain(this.estimateSlices(theta, sigma, options));
  }

  *estimateSlices(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    let innerSteps = this.positioned ? 0 : yield* this.positionWorkers(theta, sigma);
    const truncationIndex = this.withResets(this.clock.truncationIndex());
    const { grad, perWorker, steps, excluded } = yield* this.truncation(theta, sigma, null, options.perWorker === true);
    innerSteps += steps;
    return { grad, perWorker, innerSteps, truncationIndex, excluded, workers: this.N };
  }

  burnIn(theta: tf.Tensor1D, sigma: number): number {
    return drain(this.burnInSlices(theta, sigma));
  }

  *burnInSlices(theta: tf.Tensor1D, sigma: number): Slices<number> {
    if (!Number.isFinite(this.ctx.settings.T)) return 0;
    let steps = this.positioned ? 0 : yield* this.positionWorkers(theta, sigma);
    const J = truncationsPerEpisode(this.ctx.settings);
    for (let j = 0; j < J; j++) {
      const r = yield* this.truncation(theta, sigma, null, false);
      r.grad.dispose();
      r.excluded.dispose();
      steps += r.steps;
    }
    return steps;
  }

  /** The clock and each pair's weight ξ_i + z_i/σ_i, in units of one draw (×σ_i), after the last truncation. */
  workerTimeline(max: number): WorkerTimeline {
    const started = this.blockSigma.some((s) => Number.isFinite(s)) && this.current.some((v) => v !== 0);
    const w = started ? this.weights() : null;
    return timelineOf(this.clock, this.ctx.settings.T, this.d, max, w ? (i) => rowNorm(w, i, this.d, this.blockSigma[i] ?? Number.NaN) : null);
  }

  particles(theta: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const eps = this.perturbations();
      return tf.concat([tf.add(theta, eps), tf.sub(theta, eps)]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.states?.dispose();
    this.states = null;
  }

  /** Unrolls step-unlocked workers to their start offsets (gradients discarded). */
  private *positionWorkers(theta: tf.Tensor1D, sigma: number): Slices<number> {
    let steps = 0;
    for (;;) {
      const mask = this.clock.positioning();
      if (!mask.some(Boolean)) break;
      const r = yield* this.truncation(theta, sigma, mask, false);
      r.grad.dispose();
      r.excluded.dispose();
      steps += r.steps;
    }
    this.positioned = true;
    return steps;
  }

  private withResets(index: Int32Array): Int32Array {
    // A pair whose episode had ended before this update unrolled window 0.
    const J = this.clock.J;
    return index.map((j) => (j >= J ? 0 : j));
  }

  /** ε_i = σ_i z_i as [N, d], σ_i the σ of the pair's current block (NaN before its first: zero). */
  private perturbations(): tf.Tensor2D {
    const { N, d } = this;
    const eps = new Float32Array(N * d);
    for (let i = 0; i < N; i++) {
      const s = this.blockSigma[i] ?? Number.NaN;
      if (!Number.isFinite(s)) continue;
      for (let k = 0; k < d; k++) eps[i * d + k] = s * (this.current[i * d + k] ?? 0);
    }
    return tf.tensor2d(eps, [N, d]);
  }

  /** The weight ξ_i + z_i/σ_i of every pair, row-major [N, d] (zero for a pair with no block yet). */
  private weights(): Float32Array {
    const { N, d } = this;
    const w = new Float32Array(N * d);
    for (let i = 0; i < N; i++) {
      const s = this.blockSigma[i] ?? Number.NaN;
      if (!Number.isFinite(s)) continue;
      for (let k = 0; k < d; k++) w[i * d + k] = (this.xi[i * d + k] ?? 0) + Math.fround((this.current[i * d + k] ?? 0) / s);
    }
    return w;
  }

  /**
   * One truncation for the pairs in `active` (all when null). Inactive pairs keep their
   * state, clock and noise. Returns the gradient over the active pairs whose losses and
   * states stayed finite (the others are excluded and counted).
   */
  private *truncation(
    theta: tf.Tensor1D,
    sigma: number,
    active: boolean[] | null,
    wantPerWorker: boolean,
  ): Slices<{ grad: tf.Tensor1D; perWorker?: tf.Tensor2D; steps: number; excluded: tf.Scalar }> {
    const { N, d, ctx } = this;
    const { task, settings } = ctx;
    const isActive = (i: number): boolean => active === null || active[i] === true;

    // Episode boundaries: new episodes start from the initial state with ξ = 0 and the current σ.
    const ended = this.clock.startNewEpisodes();
    for (let i = 0; i < N; i++) {
      if (ended[i] || !Number.isFinite(this.pairSigma[i] ?? Number.NaN)) {
        this.pairSigma[i] = sigma;
        this.blockSigma[i] = sigma;
        if (ended[i]) {
          this.xi.fill(0, i * d, (i + 1) * d);
          this.current.fill(0, i * d, (i + 1) * d);
        }
      }
    }
    if (this.states === null) {
      this.states = task.initialState(2 * N);
    } else if (ended.some(Boolean)) {
      const init = task.initialState(2 * N);
      const next = replaceRows(this.states, init, [...ended, ...ended]);
      init.dispose();
      this.states.dispose();
      this.states = next;
    }

    // NRES under 'rescale': its one block takes the current σ at once (weight included).
    if (this.rescale && !Number.isFinite(this.R)) this.blockSigma.fill(sigma);
    // Resample at the start of every R-step block: the block that ends joins ξ with its
    // own σ (ξ ← ξ + z/σ; nothing at an episode start, where z = 0), then the new z with
    // the block's σ ('rescale': the current σ; 'next-episode': the episode's).
    const draw: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = this.clock.t[i] ?? 0;
      if (isActive(i) && t % this.R === 0) draw.push(i);
    }
    if (draw.length > 0) {
      const z = gaussianRows(
        settings.seed,
        Stream.perturbation,
        draw,
        draw.map((i) => this.clock.episode[i] ?? 0),
        draw.map((i) => Math.floor((this.clock.t[i] ?? 0) / this.R)),
        d,
      );
      draw.forEach((i, r) => {
        const old = this.blockSigma[i] ?? Number.NaN;
        for (let k = 0; k < d; k++) {
          const prev = this.current[i * d + k] ?? 0;
          if (prev !== 0) this.xi[i * d + k] = (this.xi[i * d + k] ?? 0) + Math.fround(prev / old);
          this.current[i * d + k] = z[r * d + k] ?? 0;
        }
        this.blockSigma[i] = this.rescale ? sigma : (this.pairSigma[i] ?? sigma);
      });
    }

    const t0 = new Int32Array(2 * N);
    t0.set(this.clock.t, 0);
    t0.set(this.clock.t, N);
    const prev = this.states;
    const weights = this.weights();
    const thetaPM = tf.tidy(() => {
      const eps = this.perturbations();
      const rows = tileTheta(theta, N);
      return tf.concat([tf.add(rows, eps), tf.sub(rows, eps)]) as tf.Tensor2D;
    });
    let out: TruncationResult;
    try {
      // The unroll yields between inner steps; nothing here may sit inside a tf.tidy.
      out = yield* unrollTruncationSlices(task, prev, thetaPM, t0, settings.K);
    } finally {
      thetaPM.dispose();
    }
    const unrolled = out;
    const { grad, state, perWorker, excluded } = tf.tidy(() => {
      const [lPlus, lMinus] = tf.split(unrolled.loss, 2) as [tf.Tensor1D, tf.Tensor1D];
      const [sPlus, sMinus] = tf.split(unrolled.state, 2) as [tf.Tensor2D, tf.Tensor2D];
      const activeCount = active === null ? N : active.filter(Boolean).length;
      // w_i = (ℓ⁺_i − ℓ⁻_i) / (2N), zero for inactive pairs; ĝ = Σ_i w_i (ξ_i + z_i/σ_i).
      const scale = Float32Array.from({ length: N }, (_, i) => (isActive(i) ? 1 / (2 * Math.max(1, activeCount)) : 0));
      const activeMask = active === null ? null : tf.tensor1d(active.map((a) => (a ? 1 : 0)), 'float32');
      // Pairs whose loss or state became NaN/±Inf are left out (and counted).
      const guard = pairGuard(lPlus, lMinus, sPlus, sMinus, activeMask);
      const w = maskedWeights(tf.mul(tf.sub(lPlus, lMinus), tf.tensor1d(scale)), guard.usable, guard.renormalise);
      const xi = tf.tensor2d(weights, [N, d]);
      const g = tf.reshape(tf.matMul(tf.reshape(w, [1, N]), xi), [d]) as tf.Tensor1D;
      const nextState = active === null ? unrolled.state : replaceRows(prev, unrolled.state, [...active, ...active]);
      const each = wantPerWorker ? (tf.mul(tf.expandDims(tf.mul(w, N), 1), xi) as tf.Tensor2D) : undefined;
      return { grad: g, state: nextState, perWorker: each, excluded: guard.excluded };
    });
    unrolled.loss.dispose();
    if (state !== unrolled.state) unrolled.state.dispose();
    prev.dispose();
    this.states = state;
    this.clock.advance(active ?? undefined);
    const activeCount = active === null ? N : active.filter(Boolean).length;
    return { grad, perWorker, steps: 2 * activeCount * settings.K, excluded };
  }
}
