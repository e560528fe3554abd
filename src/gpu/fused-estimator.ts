/**
 * One ES estimator's population on the GPU: the fused twin of the tfjs estimators in
 * src/core/estimators (full-es, tes, pes, nres, gpes). Everything per pair (states,
 * clock, σ, noise, ξ) lives in GPU buffers; an outer update is one truncation-kernel
 * dispatch (plus pre-phase dispatches before the first update, and chunked dispatches
 * for full-unroll ES) followed by the finalize dispatch that reduces ĝ and steps θ.
 * Nothing is read back here; `FusedSession` reads frames in one transfer.
 */
import type { EstimatorId, EstimatorSettings } from '../core/config';
import { checkTruncationSettings, truncationsPerEpisode } from '../core/estimators/estimator';
import { rowNorm, type WorkerTimeline } from '../core/estimators/timeline';
import { Stream, uniformInt } from '../core/noise';
import { type AdamBetas, DEFAULT_ADAM_BETAS } from '../core/optimizers';
import type { OptimizerName } from '../core/task';
import { type GpuContext, putF32 } from './device';
import {
  F,
  FINAL_WORDS,
  HEALTH_WORDS,
  finalizeKernel,
  PAIR_SUM_CHUNK,
  pairSumKernel,
  MODE,
  NO_HORIZON,
  P,
  PARAM_WORDS,
  recordWords,
  statesPerPair,
  truncationKernel,
  type TruncationKind,
  WORKGROUP,
} from './kernels';
import type { WgslTask } from './tasks/index';

/** Particle-steps one dispatch may take at most (keeps a dispatch well under a second on software WebGPU). */
export const DISPATCH_BUDGET = 2 ** 23;

export function truncationKindOf(id: EstimatorId): TruncationKind | null {
  switch (id) {
    case 'pes':
    case 'nres':
    case 'gpes':
      return 'family';
    case 'tes':
      return 'tes';
    case 'full-es':
      return 'full';
    default:
      return null;
  }
}

/** Resampling period of the noise-reuse family in steps; 0 means once per episode (NRES). */
export function familyPeriod(id: EstimatorId, settings: EstimatorSettings): number {
  if (id === 'pes') return settings.K;
  if (id === 'nres') return 0;
  // gpes: R ≥ T means NRES (see gpes.ts).
  return settings.R >= settings.T ? 0 : settings.R;
}

export interface FusedEstimatorOptions {
  ctx: GpuContext;
  task: WgslTask;
  id: EstimatorId;
  settings: EstimatorSettings;
  theta0: readonly number[];
  /**
   * Continue from a saved point (a resume on this path, or a rewind): Adam's [m, v] and
   * step count, the inner steps already spent, and whether to skip the burn-in (a resumed
   * population starts fresh without one, as Trainer does).
   */
  start?: { moments?: readonly (readonly number[])[]; adamStep?: number; innerSteps?: number; skipBurnIn?: boolean };
}

export interface UpdateOptions {
  sigma: number;
  /** Optimizer step after the estimate (null: estimate only, θ unchanged); Adam's β₁, β₂ default to DEFAULT_ADAM_BETAS. */
  optimizer: { name: OptimizerName; lr: number; adam?: AdamBetas } | null;
  perWorker?: boolean;
  /** Add this update's per-worker estimates to the previous ones. */
  accumulate?: boolean;
}

