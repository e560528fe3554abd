/**
 * Which compute path runs each piece of an experiment's work — the one module the rest of
 * the engine asks. A path is
 *   - 'fused': the WGSL kernels on the WebGPU device (src/gpu: whole truncations per
 *     dispatch; the built-in toy tasks, ES estimators without rank shaping), or
 *   - 'tfjs-<backend>': tfjs op by op on one of the backends that started here.
 *
 * Which is fastest depends on the machine and on the work (software WebGPU runs tfjs ops
 * ~1,000× slower than wasm; a real GPU may not), so it is measured, not assumed: when a
 * session is built, `calibrate` times a short run of each piece — each estimator's update,
 * and the gradient-quality reference when it runs op by op — on every candidate path, and
 * `choosePlan` takes the fastest. tfjs has one active backend per worker, so all op-by-op
 * work of a session (its tfjs estimators, the reference, frame evaluations, the
 * landscape and variance jobs) runs on one backend, the plan's `ops`: the backend that
 * minimises the session's total measured time, each estimator then on the faster of
 * fused and `ops`. Plans are cached per configuration and set of backends, so changing σ
 * or the learning rate never recalibrates.
 *
 * Common random numbers survive any mix: every path keys its noise the same way (the
 * counter-based generator and its WGSL twin), which the parity tests check.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { type SessionConfig } from '../core/session';
import type { Slices } from '../core/slices';
import { createTask } from '../core/tasks/index';
import { defaultSettings } from '../core/trainer';
import { fusedSupport } from '../gpu/fused-session';
import type { BackendName } from '../platform/backend-info';
import { diagnosticsReferenceFor } from './diagnostics-reference';

export type PathId = 'fused' | 'tfjs-webgpu' | 'tfjs-webgl' | 'tfjs-wasm' | 'tfjs-cpu';

export function tfjsPath(backend: BackendName): PathId {
  return `tfjs-${backend}`;
}

/** The tfjs backend of a path (null for the fused kernels). */
export function backendOfPath(path: PathId): BackendName | null {
  return path === 'fused' ? null : (path.slice(5) as BackendName);
}

/** Short human name of a path, e.g. 'fused WGSL' or 'tfjs · wasm'. */
export function pathLabel(path: PathId): string {
  return path === 'fused' ? 'fused WGSL (WebGPU)' : `tfjs · ${path.slice(5)}`;
}

/** A piece of a session's work: one estimator's updates, or the gradient-quality reference. */
export type Piece = EstimatorId | 'reference';

/** One piece timed on one path. */
export interface PathMeasurement {
  path: PathId;
  /** Milliseconds per update (measured, or extrapolated from a partial update); null: not measured. */
  msPerUpdate: number | null;
  /** Why there is no figure, or how it was obtained. */
  note?: string;
}

export interface PiecePlan {
  piece: Piece;
  path: PathId;
  msPerUpdate: number | null;
  measured: PathMeasurement[];
}

export interface ComputePlan {
  /** The tfjs backend every op-by-op piece of the session runs on. */
  ops: BackendName;
  estimators: PiecePlan[];
  /** The gradient-quality reference when it runs op by op (null: it runs fused, or there is none to time). */
  reference: PiecePlan | null;
  /** Whether landscape and variance jobs may use the fused kernels (the WebGPU device is up). */
  fusedJobs: boolean;
  /** Time the calibration took (0 when cached or forced). */
  calibrationMs: number;
  /** measured: timed now; cached: timed earlier for the same work; forced: ?backend= chose; single: one candidate only. */
  how: 'measured' | 'cached' | 'forced' | 'single';
}

/**
 * An estimator with a fused kernel stays on it unless op by op is this much faster: the
 * fused work runs off the engine's thread (frames, jobs and diagnostics go on meanwhile)
 * and one group reads its frame back in one go — savings the per-piece timings do not
 * see. On software WebGPU the two are often within noise of each other for a light
 * estimator (TES on lr-schedule: 333 vs 313 upd/s), and without this the plan flipped
 * between runs.
 */
export const FUSED_PREFERENCE = 1.25;

/** How often the reference runs, in updates (engine-host's DIAGNOSTICS_EVERY): its weight in a session's cost. */
const REFERENCE_EVERY = 20;

