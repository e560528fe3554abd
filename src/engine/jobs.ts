/**
 * Landscape and variance jobs: they never touch the training session, run beside it on the
 * plan's paths (fused kernels when the plan allows, else tfjs on the ops backend) and give
 * way to it at every call (or slice) so the animation stays fluid; progress at ≤ 10 Hz,
 * cancellation between calls.
 */
import { linspace } from '../core/experiments/surface';
import { surfaceSlicePlan } from '../core/experiments/slice';
import { varianceReferenceFor } from '../core/experiments/variance';
import { type Pacer, AbandonedError, TimeSlicedPacer } from '../core/slices';
import { createLandscapeTask, createTask } from '../core/tasks/index';
import { stepCostOf, type Task } from '../core/task';
import type { BackendName } from '../platform/backend-info';
import { chunkSeed, GPU_SURFACE_CALL_BUDGET, LOSS_GRACE_MS, PACE_SLICE_MS, PROGRESS_INTERVAL_MS, referencePairsFor, sampleChunks, SURFACE_CALL_BUDGET, surfaceChunkSamples } from './cadence';
import type { ComputePlan } from './compute-paths';
import { messageOf } from './errors';
import { fusedSurfaceFor, surfaceOn, varianceOn } from './fused-engine';
import { jobLimitIssues } from './limits';
import type { JobSpec, PostEvent, SurfaceJobSpec, VarianceJobSpec } from './protocol';

/** Backends whose tensor work runs on this thread (a readback never leaves the microtask queue). */
const CPU_CLASS: ReadonlySet<BackendName> = new Set(['cpu', 'wasm']);

/** What the jobs need from the engine. */
export interface JobHost {
  post: PostEvent;
  now(): number;
  schedule(fn: () => void, ms: number): void;
  /** Resolves once the backends are up, the session has its plan and no calibration is measuring. */
  ready(): Promise<void>;
  /** The current session's compute plan (null before the first). */
  plan(): ComputePlan | null;
  /** Whether training runs (jobs then leave it most of the engine). */
  running(): boolean;
  /** When paced session work last handed the thread back. */
  lastPacedYieldAt(): number;
  /** Counts backend switches after a device loss: a job started before one is not reported as failed. */
  epoch(): number;
  /** Whether the device is (or within `ms` turns out to be) lost. */
  lostWithin(ms: number): Promise<boolean>;
}

interface RunningJob {
  cancelled: boolean;
}

export class JobRunner {
  private readonly jobs = new Map<number, RunningJob>();

  constructor(private readonly host: JobHost) {}

  /** Jobs in flight. */
  get count(): number {
    return this.jobs.size;
  }