export class FusedEstimator {
  readonly kind: TruncationKind;
  readonly N: number;
  readonly d: number;
  readonly theta: GPUBuffer;
  readonly grad: GPUBuffer;
  /** σ_i z_i of the latest update, [N, d] (particles are θ ± these). */
  readonly eps: GPUBuffer;
  /** Each worker's own estimate ×… as in `EstimateOptions.perWorker`, [N, d]. */
  readonly perWorker: GPUBuffer;
  /**
   * Divergence counters as floats [excluded last, excluded total, skipped total, usable
   * last] (see `HEALTH_WORDS`), read back with the frames.
   */
  readonly health: GPUBuffer;
  private readonly states: GPUBuffer;
  private readonly records: GPUBuffer;
  /** Per pair: its contribution to ĝ and its usable flag, [N, d + 1]. */
  private readonly partials: GPUBuffer;
  /** The same summed over chunks of PAIR_SUM_CHUNK pairs, [groups, d + 1]. */
  private readonly sums: GPUBuffer;
  private readonly sumParams: GPUBuffer;
  private readonly sumPipeline: GPUComputePipeline;
  private readonly sumGroup: GPUBindGroup;
  /** Adam's m then v, [2d] (zeros for SGD). */
  readonly moments: GPUBuffer;
  private readonly data: GPUBuffer | null;
  private readonly params: GPUBuffer;
  private readonly final: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly finalPipeline: GPUComputePipeline;
  private readonly group: GPUBindGroup;
  private readonly finalGroup: GPUBindGroup;
  private readonly groups: number;
  private readonly period: number;
  private readonly burn: number;
  private readonly unlocked: boolean;
  /** Pre-phase truncations the slowest pair still has to run before its first update. */
  private preLeft: number;
  private initialised = false;
  private updateCount = 0;
  /** σ of the latest update: truncated ES's timeline weight is ‖ε_i‖/σ. */
  private lastSigma = Number.NaN;
  private adamStep = 0;
  private innerStepCount = 0;
  private readonly ctx: GpuContext;
  private readonly task: WgslTask;
  readonly settings: EstimatorSettings;
  readonly id: EstimatorId;

  constructor(options: FusedEstimatorOptions) {
    const { ctx, task, id, settings } = options;
    const kind = truncationKindOf(id);
    if (!kind) throw new Error(`no fused kernel for estimator '${id}'`);
    if (id === 'full-es' && settings.rankShaping) throw new Error('rank shaping has no fused kernel');
    if (kind !== 'full') checkTruncationSettings(settings);
    this.ctx = ctx;
    this.task = task;
    this.id = id;
    this.settings = settings;
    this.kind = kind;
    this.N = settings.pairs;
    this.d = task.dim;
    const { N, d } = this;
    const S = task.stateSize;
    this.groups = Math.ceil(N / PAIR_SUM_CHUNK);
    this.period = kind === 'family' ? familyPeriod(id, settings) : 0;
    if (this.period > 0 && (this.period < settings.K || this.period % settings.K !== 0)) {
      throw new Error(`GPES resampling period R = ${this.period} must be a multiple of K = ${settings.K}`);
    }
    const finite = Number.isFinite(settings.T);
    const J = truncationsPerEpisode(settings);
    this.burn = kind !== 'full' && settings.burnIn && finite && !options.start?.skipBurnIn ? J : 0;
    this.unlocked = kind !== 'full' && settings.workers === 'unlocked' && finite;
    // Inner steps of the first update's pre-phase, counted as the tfjs estimators count them.
    let maxOffset = 0;
    let offsetSum = 0;
    if (this.unlocked) {
      for (let i = 0; i < N; i++) {
        const u = uniformInt(settings.seed, Stream.workerOffset, i, 0, J);
        maxOffset = Math.max(maxOffset, u);
        offsetSum += u;
      }
    }
    this.preLeft = maxOffset + this.burn;
    const perTrajectory = kind === 'tes' ? 1 : 2;
    this.innerStepCount = options.start?.innerSteps ?? 0;
    this.adamStep = options.start?.adamStep ?? 0;
    this.pendingPreSteps = (offsetSum + this.burn * N) * settings.K * perTrajectory;

    this.theta = ctx.storageFrom(Float32Array.from(options.theta0), `${id} theta`);
    this.grad = ctx.storage(d * 4, `${id} grad`);
    this.eps = ctx.storage(N * d * 4, `${id} eps`);
    this.perWorker = ctx.storage(N * d * 4, `${id} per-worker`);
    this.states = ctx.storage(N * statesPerPair(kind) * S * 4, `${id} states`);
    this.records = ctx.storage(N * recordWords(kind, d) * 4, `${id} records`);
    this.partials = ctx.storage(N * (d + 1) * 4, `${id} partials`);
    this.sums = ctx.storage(this.groups * (d + 1) * 4, `${id} sums`);
    this.sumParams = ctx.uniform(4, `${id} sum params`);
    ctx.writeWords(this.sumParams, Uint32Array.of(N, PAIR_SUM_CHUNK, 0, 0));
    this.health = ctx.storage(HEALTH_WORDS * 4, `${id} health`);
    this.moments = ctx.storage(2 * d * 4, `${id} moments`);
    const [m, v] = options.start?.moments ?? [];
    if (m && v && m.length === d && v.length === d) {
      ctx.device.queue.writeBuffer(this.moments, 0, Float32Array.from([...m, ...v]));
    }
    this.data = task.data ? ctx.storageFrom(task.data, `${task.id} data`) : null;
    this.params = ctx.uniform(PARAM_WORDS, `${id} params`);
    this.final = ctx.uniform(FINAL_WORDS, `${id} final`);
    // Truncations start at multiples of K (offsets and burn-in are whole truncations).
    const aligned4 = settings.K % 4 === 0;
    this.pipeline = ctx.pipeline(truncationKernel(task, kind, aligned4), `${task.id} ${kind} truncation${aligned4 ? ' (aligned)' : ''}`);
    this.finalPipeline = ctx.pipeline(finalizeKernel(d), `finalize d=${d}`);
    this.group = ctx.bindGroup(
      this.pipeline,
      [this.params, this.theta, this.states, this.records, this.partials, this.eps, this.perWorker, this.data],
      `${id} truncation`,
    );
    this.sumPipeline = ctx.pipeline(pairSumKernel(d), `pair sums d=${d}`);
    this.sumGroup = ctx.bindGroup(this.sumPipeline, [this.sumParams, this.partials, this.sums], `${id} pair sums`);
    this.finalGroup = ctx.bindGroup(this.finalPipeline, [this.final, this.sums, this.theta, this.grad, this.moments, this.health], `${id} finalize`);
  }