/**
 * A backend this many times slower than the best path on the first piece measured on it is
 * not measured on the other pieces of the session (they run the same task's ops, so the gap
 * does not close): it keeps calibration short where a backend is hopeless (tfjs ops on
 * software WebGPU or WebGL are 100–1,000× slower than wasm on such a machine).
 */
export const HOPELESS_FACTOR = 10;

/** Budgets of one measurement (see `measurePiece`). */
export interface MeasureBudget {
  /** Longest warm-up (the first update: shader compilation, constants): a path slower to start is not used. */
  warmUpMs: number;
  /** Longest timed stretch; an update still running then is extrapolated from its slices. */
  windowMs: number;
}

export const DEFAULT_BUDGET: MeasureBudget = { warmUpMs: 1500, windowMs: 150 };

/** The work of one piece on one path, as the engine would run it. */
export interface PieceWork {
  /** The slices of the next update. */
  update(): Slices<void>;
  dispose(): void;
}

/** What calibration needs from the engine: a clock, and a way to let messages in and wait for a path's queued work. */
export interface CalibrationIO {
  now(): number;
  /** Hands the thread back (pending messages run) and waits until `path`'s queued device work is done. */
  settle(path: PathId): Promise<void>;
  /** Makes `backend` the active tfjs backend. */
  useBackend(backend: BackendName): Promise<void>;
  /** True once the calibration's result is no longer wanted (a reset arrived): it stops (AbandonedError from `settle`). */
  abandoned?(): boolean;
}

export interface TimedRun {
  /** The timed update finished within the window. */
  complete: boolean;
  /** Time of the timed stretch. */
  ms: number;
  /** Slices the timed stretch ran. */
  slices: number;
  /** Slices of a whole update (known when one finished, warm-up included). */
  slicesPerUpdate: number | null;
  note?: string;
}

/** Fence a tfjs GPU backend after this much enqueueing, so an abandoned run leaves little queued work. */
const FENCE_EVERY_MS = 10;

/**
 * Times one piece on one path: one warm-up update (not timed — it pays one-time costs such
 * as shader compilation; over `warmUpMs` the path is not used), then one timed update, cut
 * at `windowMs` (the time per slice then stands for the rest of it). GPU work is waited for (`settle`) every ~10 ms of enqueueing and at the end,
 * so the time is the device's too and a cut-off run leaves little work queued behind it.
 */
export async function measurePiece(work: PieceWork, path: PathId, io: CalibrationIO, budget: MeasureBudget = DEFAULT_BUDGET): Promise<TimedRun> {
  const run = async (limitMs: number): Promise<{ done: boolean; ms: number; slices: number }> => {
    const gen = work.update();
    const start = io.now();
    let slices = 0;
    let sinceFence = start;
    let finished = false;
    try {
      for (;;) {
        const r = gen.next();
        slices++;
        if (r.done) break;
        if (path === 'fused' || io.now() - sinceFence >= FENCE_EVERY_MS) {
          await io.settle(path);
          sinceFence = io.now();
        }
        if (io.now() - start > limitMs) return { done: false, ms: io.now() - start, slices };
      }
      await io.settle(path);
      finished = true;
      return { done: true, ms: io.now() - start, slices };
    } finally {
      if (!finished) {
        gen.return(undefined as never);
        await io.settle(path).catch(() => undefined);
      }
    }
  };
  const warm = await run(budget.warmUpMs);
  if (!warm.done) return { complete: false, ms: warm.ms, slices: warm.slices, slicesPerUpdate: null, note: `first update not done after ${Math.round(warm.ms)} ms` };
  let timed = await run(budget.windowMs);
  // A short update is timed twice and the faster counts: one-off stalls (a shader the
  // first update did not reach, a busy core) would otherwise decide the plan.
  if (timed.done && timed.ms < budget.windowMs / 3) {
    const again = await run(budget.windowMs);
    if (again.done && again.ms < timed.ms) timed = again;
  }
  return { complete: timed.done, ms: timed.ms, slices: timed.slices, slicesPerUpdate: timed.done ? timed.slices : warm.slices };
}