  cancel(jobId: number): void {
    const job = this.jobs.get(jobId);
    if (job) job.cancelled = true;
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) job.cancelled = true;
  }

  async run(jobId: number, spec: JobSpec): Promise<void> {
    const job: RunningJob = { cancelled: false };
    const epoch = this.host.epoch();
    this.jobs.set(jobId, job);
    let lastProgressAt = Number.NEGATIVE_INFINITY;
    const onProgress = (done: number, total: number): boolean => {
      const t = this.host.now();
      if (done >= total || t - lastProgressAt >= PROGRESS_INTERVAL_MS) {
        lastProgressAt = t;
        this.host.post({ type: 'job-progress', jobId, done, total });
      }
      return !job.cancelled;
    };
    try {
      // Jobs start once the engine has its backends and the session its plan.
      await this.host.ready();
      const outside = jobLimitIssues(spec);
      if (outside.length > 0) throw new Error(`job outside the limits: ${outside.join('; ')}`);
      if (spec.kind === 'surface') await this.surface(jobId, spec, onProgress, job);
      else await this.variance(jobId, spec, onProgress, job);
    } catch (e) {
      // A job on a device that was lost since: the page asks again on the new backend.
      if (epoch === this.host.epoch() && !(await this.host.lostWithin(LOSS_GRACE_MS))) this.host.post({ type: 'job-error', jobId, message: messageOf(e) });
    } finally {
      this.jobs.delete(jobId);
    }
  }

  /**
   * The landscape, computed with metaLossSurface one grid row at a time (a 1-D slice
   * along θ₀ through θ₁ = y_row) and, for Monte-Carlo samples, in chunks of samples, with
   * a yield to the training loop between calls. On the CPU backend a tensor readback
   * resolves without ever leaving the microtask queue, so one whole-grid call would stall
   * training for seconds; slices keep each call to a fraction of a second. Every slice
   * uses the same noise seeds, so the common random numbers are shared across the whole
   * grid exactly as in a single call.
   */
  private async surface(jobId: number, spec: SurfaceJobSpec, onProgress: (d: number, t: number) => boolean, job: RunningJob): Promise<void> {
    // MNIST's landscape evaluates a subset of its training digits (createLandscapeTask).
    const task = createLandscapeTask(spec.task);
    const dTheta = task.meta.theta0.length;
    const slicePlan = surfaceSlicePlan(task, spec.slice);
    const { xRange, yRange } = slicePlan;
    const x = linspace(xRange[0], xRange[1], spec.grid);
    const y = dTheta >= 2 ? linspace(yRange[0], yRange[1], spec.grid) : null;
    const plan = this.host.plan();
    // On a CPU-class backend a readback never leaves the microtask queue, so slice by grid
    // row; on a GPU (or through the fused kernel) the work runs off this thread and
    // whole-grid batches are far cheaper.
    const sliceByRow = y !== null && CPU_CLASS.has(plan?.ops ?? 'cpu') && !fusedSurfaceFor(plan, { task, ...slicePlan.whole() });
    const rows = sliceByRow && y ? y.length : 1;
    const pointsPerCall = sliceByRow ? x.length : x.length * (y?.length ?? 1);
    const budget = sliceByRow ? SURFACE_CALL_BUDGET : GPU_SURFACE_CALL_BUDGET;
    // The fused kernel takes all the samples in one call (no raw grid recomputed per chunk).
    const fused = !sliceByRow && fusedSurfaceFor(plan, { task, ...slicePlan.whole() });
    const chunks = sampleChunks(spec.samples, fused ? Math.max(1, spec.samples) : surfaceChunkSamples(pointsPerCall, task.meta.evalSteps * stepCostOf(task.meta), budget));
    const fusedExtras = fused ? { skipRaw: spec.smoothedOnly === true, onProgress: () => !job.cancelled } : {};
    // On this thread (the tfjs path) a call over the budget — a row too long to split, e.g.
    // Lorenz: 128 episodes × 2000 steps, seconds on the CPU — runs its episodes as slices so
    // it never holds back a pause. Calls within the budget run whole, as before: sliced
    // beside a running session they progressed so slowly that a Monte-Carlo stage of the
    // linear-quadratic landscape never finished while the run went on (e2e tensor-count test).
    const longestCallRowSteps = pointsPerCall * (1 + Math.max(0, ...chunks)) * task.meta.evalSteps * stepCostOf(task.meta);
    const pacer = fused || longestCallRowSteps <= budget ? null : this.jobPacer(job);
    const size = x.length * (y?.length ?? 1);
    const raw: number[] = [];
    const smoothedSum: number[] = new Array<number>(size).fill(0);
    const total = rows * Math.max(1, chunks.length);
    let done = 0;
    for (let iy = 0; iy < rows && !job.cancelled; iy++) {
      const call =
        sliceByRow && y
          ? { task, grid: x.length, sigma: spec.sigma, ...slicePlan.row(y[iy] ?? 0), batchRows: 4096 }
          : { task, grid: spec.grid, sigma: spec.sigma, ...slicePlan.whole(), batchRows: 8192 };
      const offset = sliceByRow ? iy * x.length : 0;
      for (let c = 0; c < Math.max(1, chunks.length) && !job.cancelled; c++) {
        const m = chunks[c] ?? 0;
        const started = this.host.now();
        let r: Awaited<ReturnType<ReturnType<typeof surfaceOn>>>;
        try {
          r = await surfaceOn(plan)({ ...call, samples: m, seed: chunkSeed(spec.seed, c), ...fusedExtras, ...(pacer ? { pacer } : {}) });
        } catch (e) {
          if (e instanceof AbandonedError && job.cancelled) break;
          throw e;
        }
        if (c === 0) raw.push(...r.raw);
        if (m > 0) {
          const sm = r.smoothed ?? [];
          for (let i = 0; i < sm.length; i++) smoothedSum[offset + i] = (smoothedSum[offset + i] ?? 0) + (sm[i] ?? Number.NaN) * m;
        }
        done++;
        if (!onProgress(done, total)) break;
        // No yield after the last call: the result goes out at once.
        if (done < total) await this.yieldToLoop(this.host.now() - started);
      }
    }
    const cancelled = job.cancelled;
    const samples = chunks.reduce((a, b) => a + b, 0);
    this.host.post({
      type: 'job-result',
      jobId,
      cancelled,
      result: {
        kind: 'surface',
        x,
        y,
        raw,
        smoothed: samples > 0 && !cancelled ? smoothedSum.map((v) => v / samples) : null,
        sigma: spec.sigma,
        samples,
        seed: spec.seed,
      },
    });
  }

  /**
   * Lets queued ticks and messages run before a job continues. While training runs, the
   * job then waits twice as long as its last call took, so background jobs get about a
   * third of the engine and the animation stays fluid.
   */
  private async yieldToLoop(lastCallMs: number): Promise<void> {
    // Also while paced session work waits (e.g. the first frame of a new run while idle):
    // on a heavy task one call takes seconds and would otherwise starve it.
    const sessionWaiting = this.host.now() - this.host.lastPacedYieldAt() < 2 * PACE_SLICE_MS + lastCallMs;
    const pause = this.host.running() || sessionWaiting ? Math.min(2000, 2 * lastCallMs) : 0;
    await new Promise<void>((resolve) => this.host.schedule(resolve, pause));
    // A calibration started meanwhile (a new preset): hold still until it has measured.
    await this.host.ready();
  }

  /**
   * A pacer for a job's tensor work on this thread: slices of PACE_SLICE_MS, between which
   * the job gives way to training as it does between calls (yieldToLoop); a cancel
   * abandons the work part-way (AbandonedError).
   */
  private jobPacer(job: RunningJob): TimeSlicedPacer {
    let sliceStart = this.host.now();
    return new TimeSlicedPacer({
      now: () => this.host.now(),
      sliceMs: PACE_SLICE_MS,
      yieldNow: async () => {
        await this.yieldToLoop(this.host.now() - sliceStart);
        sliceStart = this.host.now();
      },
      abandoned: () => job.cancelled,
    });
  }

  private async variance(jobId: number, spec: VarianceJobSpec, onProgress: (d: number, t: number) => boolean, job: RunningJob): Promise<void> {
    const task = createTask(spec.task);
    // The fused sweep (WebGPU) runs off this thread; the tfjs path is sliced, the reference
    // included (a Lorenz estimate unrolls 2000 steps: seconds on the CPU backend).
    const pacer = this.jobPacer(job);
    let reference: number[];
    let referenceKind: 'exact' | 'full-es';
    let referencePairs: number;
    let referenceVariance: number;
    try {
      ({ reference, referenceKind, referencePairs, referenceVariance } = await varianceReference(task, spec, pacer));
    } catch (e) {
      if (!(e instanceof AbandonedError && job.cancelled)) throw e;
      this.host.post({ type: 'job-result', jobId, cancelled: true, result: emptyVariance(spec, [], 'full-es', 0, task) });
      return;
    }
    if (job.cancelled) {
      this.host.post({ type: 'job-result', jobId, cancelled: true, result: emptyVariance(spec, reference, referenceKind, referencePairs, task) });
      return;
    }
    let r: Awaited<ReturnType<ReturnType<typeof varianceOn>>>;
    try {
      r = await varianceOn(this.host.plan())({
        task,
        theta: spec.theta,
        estimators: spec.estimators,
        truncations: spec.truncations,
        pairs: spec.pairs,
        sigma: spec.sigma,
        repeats: spec.repeats,
        protocol: spec.protocol,
        seed: spec.seed,
        gpesPeriodInTruncations: spec.gpesPeriodInTruncations,
        reference,
        referenceVariance,
        onProgress,
        pacer,
      });
    } catch (e) {
      if (!(e instanceof AbandonedError && job.cancelled)) throw e;
      this.host.post({ type: 'job-result', jobId, cancelled: true, result: emptyVariance(spec, reference, referenceKind, referencePairs, task) });
      return;
    }
    this.host.post({
      type: 'job-result',
      jobId,
      cancelled: r.cancelled || job.cancelled,
      result: { kind: 'variance', rows: r.rows, reference: r.reference, referenceKind, referencePairs, referenceVariance, protocol: spec.protocol, T: task.meta.defaults.T },
    });
  }
}

/**
 * The exact gradient where there is one (linear-quadratic), else a large full-ES estimate of
 * ∇L_σ with its own error (src/core/experiments/variance.ts: varianceReferenceFor).
 */
function varianceReference(task: Task, spec: VarianceJobSpec, pacer: Pacer): ReturnType<typeof varianceReferenceFor> {
  const pairs = referencePairsFor(task.meta.evalSteps, 2 ** 18, 512, 4096, stepCostOf(task.meta));
  return varianceReferenceFor(task, spec.theta, spec.sigma, spec.seed, pairs, pacer);
}

function emptyVariance(
  spec: VarianceJobSpec,
  reference: number[],
  referenceKind: 'exact' | 'full-es',
  referencePairs: number,
  task: Task,
): { kind: 'variance'; rows: []; reference: number[]; referenceKind: 'exact' | 'full-es'; referencePairs: number; protocol: VarianceJobSpec['protocol']; T: number } {
  return { kind: 'variance', rows: [], reference, referenceKind, referencePairs, protocol: spec.protocol, T: task.meta.defaults.T };
}