  private pendingPreSteps: number;

  /** Outer updates queued so far. */
  get updates(): number {
    return this.updateCount;
  }

  /** Optimizer steps taken (Adam's t, as OptimizerState.t; 0 for SGD). */
  get optimizerSteps(): number {
    return this.adamStep;
  }

  /** Inner steps spent so far, summed over particles (as `GradientEstimate.innerSteps` adds up). */
  get innerSteps(): number {
    return this.innerStepCount;
  }

  /** Queues one outer update (submits; reads nothing back). */
  /**
   * Where the first `max` pairs' records (their clocks and noise, see kernels.ts) lie, to be
   * read back with a frame for `timeline`; null for full-unroll ES, which has no clock.
   */
  timelineRegion(max: number): { buffer: GPUBuffer; bytes: number } | null {
    if (this.kind === 'full') return null;
    return { buffer: this.records, bytes: Math.min(max, this.N) * recordWords(this.kind, this.d) * 4 };
  }

  /**
   * The worker timeline (core/estimators/timeline.ts) from the records `timelineRegion`
   * read back and the latest ε rows (σ_i z_i, [N, d]), as the tfjs estimators report it:
   * t and episode from the clock, the weight ‖ξ + z/σ_i‖·σ_i (PES / NRES / GPES) or
   * ‖ε_i‖/σ (truncated ES) in units of one draw.
   */
  timeline(records: Float32Array, eps: Float32Array, max: number): WorkerTimeline {
    const { d } = this;
    const shown = Math.min(max, this.N);
    const rw = recordWords(this.kind, d);
    // The clock words are u32; the σ, ξ and z words are f32 bits (read as floats).
    const words = new Uint32Array(records.buffer, records.byteOffset, shown * rw);
    const t: number[] = [];
    const episode: number[] = [];
    for (let i = 0; i < shown; i++) {
      t.push(words[i * rw] ?? 0);
      episode.push(words[i * rw + 1] ?? 0);
    }
    let weight: number[] | null = null;
    if (this.updateCount > 0 && this.kind === 'family') {
      weight = t.map((_, i) => {
        const base = i * rw;
        const sigma = records[base + 2] ?? Number.NaN;
        const w = new Float32Array(d);
        for (let k = 0; k < d; k++) w[k] = (records[base + 5 + k] ?? 0) + (records[base + 5 + d + k] ?? 0) / sigma;
        return rowNorm(w, 0, d, sigma);
      });
    } else if (this.updateCount > 0 && this.kind === 'tes' && Number.isFinite(this.lastSigma) && this.lastSigma > 0) {
      weight = t.map((_, i) => rowNorm(eps, i, d, 1 / this.lastSigma));
    }
    return { T: this.settings.T, K: this.settings.K, d, workers: this.N, t, episode, weight };
  }