/** ms per update from a timed run; a cut-off run is extrapolated by its slices (null when nothing tells how many an update has). */
function msPerUpdateOf(run: TimedRun, slicesPerUpdate: number | null): number | null {
  if (run.complete) return run.ms;
  const per = slicesPerUpdate ?? run.slicesPerUpdate;
  if (per === null || run.slices === 0) return null;
  return (run.ms / run.slices) * per;
}

/** The estimators of a configuration that have a fused kernel (on this device, if it is up). */
export function fusedEstimators(config: SessionConfig, fusedAvailable: boolean): EstimatorId[] {
  if (!fusedAvailable) return [];
  return config.estimators.filter((e) => fusedSupport({ ...config, estimators: [e] }) === null);
}

/** Whether the gradient-quality reference of this configuration runs op by op (so its backend matters). */
export function referenceRunsOnOps(config: SessionConfig, fusedAvailable: boolean): boolean {
  const kind = diagnosticsReferenceFor(config.task);
  if (kind === 'autodiff') return true;
  // A full-ES reference runs fused in a fused group; op by op otherwise.
  return fusedEstimators(config, fusedAvailable).length < config.estimators.length;
}

/** The tfjs work of a piece: one estimator's Session updates, or a reference gradient per "update". */
export type WorkFactory = (piece: Piece, path: PathId) => PieceWork;

export interface CalibrateOptions {
  config: SessionConfig;
  /** Backends that started, in preference order. */
  backends: readonly BackendName[];
  /** Whether the fused kernels can run (the WebGPU device is up). */
  fusedAvailable: boolean;
  io: CalibrationIO;
  work: WorkFactory;
  budget?: MeasureBudget;
  /**
   * tfjs backends a probe found hopeless for op-by-op work on this device (see
   * `hopelessBackends`), with the reason: not measured on the pieces, whose runs on such a
   * backend take seconds per slice (MNIST's GEMMs on software WebGPU: ~8 s an update).
   */
  hopeless?: ReadonlyMap<BackendName, string>;
  /**
   * The estimators with a fused kernel; by default those `fusedSupport` accepts on this
   * device (tests that fake the device's timings name them).
   */
  fusedEstimators?: readonly EstimatorId[];
}

/** One backend's speed at the two kinds of work the tasks are made of, from `probeBackend`. */
export interface BackendProbe {
  /** A chain of small element-wise ops (dispatch-bound work: the toy tasks, autodiff). */
  dispatchMs: number;
  /** One mid-sized GEMM (compute-bound work: the MLP tasks' layers). */
  gemmMs: number;
}

/**
 * A GPU backend slower than the best CPU-class one by this factor at both kinds of work is
 * not measured on the session's pieces: no piece is made of anything else, and the probe is
 * optimistic. Measured on software WebGPU (SwiftShader, 2 cores): tfjs-webgpu 3.2× wasm at
 * small ops and 13× at the GEMM, tfjs-webgl 6× and 2.9×; on the pieces themselves they
 * were 17–250× slower (an MNIST full-ES update: 37 ms on wasm, ~8 s on webgpu, one slice
 * that cannot be cut short). A real GPU is far below 2× at a GEMM, so it is measured.
 */
export const PROBE_HOPELESS_FACTOR = 2;

/**
 * The tfjs GPU backends whose probe is PROBE_HOPELESS_FACTOR times slower than the best
 * CPU-class backend's at both kinds of work — or, for a task made of large matmuls
 * (`gemmBound`: TaskMeta.stepCost > 1, MNIST), at the GEMM alone: there one slice of a
 * piece is a GEMM of millions of multiply-adds, which on a backend 80× slower at it
 * (software WebGPU) takes seconds and cannot be cut short.
 */
export function hopelessBackends(probes: ReadonlyMap<BackendName, BackendProbe>, gemmBound = false): Map<BackendName, string> {
  const cpuClass = [...probes].filter(([b]) => b === 'wasm' || b === 'cpu').map(([, p]) => p);
  const out = new Map<BackendName, string>();
  if (cpuClass.length === 0) return out;
  const dispatch = Math.min(...cpuClass.map((p) => p.dispatchMs));
  const gemm = Math.min(...cpuClass.map((p) => p.gemmMs));
  for (const [b, p] of probes) {
    if (b === 'wasm' || b === 'cpu') continue;
    const rd = p.dispatchMs / Math.max(dispatch, 1e-3);
    const rg = p.gemmMs / Math.max(gemm, 1e-3);
    if (rg > PROBE_HOPELESS_FACTOR && (gemmBound || rd > PROBE_HOPELESS_FACTOR)) {
      out.set(b, `not measured: its probe was ${rd.toFixed(1)}× slower at small ops and ${Math.round(rg)}× at a GEMM than the CPU-class backends`);
    }
  }
  return out;
}

