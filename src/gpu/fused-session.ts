/**
 * The fused twin of src/core/session.ts: several ES estimators side by side on common
 * random numbers, each population advanced by the fused kernels, θ and the optimizer
 * state kept on the GPU, and everything a frame shows read back in one transfer.
 * Same observable behaviour as `Session` (θ, ĝ, evaluation loss, particles, inner-step
 * counts per estimator), so the engine swaps it in on WebGPU when `fusedSupport` allows.
 *
 * Differences worth knowing: before the first update the noise-reuse family's particles
 * sit at θ (the tfjs path reports NaN there, its σ being still unset).
 */
import type { EstimatorId } from '../core/config';
import { gradientOnce } from '../core/estimators/estimator';
import { estimatorInfo } from '../core/estimators/index';
import { mixKey } from '../core/noise';
import type { CheckpointFilter, EstimatorFrame, GradientDiagnostics, SessionConfig, SessionFrame, UpdateRecord } from '../core/session';
import { MAX_RECORDED_UPDATES, MAX_TIMELINE_WORKERS } from '../core/session';
import { episodeScale, gradientQuality } from '../core/session';
import type { SigmaSchedule } from '../core/sigma-schedule';
import { drain, eagerPacer, type Pacer, type Slices } from '../core/slices';
import { sigmaAt } from '../core/sigma-schedule';
import type { Task } from '../core/task';
import { createTask } from '../core/tasks/index';
import { defaultSettings } from '../core/trainer';
import { type GpuContext, gpuContext, webgpuDevice } from './device';
import { FusedEstimator, truncationKindOf } from './fused-estimator';
import { HEALTH_WORDS, ROW_WORDS, rowsKernel, RW, WORKGROUP } from './kernels';
import type { SessionLike } from './session-like';
import { wgslTaskFor, type WgslTask } from './tasks/index';

/** Why a configuration cannot run fused (null: it can). */
export function fusedSupport(config: Pick<SessionConfig, 'task' | 'estimators' | 'settings'>): string | null {
  if (!webgpuDevice()) return 'the WebGPU backend is not initialised';
  if (!wgslTaskFor(createTask(config.task))) return `task '${config.task}' has no WGSL twin`;
  for (const id of config.estimators) {
    if (!truncationKindOf(id)) return `estimator '${id}' has no fused kernel (autodiff runs on tfjs)`;
    if (id === 'full-es' && config.settings.rankShaping) return 'rank fitness shaping has no fused kernel';
  }
  if (config.settings.pairs < 1) return 'no pairs';
  return null;
}

interface Checkpoint {
  theta: number[];
  moments: number[][];
  adamStep: number;
  iteration: number;
}

export class FusedSession implements SessionLike {
  readonly task: Task;
  private readonly wtask: WgslTask;
  private readonly ctx: GpuContext;
  private readonly estimators: FusedEstimator[];
  private readonly evalOut: GPUBuffer[];
  private readonly evalGroups: GPUBindGroup[];
  /**
   * Per estimator: θ after each recorded update (rows 0…n−1) and, at a frame, the current θ
   * (row n) — the rows the frame's evaluation unrolls, MAX_RECORDED_UPDATES + 1 at most.
   */
  private readonly thetaRows: GPUBuffer[];
  private recorded: { iteration: number; wallMs: number; innerSteps: number[] }[] = [];
  private readonly initialTheta: number[];
  private readonly evalPipeline: GPUComputePipeline;
  private readonly evalParams: GPUBuffer;
  private readonly dataBuffer: GPUBuffer | null;
  private schedule: SigmaSchedule;
  private lrValue: number;
  private iterationCount = 0;
  private elapsedMs = 0;
  /** Per estimator: θ and optimizer state of the last frame with finite θ and evaluation loss. */
  private readonly checkpoints = new Map<EstimatorId, Checkpoint>();