  update(options: UpdateOptions): void {
    const { settings, N } = this;
    const K = settings.K;
    const sigma = options.sigma;
    const base = new Uint32Array(PARAM_WORDS);
    base[P.n] = N;
    base[P.k] = K;
    base[P.horizon] = Number.isFinite(settings.T) ? settings.T : NO_HORIZON;
    base[P.period] = this.period;
    base[P.seed] = settings.seed >>> 0;
    base[P.counter] = this.updateCount;
    base[P.j] = truncationsPerEpisode(settings);
    base[P.burn] = this.burn;
    base[P.unlocked] = this.unlocked ? 1 : 0;
    putF32(base, P.sigma, sigma);
    const rescale = settings.sigmaChange === 'rescale' || !Number.isFinite(settings.T);
    const common = rescale ? MODE.rescale : 0;
    const extra = (options.perWorker ? MODE.perWorker : 0) | (options.accumulate ? MODE.accumulate : 0);

    if (this.kind === 'full') {
      const total = this.task.evalSteps;
      const chunk = Math.max(1, Math.floor(DISPATCH_BUDGET / (2 * N)));
      for (let step0 = 0; step0 < total; step0 += chunk) {
        const steps = Math.min(chunk, total - step0);
        const last = step0 + steps >= total;
        const w = base.slice();
        w[P.step0] = step0;
        w[P.steps] = steps;
        w[P.totalSteps] = total;
        w[P.mode] = common | (last ? MODE.last | extra : 0);
        this.submit(w, last ? options : null);
      }
      this.innerStepCount += 2 * N * total;
    } else {
      // Pre-phase (first update only): positioning to step-unlocked offsets, then burn-in.
      const perTrajectory = this.kind === 'tes' ? 1 : 2;
      const cap = Math.max(1, Math.floor(DISPATCH_BUDGET / (perTrajectory * N * K)));
      while (this.preLeft > 0) {
        const w = base.slice();
        w[P.preCap] = Math.min(cap, this.preLeft);
        w[P.mode] = common | (this.initialised ? 0 : MODE.init);
        this.initialised = true;
        this.preLeft -= w[P.preCap] ?? 0;
        this.submit(w, null);
      }
      const w = base.slice();
      w[P.preCap] = 0;
      w[P.mode] = common | extra | MODE.update | (this.initialised ? 0 : MODE.init);
      this.initialised = true;
      this.submit(w, options);
      this.innerStepCount += this.pendingPreSteps + (this.kind === 'tes' ? 3 : 2) * N * K;
      this.pendingPreSteps = 0;
    }
    this.updateCount++;
    this.lastSigma = sigma;
  }

  /** One truncation dispatch (and the finalize dispatch when `finish` is given), submitted. */
  private submit(params: Uint32Array, finish: UpdateOptions | null): void {
    const { ctx } = this;
    ctx.writeWords(this.params, params);
    const encoder = ctx.device.createCommandEncoder();
    ctx.dispatch(encoder, this.pipeline, this.group, this.N, WORKGROUP);
    if (finish) {
      ctx.writeWords(this.final, this.finalWords(finish));
      ctx.dispatch(encoder, this.sumPipeline, this.sumGroup, this.groups, WORKGROUP);
      ctx.dispatch(encoder, this.finalPipeline, this.finalGroup, 1, 1);
    }
    ctx.device.queue.submit([encoder.finish()]);
  }

  private finalWords(options: UpdateOptions): Uint32Array {
    const w = new Uint32Array(FINAL_WORDS);
    w[F.groups] = this.groups;
    w[F.n] = this.N;
    const opt = options.optimizer;
    if (!opt) {
      w[F.optimizer] = 0;
      return w;
    }
    putF32(w, F.lr, opt.lr);
    if (opt.name === 'sgd') {
      w[F.optimizer] = 1;
      return w;
    }
    // Adam constants exactly as src/core/optimizers.ts forms them (float64, then float32).
    this.adamStep++;
    const { beta1, beta2 } = opt.adam ?? DEFAULT_ADAM_BETAS;
    w[F.optimizer] = 2;
    putF32(w, F.beta1, beta1);
    putF32(w, F.oneMinusBeta1, 1 - beta1);
    putF32(w, F.beta2, beta2);
    putF32(w, F.oneMinusBeta2, 1 - beta2);
    putF32(w, F.bias1, 1 - Math.pow(beta1, this.adamStep));
    putF32(w, F.bias2, 1 - Math.pow(beta2, this.adamStep));
    putF32(w, F.epsilon, 1e-8);
    return w;
  }

  dispose(): void {
    for (const b of [this.theta, this.grad, this.health, this.eps, this.perWorker, this.states, this.records, this.partials, this.sums, this.sumParams, this.moments, this.data, this.params, this.final]) {
      b?.destroy();
    }
  }
}