/**
 * Times every piece on every candidate path and chooses the plan: the fused kernels and the
 * CPU-class backends first (twice for short runs), tfjs on GPU backends last (those a probe
 * found hopeless not at all). A path still warming up past 1.5× the piece's best time so
 * far (never beyond the warm-up budget) has lost; a backend 10× slower than the best tfjs
 * backend on one piece is not measured on the others.
 */
export async function calibrate(options: CalibrateOptions): Promise<ComputePlan> {
  const { config, io } = options;
  const budget = options.budget ?? DEFAULT_BUDGET;
  const started = io.now();
  const fused = new Set(options.fusedEstimators ?? fusedEstimators(config, options.fusedAvailable));
  const pieces: Piece[] = [...config.estimators];
  if (referenceRunsOnOps(config, options.fusedAvailable)) pieces.push('reference');
  const runs = new Map<Piece, Map<PathId, TimedRun>>();
  const record = (piece: Piece, path: PathId, run: TimedRun): void => {
    let m = runs.get(piece);
    if (!m) runs.set(piece, (m = new Map()));
    m.set(path, run);
  };
  /** The piece's best finished time so far (over tfjs paths only with `opsOnly`). */
  const best = (piece: Piece, opsOnly = false): number => {
    const m = runs.get(piece);
    let b = Number.POSITIVE_INFINITY;
    m?.forEach((r, path) => {
      if (r.complete && !(opsOnly && path === 'fused')) b = Math.min(b, r.ms);
    });
    return b;
  };
  const timed = async (piece: Piece, path: PathId): Promise<void> => {
    const cap = best(piece);
    // Past 1.5× the best time so far a path has lost; the first path of a piece gets the whole budget.
    const pieceBudget = { warmUpMs: Math.min(budget.warmUpMs, Math.max(1.5 * cap, budget.windowMs)), windowMs: budget.windowMs };
    const w = options.work(piece, path);
    try {
      record(piece, path, await measurePiece(w, path, io, pieceBudget));
    } catch (e) {
      if (io.abandoned?.()) throw e;
      record(piece, path, { complete: false, ms: 0, slices: 0, slicesPerUpdate: null, note: `failed: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      w.dispose();
    }
  };
  /** The tfjs backend with the piece's best finished time. */
  const opsWinner = (piece: Piece): string => {
    let name = '';
    let b = Number.POSITIVE_INFINITY;
    runs.get(piece)?.forEach((r, path) => {
      if (r.complete && path !== 'fused' && r.ms < b) [b, name] = [r.ms, path.slice(5)];
    });
    return name;
  };
  const onBackend = async (b: BackendName): Promise<void> => {
    await io.useBackend(b);
    for (const piece of pieces) {
      // Against the other tfjs backends: the ops backend is chosen among them (and runs the reference).
      const bestBefore = best(piece, true);
      await timed(piece, tfjsPath(b));
      const r = runs.get(piece)?.get(tfjsPath(b));
      const lowerBound = r ? (r.complete ? r.ms : Math.max(r.ms, 1e-9)) : Number.POSITIVE_INFINITY;
      if (Number.isFinite(bestBefore) && lowerBound > HOPELESS_FACTOR * bestBefore) {
        for (const rest of pieces.slice(pieces.indexOf(piece) + 1)) {
          record(rest, tfjsPath(b), { complete: false, ms: 0, slices: 0, slicesPerUpdate: null, note: `not measured: ${Math.round(lowerBound / bestBefore)}× slower than tfjs ${opsWinner(piece)} on ${piece}` });
        }
        return;
      }
    }
  };
  // 1. The fused kernels (their pipelines are compiled once and kept) and the CPU-class
  //    backends, whose runs leave nothing queued behind them.
  for (const e of config.estimators) if (fused.has(e)) await timed(e, 'fused');
  const cpuClass = options.backends.filter((b) => b === 'wasm' || b === 'cpu');
  const gpuOps = options.backends.filter((b) => b === 'webgpu' || b === 'webgl');
  for (const b of cpuClass) await onBackend(b);
  // 2. Every short run among those timed once more, the faster figure kept: a busy moment
  //    on a shared machine (the page starting up beside the engine) must not decide the
  //    plan. A long run (a whole window or more) is its own average.
  //    A fused estimator whose first update did not finish gets the same second look once
  //    another fused estimator has finished one: the group's pipelines compile once, inside
  //    the first estimator's warm-up (2 s on a loaded SwiftShader), and that estimator must
  //    not lose its kernel for having paid the compile.
  const fusedWarm = [...fused].some((e) => runs.get(e)?.get('fused')?.complete === true);
  const warmingUpLost = (path: PathId, r: TimedRun): boolean => path === 'fused' && fusedWarm && !r.complete && r.slicesPerUpdate === null;
  for (const [piece, m] of runs) {
    for (const [path, r] of m) {
      if (!warmingUpLost(path, r) && (!r.complete || r.ms >= budget.windowMs)) continue;
      const backend = backendOfPath(path);
      if (backend) await io.useBackend(backend);
      const w = options.work(piece, path);
      try {
        const again = await measurePiece(w, path, io, { warmUpMs: Math.max(budget.windowMs, 1.5 * best(piece)), windowMs: budget.windowMs });
        if (again.complete && (!r.complete || again.ms < r.ms)) m.set(path, again);
      } catch (e) {
        if (io.abandoned?.()) throw e;
      } finally {
        w.dispose();
      }
    }
  }
  // 3. tfjs ops on GPU backends last: what a cut-off run leaves queued cannot slow the others' figures.
  for (const b of gpuOps) {
    const why = options.hopeless?.get(b);
    if (why) for (const piece of pieces) record(piece, tfjsPath(b), { complete: false, ms: 0, slices: 0, slicesPerUpdate: null, note: why });
    else await onBackend(b);
  }
  return { ...choosePlan(config, options.backends, runs, fused, pieces), calibrationMs: io.now() - started, how: 'measured', fusedJobs: options.fusedAvailable };
}

/** The plan from the measurements: the ops backend with the least total time, each estimator on the faster of fused and ops. */
export function choosePlan(
  config: SessionConfig,
  backends: readonly BackendName[],
  runs: ReadonlyMap<Piece, ReadonlyMap<PathId, TimedRun>>,
  fused: ReadonlySet<EstimatorId>,
  pieces: readonly Piece[],
): Omit<ComputePlan, 'calibrationMs' | 'how' | 'fusedJobs'> {
  // Slices per update are the same work on every tfjs backend: a cut-off run borrows the count from one that finished.
  const slicesPerUpdate = (piece: Piece): number | null => {
    let n: number | null = null;
    runs.get(piece)?.forEach((r, path) => {
      if (path !== 'fused' && r.slicesPerUpdate !== null) n = r.slicesPerUpdate;
    });
    return n;
  };
  const measurement = (piece: Piece, path: PathId): PathMeasurement => {
    const r = runs.get(piece)?.get(path);
    if (!r) return { path, msPerUpdate: null, note: 'not measured' };
    const ms = msPerUpdateOf(r, path === 'fused' ? null : slicesPerUpdate(piece));
    return { path, msPerUpdate: ms, ...(r.note ? { note: r.note } : !r.complete && ms !== null ? { note: 'extrapolated from part of an update' } : {}) };
  };
  const ms = (piece: Piece, path: PathId): number => measurement(piece, path).msPerUpdate ?? Number.POSITIVE_INFINITY;
  // A piece with no figure on any backend (every run failed or was cut) cannot tell backends apart.
  const telling = pieces.filter((piece) => backends.some((b) => Number.isFinite(ms(piece, tfjsPath(b)))));
  const total = (b: BackendName): number =>
    telling.reduce((sum, piece) => {
      const opsMs = ms(piece, tfjsPath(b));
      const here = piece !== 'reference' && fused.has(piece) ? Math.min(ms(piece, 'fused'), opsMs) : opsMs;
      return sum + (piece === 'reference' ? here / REFERENCE_EVERY : here);
    }, 0);
  let ops = backends[0] ?? 'cpu';
  let bestTotal = Number.POSITIVE_INFINITY;
  for (const b of backends) {
    const t = total(b);
    if (t < bestTotal) {
      bestTotal = t;
      ops = b;
    }
  }
  const planOf = (piece: Piece): PiecePlan => {
    const opsPath = tfjsPath(ops);
    const useFused = piece !== 'reference' && fused.has(piece) && ms(piece, 'fused') <= FUSED_PREFERENCE * ms(piece, opsPath);
    const path: PathId = useFused ? 'fused' : opsPath;
    const candidates: PathId[] = [...(piece !== 'reference' && fused.has(piece) ? (['fused'] as PathId[]) : []), ...backends.map(tfjsPath)];
    const figure = measurement(piece, path).msPerUpdate;
    return { piece, path, msPerUpdate: Number.isFinite(figure ?? Number.NaN) ? figure : null, measured: candidates.map((c) => measurement(piece, c)) };
  };
  return {
    ops,
    estimators: config.estimators.map((e) => planOf(e)),
    reference: pieces.includes('reference') ? planOf('reference') : null,
  };
}

/**
 * The plan without measuring: one backend (?backend=, or the only one that started), its
 * fused kernels for the estimators that have them when it is WebGPU.
 */
export function fixedPlan(config: SessionConfig, backend: BackendName, fusedAvailable: boolean, how: 'forced' | 'single'): ComputePlan {
  const fused = new Set(backend === 'webgpu' ? fusedEstimators(config, fusedAvailable) : []);
  const path = (e: EstimatorId): PathId => (fused.has(e) ? 'fused' : tfjsPath(backend));
  return {
    ops: backend,
    estimators: config.estimators.map((e) => ({ piece: e, path: path(e), msPerUpdate: null, measured: [] })),
    reference: referenceRunsOnOps(config, fused.size > 0) ? { piece: 'reference', path: tfjsPath(backend), msPerUpdate: null, measured: [] } : null,
    fusedJobs: backend === 'webgpu' && fusedAvailable,
    calibrationMs: 0,
    how,
  };
}

/** Cache key of a plan: what changes the work's cost (not σ, the learning rate or θ₀). */
export function planKey(config: SessionConfig, backends: readonly BackendName[], fusedAvailable: boolean): string {
  const s = config.settings;
  return JSON.stringify([config.task, [...config.estimators], s.pairs, s.K, s.T, s.R, s.workers, s.burnIn, s.rankShaping, [...backends], fusedAvailable]);
}

/**
 * A plan per configuration, measured once: later sessions of the same work (a reset, a
 * σ or learning-rate change, a replay) reuse it.
 */
export class PlanCache {
  private readonly plans = new Map<string, ComputePlan>();

  get(key: string): ComputePlan | null {
    const p = this.plans.get(key);
    return p ? { ...p, how: p.how === 'measured' ? 'cached' : p.how, calibrationMs: 0 } : null;
  }

  set(key: string, plan: ComputePlan): void {
    this.plans.set(key, plan);
  }

  clear(): void {
    this.plans.clear();
  }
}

/**
 * The reference gradient as calibration work: each "update" is one reference estimate at
 * θ₀ (BPTT through the episode, or a full-ES estimate), as the diagnostics run it.
 */
export function referenceWork(config: SessionConfig, pairs: number): PieceWork {
  const task = createTask(config.task);
  const kind = diagnosticsReferenceFor(config.task);
  const theta = tf.tensor1d([...(config.theta0 ?? task.meta.theta0)]);
  const settings = kind === 'autodiff' ? config.settings : defaultSettings(task, { pairs, T: task.meta.evalSteps, K: task.meta.evalSteps, seed: config.settings.seed });
  const est = estimatorInfo(kind === 'autodiff' ? 'bptt' : 'full-es').create({ task, settings });
  const sigma = kind === 'autodiff' ? 0 : task.meta.defaults.sigma;
  return {
    *update() {
      const { grad, excluded } = yield* est.estimateSlices(theta, sigma);
      grad.dispose();
      excluded?.dispose();
    },
    dispose() {
      est.dispose();
      theta.dispose();
    },
  };
}