  constructor(
    readonly config: SessionConfig,
    device: GPUDevice | null = webgpuDevice(),
  ) {
    const reason = device ? fusedSupport(config) : 'no WebGPU device';
    if (reason || !device) throw new Error(`fused session unavailable: ${reason ?? 'no device'}`);
    this.task = createTask(config.task);
    const wtask = wgslTaskFor(this.task);
    if (!wtask) throw new Error(`task '${config.task}' has no WGSL twin`);
    this.wtask = wtask;
    this.ctx = gpuContext(device);
    this.schedule = config.sigma;
    this.lrValue = config.lr;
    const theta0 = config.theta0 ? [...config.theta0] : [...this.task.meta.theta0];
    this.initialTheta = theta0;
    const resume = config.resume;
    if (resume) this.iterationCount = resume.iteration;
    this.estimators = config.estimators.map((id) => {
      const r = resume?.estimators.find((e) => e.id === id);
      const start = r ? { moments: r.optimizer.values, adamStep: r.optimizer.t, innerSteps: r.innerSteps, skipBurnIn: true } : undefined;
      return new FusedEstimator({ ctx: this.ctx, task: wtask, id, settings: config.settings, theta0: r ? [...r.theta] : theta0, ...(start ? { start } : {}) });
    });
    this.estimators.forEach((e) => {
      const r = resume?.estimators.find((x) => x.id === e.id);
      this.checkpoints.set(e.id, { theta: r ? [...r.theta] : theta0, moments: r ? r.optimizer.values.map((v) => [...v]) : [], adamStep: e.optimizerSteps, iteration: this.iterationCount });
    });
    this.evalPipeline = this.ctx.pipeline(rowsKernel(wtask), `${wtask.id} rows`);
    this.evalParams = this.ctx.uniform(ROW_WORDS, 'eval params');
    const p = new Uint32Array(ROW_WORDS);
    p[RW.rows] = 1;
    p[RW.steps] = wtask.evalSteps;
    this.ctx.writeWords(this.evalParams, p);
    const data = wtask.data ? this.ctx.storageFrom(wtask.data, `${wtask.id} data`) : null;
    this.evalOut = this.estimators.map((e) => this.ctx.storage(4 * (MAX_RECORDED_UPDATES + 1), `${e.id} eval`));
    this.thetaRows = this.estimators.map((e) => this.ctx.storage(4 * wtask.dim * (MAX_RECORDED_UPDATES + 1), `${e.id} recorded θ`));
    this.dataBuffer = data;
    this.evalGroups = this.estimators.map((e, i) => this.evalGroup(e, i));
  }

  private evalGroup(e: FusedEstimator, i: number): GPUBindGroup {
    return this.ctx.bindGroup(this.evalPipeline, [this.evalParams, this.thetaRows[i] ?? null, this.evalOut[i] ?? null, this.dataBuffer], `${e.id} eval`);
  }

  /** Copies every estimator's θ into row `row` of its recorded rows (queued on `encoder`). */
  private copyThetaTo(encoder: GPUCommandEncoder, row: number): void {
    const bytes = 4 * this.wtask.dim;
    this.estimators.forEach((e, i) => encoder.copyBufferToBuffer(e.theta, 0, this.thetaRows[i] as GPUBuffer, row * bytes, bytes));
  }

  /** As Session.recordUpdate: θ copied on the GPU into the next recorded row, nothing read back. */
  recordUpdate(wallMs: number): void {
    if (this.recorded.length >= MAX_RECORDED_UPDATES || this.recorded.at(-1)?.iteration === this.iterationCount) return;
    const encoder = this.ctx.device.createCommandEncoder();
    this.copyThetaTo(encoder, this.recorded.length);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.recorded.push({ iteration: this.iterationCount, wallMs, innerSteps: this.estimators.map((e) => e.innerSteps) });
  }

  get recordedUpdates(): number {
    return this.recorded.length;
  }

  get iteration(): number {
    return this.iterationCount;
  }

  get sigma(): number {
    return sigmaAt(this.schedule, this.iterationCount);
  }

  setSigmaSchedule(schedule: SigmaSchedule): void {
    this.schedule = schedule;
    (this.config as { sigma: SigmaSchedule }).sigma = schedule;
  }

  setLr(lr: number): void {
    this.lrValue = lr;
    (this.config as { lr: number }).lr = lr;
  }

  /** One outer update of every estimator: GPU work queued, nothing read back. */
  step(): void {
    drain(this.stepSlices());
  }

  /**
   * `step` as slices, as Session.stepSlices: one yield after each estimator's update (its
   * dispatches are queued at once; the GPU runs them off this thread).
   */
  *stepSlices(): Slices<void> {
    const start = performance.now();
    const sigma = this.sigma;
    for (const e of this.estimators) {
      e.update({ sigma, optimizer: { name: this.config.optimizer, lr: this.lrValue, ...(this.config.adam ? { adam: this.config.adam } : {}) } });
      yield;
    }
    this.iterationCount++;
    this.elapsedMs += performance.now() - start;
  }

  /**
   * Everything the views need, in one readback (the pacer is not needed: the evaluation
   * unroll is one dispatch that runs off this thread).
   */
  async frame(_pacer?: Pacer, healthy?: CheckpointFilter): Promise<SessionFrame> {
    const d = this.wtask.dim;
    // The recorded updates before this frame's iteration (a record at it is the frame itself):
    // rows 0…n−1, then the current θ in row n, all evaluated in one dispatch per estimator.
    const recorded = this.recorded.filter((r) => r.iteration < this.iterationCount);
    this.recorded = [];
    const n = recorded.length;
    const p = new Uint32Array(ROW_WORDS);
    p[RW.rows] = n + 1;
    p[RW.steps] = this.wtask.evalSteps;
    this.ctx.writeWords(this.evalParams, p);
    const encoder = this.ctx.device.createCommandEncoder();
    this.copyThetaTo(encoder, n);
    this.estimators.forEach((_, i) => this.ctx.dispatch(encoder, this.evalPipeline, this.evalGroups[i] as GPUBindGroup, n + 1, WORKGROUP));
    const timelines = this.estimators.map((e) => e.timelineRegion(MAX_TIMELINE_WORKERS));
    const regions = this.estimators.flatMap((e, i) => [
      { buffer: e.theta, bytes: d * 4 },
      { buffer: e.grad, bytes: d * 4 },
      { buffer: this.evalOut[i] as GPUBuffer, bytes: 4 * (n + 1) },
      { buffer: e.health, bytes: HEALTH_WORDS * 4 },
      { buffer: e.moments, bytes: 2 * d * 4 },
      { buffer: e.eps, bytes: e.N * d * 4 },
      { buffer: this.thetaRows[i] as GPUBuffer, bytes: n * d * 4 },
      ...(timelines[i] ? [timelines[i]] : []),
    ]);
    const data = await this.ctx.readBack(regions, encoder);
    let offset = 0;
    const take = (n: number): Float32Array => {
      const out = data.slice(offset, offset + n);
      offset += n;
      return out;
    };
    const history: UpdateRecord[] = recorded.map((r) => ({ iteration: r.iteration, wallMs: r.wallMs, estimators: [] }));
    const estimators: EstimatorFrame[] = this.estimators.map((e, i) => {
      const theta = take(d);
      const grad = take(d);
      const losses = take(n + 1);
      const evalLoss = losses[n] ?? Number.NaN;
      const [excludedLast = 0, excludedTotal = 0, skippedTotal = 0] = take(HEALTH_WORDS);
      const moments = take(2 * d);
      const eps = take(e.N * d);
      const thetas = take(n * d);
      const timelineRegion = timelines[i];
      const timeline = timelineRegion ? e.timeline(take(timelineRegion.bytes / 4), eps, MAX_TIMELINE_WORKERS) : null;
      history.forEach((h, k) => h.estimators.push({ id: e.id, theta: Array.from(thetas.subarray(k * d, (k + 1) * d)), evalLoss: losses[k] ?? Number.NaN, innerSteps: recorded[k]?.innerSteps[i] ?? 0 }));
      // θ + ε rows, then θ − ε rows, in float32 like tf.add / tf.sub.
      const particles = new Float32Array(2 * e.N * d);
      for (let i = 0; i < e.N; i++) {
        for (let k = 0; k < d; k++) {
          const th = theta[k] ?? 0;
          const v = eps[i * d + k] ?? 0;
          particles[i * d + k] = th + v;
          particles[(e.N + i) * d + k] = th - v;
        }
      }
      const thetaArr = Array.from(theta);
      // The last healthy frame — finite θ and evaluation loss that `healthy` accepts (the
      // engine's runaway check), as on the tfjs path — is what a rewind would go back to.
      const adam = this.config.optimizer === 'adam' && e.optimizerSteps > 0;
      const momentValues = adam ? [Array.from(moments.subarray(0, d)), Array.from(moments.subarray(d))] : [];
      const finite = Number.isFinite(evalLoss) && thetaArr.every((v) => Number.isFinite(v));
      if (finite && (healthy?.(e.id, thetaArr, evalLoss) ?? true)) {
        this.checkpoints.set(e.id, { theta: thetaArr, moments: momentValues, adamStep: e.optimizerSteps, iteration: this.iterationCount });
      }
      return {
        id: e.id,
        theta: thetaArr,
        grad: Array.from(grad),
        evalLoss,
        particles,
        innerSteps: e.innerSteps,
        health: {
          excludedLast,
          excludedTotal,
          skippedTotal,
          workers: e.updates > 0 ? e.N : 0,
          checkpointIteration: this.checkpoints.get(e.id)?.iteration ?? 0,
        },
        optimizer: { values: momentValues, t: e.optimizerSteps },
        ...(timeline ? { timeline } : {}),
      };
    });
    return { iteration: this.iterationCount, sigma: this.sigma, lr: this.lrValue, wallMs: this.elapsedMs, estimators, ...(n > 0 ? { history } : {}) };
  }

  /**
   * As `Session.rewind`: each estimator given (all when omitted) back to the θ and
   * optimizer state of its last frame with finite θ and evaluation loss, with a fresh
   * population (burn-in again if configured); the iteration counter keeps counting.
   */
  rewind(ids?: readonly EstimatorId[]): { id: EstimatorId; iteration: number }[] {
    const out: { id: EstimatorId; iteration: number }[] = [];
    this.estimators.forEach((old, i) => {
      if (ids && !ids.includes(old.id)) return;
      const c = this.checkpoints.get(old.id);
      const theta = c?.theta ?? this.initialTheta;
      const next = new FusedEstimator({
        ctx: this.ctx,
        task: this.wtask,
        id: old.id,
        settings: this.config.settings,
        theta0: theta,
        start: { moments: c?.moments ?? [], adamStep: c?.adamStep ?? 0, innerSteps: old.innerSteps },
      });
      old.dispose();
      this.estimators[i] = next;
      this.evalGroups[i] = this.evalGroup(next, i);
      out.push({ id: old.id, iteration: c?.iteration ?? 0 });
    });
    return out;
  }

  /**
   * As `Session.diagnostics`; the full-ES reference runs through the fused kernel, the
   * autodiff one on tfjs (the active backend), sliced through `pacer`.
   */
  async diagnostics(reference: 'autodiff' | 'es' = 'es', pairs = 1024, pacer: Pacer = eagerPacer): Promise<GradientDiagnostics[]> {
    const d = this.wtask.dim;
    const data = await this.ctx.readBack(this.estimators.flatMap((e) => [{ buffer: e.theta, bytes: d * 4 }, { buffer: e.grad, bytes: d * 4 }]));
    if (this.iterationCount === 0) return [];
    const out: GradientDiagnostics[] = [];
    for (let i = 0; i < this.estimators.length; i++) {
      const e = this.estimators[i] as FusedEstimator;
      const theta = Array.from(data.subarray(2 * i * d, 2 * i * d + d));
      const g = Array.from(data.subarray(2 * i * d + d, 2 * i * d + 2 * d));
      const ref =
        reference === 'autodiff'
          ? await gradientOnce(estimatorInfo('bptt').create({ task: this.task, settings: this.config.settings }), theta, 0, pacer)
          : await fusedReferenceGradient(this.ctx, this.task, theta, this.sigma, this.config.settings.seed + this.iterationCount, pairs);
      out.push(gradientQuality(e.id, g, ref, episodeScale(e.id, this.task, this.config.settings.K)));
    }
    return out;
  }

  dispose(): void {
    for (const e of this.estimators) e.dispose();
    for (const b of this.evalOut) b.destroy();
    for (const b of this.thetaRows) b.destroy();
    this.evalParams.destroy();
    this.dataBuffer?.destroy();
  }
}

/**
 * `referenceGradient` (src/core/experiments/variance.ts) through the fused full-ES kernel:
 * the same settings and noise keys, so the same estimate up to float rounding.
 */
export async function fusedReferenceGradient(
  ctx: GpuContext,
  task: Task,
  theta: readonly number[],
  sigma: number,
  seed: number,
  pairs = 4096,
): Promise<number[]> {
  const wtask = wgslTaskFor(task);
  if (!wtask) throw new Error(`task '${task.meta.id}' has no WGSL twin`);
  const T = task.meta.evalSteps;
  const settings = defaultSettings(task, { pairs, T, K: T, seed: mixKey(seed, 0x7e4) });
  const est = new FusedEstimator({ ctx, task: wtask, id: 'full-es' as EstimatorId, settings, theta0: theta });
  try {
    est.update({ sigma, optimizer: null });
    return Array.from(await ctx.readBack([{ buffer: est.grad, bytes: wtask.dim * 4 }]));
  } finally {
    est.dispose();
  }
}
