/**
 * Simulation state as the page sees it: engine status, the latest frame, bounded
 * histories for the curves and trails, the landscape grids, variance results and
 * notices. Written only by the controller (from engine events); read by the views.
 * Heavy state (populations, inner states) never leaves the engine.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EstimatorId, TaskId } from '../core/config';
import type { WorkerTimeline } from '../core/estimators/timeline';
import type { EstimatorHealth, GradientDiagnostics } from '../core/session';
import type { HealthAdvice } from '../engine/health';
import type { FrameMessage, MetricInfo, PlanSummary, RunStatus, SettingsChange, VarianceJobResult } from '../engine/protocol';
import type { BackendInfo, BackendName } from '../platform/backend-info';
import { appendBounded, appendDecimated } from './history';
import type { SurfaceSlice } from '../core/experiments/slice';

/**
 * Points kept per curve, per trail and for σ/lr. Curves and trails get a point at every
 * update (FrameMessage.history): the latest half of them stay at every update, older
 * stretches are thinned the more the older they are (history.ts: appendDecimated).
 */
export const CURVE_CAP = 1000;
export const TRAIL_CAP = 600;

export interface EstimatorLive {
  id: EstimatorId;
  theta: number[];
  grad: number[];
  evalLoss: number;
  innerSteps: number;
  particles: Float32Array;
  particleCount: number;
  diverged: boolean;
  /** Divergence counters (pairs left out, updates skipped, rewind point). */
  health?: EstimatorHealth;
  /** The task's metric at θ (e.g. MNIST test accuracy), when it has one. */
  metric?: number;
  /** Its first workers' places in their episodes and noise weights (the worker timeline), where the engine reports them. */
  timeline?: WorkerTimeline;
}

export interface CurvePoint {
  iteration: number;
  innerSteps: number;
  wallMs: number;
  loss: number;
  /** The task's metric at θ, when it has one (SimState.metric says what it is). */
  metric?: number;
}

export interface SchedulePoint {
  iteration: number;
  sigma: number;
  lr: number;
}

export interface DiagnosticsPoint {
  iteration: number;
  cosine: number;
  normRatio: number;
}

export type SurfaceSource = 'blur' | 'monte-carlo';

export interface SmoothedSurface {
  sigma: number;
  values: number[];
  source: SurfaceSource;
  /** Monte-Carlo samples per point behind `values` (0 for the blur). */
  samples: number;
}

export interface SurfaceState {
  task: TaskId | null;
  /** The 2-D slice through θ₀ the grid is drawn on (null before the first request). */
  slice: SurfaceSlice | null;
  x: number[];
  y: number[] | null;
  raw: number[] | null;
  rawStatus: 'idle' | 'computing' | 'ready' | 'error';
  rawProgress: number;
  smoothed: SmoothedSurface | null;
  refining: boolean;
  refineProgress: number;
  error: string | null;
}

export interface VarianceState {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  progress: number;
  result: VarianceJobResult | null;
  task: TaskId | null;
  error: string | null;
}

export interface Notice {
  id: number;
  kind: 'error' | 'warning' | 'info';
  text: string;
  /** Something the notice offers to do: reopen this experiment on another backend (a page load). */
  /** `backend` null: reopen without ?backend=, so the engine measures every path. */
  action?: { kind: 'reopen-on-backend'; backend: BackendName | null; label: string };
}

/** A replay to a pinned iteration (a pinned permalink), as the engine reports it. */
export interface ReplayState {
  done: number;
  total: number;
  state: 'running' | 'finished' | 'cancelled';
}

export interface EngineState {
  phase: 'starting' | 'ready' | 'failed';
  backend: BackendInfo | null;
  fatal: string | null;
}

export interface SimState {
  engine: EngineState;
  generation: number;
  status: RunStatus;
  statusReason: string | null;
  iteration: number;
  sigma: number;
  lr: number;
  wallMs: number;
  numTensors: number;
  jobsRunning: number;
  updatesPerSecond: number;
  /** Whether a frame of the current generation has arrived. */
  hasFrame: boolean;
  /** How the engine computes the current session (from its frames): fused kernels or op by op. */
  computePath?: 'fused' | 'ops' | 'mixed';
  /** The session's compute plan: each estimator's path and measured speed (the engine's 'plan' event). */
  plan: PlanSummary | null;
  /** The current task's metric (e.g. MNIST test accuracy), from its frames; null or absent when it has none. */
  metric?: MetricInfo | null;
  estimators: EstimatorLive[];
  curves: Partial<Record<EstimatorId, CurvePoint[]>>;
  schedule: SchedulePoint[];
  /** θ path per estimator: whole θ vectors for ≥ 2-D θ (the landscape projects them onto its slice); (θ, L(θ)) for 1-D. */
  trails: Partial<Record<EstimatorId, number[][]>>;
  diagnostics: { reference: 'autodiff' | 'es' | null; series: Partial<Record<EstimatorId, DiagnosticsPoint[]>> };
  surface: SurfaceState;
  variance: VarianceState;
  notices: Notice[];
  /** The current generation's replay to a pinned iteration, if it had one. */
  replay: ReplayState | null;
  /** This run's mid-run σ / learning-rate changes (what a pinned link carries); complete false once the engine stopped recording. */
  runHistory: { changes: SettingsChange[]; complete: boolean };
  /** Why this run cannot be replayed from its seed (a rewind moved θ), or null. */
  notReplayable: string | null;
  /** The engine's current warnings (σ or learning rate too large), one per estimator at most. */
  advice: HealthAdvice[];
}

export const emptySurface: SurfaceState = {
  task: null,
  slice: null,
  x: [],
  y: null,
  raw: null,
  rawStatus: 'idle',
  rawProgress: 0,
  smoothed: null,
  refining: false,
  refineProgress: 0,
  error: null,
};

export const emptyVariance: VarianceState = { status: 'idle', progress: 0, result: null, task: null, error: null };

export function initialSimState(): SimState {
  return {
    engine: { phase: 'starting', backend: null, fatal: null },
    plan: null,
    generation: 0,
    status: 'idle',
    statusReason: null,
    iteration: 0,
    sigma: Number.NaN,
    lr: Number.NaN,
    wallMs: 0,
    numTensors: 0,
    jobsRunning: 0,
    updatesPerSecond: 0,
    hasFrame: false,
    estimators: [],
    curves: {},
    schedule: [],
    trails: {},
    diagnostics: { reference: null, series: {} },
    surface: emptySurface,
    variance: emptyVariance,
    notices: [],
    replay: null,
    runHistory: { changes: [], complete: true },
    notReplayable: null,
    advice: [],
  };
}

/** A new session: everything of the previous run goes; the landscape stays if the task does. */
export function beginGeneration(state: SimState, generation: number, task: TaskId): Partial<SimState> {
  return {
    generation,
    status: 'idle',
    statusReason: null,
    iteration: 0,
    wallMs: 0,
    hasFrame: false,
    estimators: [],
    curves: {},
    schedule: [],
    trails: {},
    diagnostics: { reference: null, series: {} },
    surface: state.surface.task === task ? state.surface : { ...emptySurface, task },
    variance: state.variance.task === task ? state.variance : emptyVariance,
    replay: null,
    runHistory: { changes: [], complete: true },
    notReplayable: null,
    advice: [],
  };
}

/** Folds one engine frame into the state (frames of an older generation are ignored). */
export function applyFrame(state: SimState, frame: FrameMessage): Partial<SimState> {
  if (frame.generation !== state.generation) return {};
  const previous = new Map(state.estimators.map((e) => [e.id, e]));
  const estimators: EstimatorLive[] = frame.estimators.map((e) => ({
    ...e,
    diverged: (previous.get(e.id)?.diverged ?? false) || !Number.isFinite(e.evalLoss) || e.theta.some((v) => !Number.isFinite(v)),
  }));
  // A repeated frame (e.g. after a live change while paused) adds no history point.
  const isNewPoint = !state.hasFrame || frame.iteration !== state.iteration;
  let curves = state.curves;
  let trails = state.trails;
  let schedule = state.schedule;
  if (isNewPoint) {
    curves = { ...state.curves };
    trails = { ...state.trails };
    // The updates recorded since the last frame (after what the page has), then the frame's own.
    const recorded = (frame.history ?? []).filter((r) => !state.hasFrame || r.iteration > state.iteration);
    for (const e of frame.estimators) {
      const curvePoints: CurvePoint[] = [];
      const trailPoints: number[][] = [];
      const add = (iteration: number, wallMs: number, x: { theta: number[]; evalLoss: number; innerSteps: number; metric?: number }): void => {
        curvePoints.push({ iteration, innerSteps: x.innerSteps, wallMs, loss: x.evalLoss, ...(x.metric !== undefined ? { metric: x.metric } : {}) });
        // ≥ 2-D: the path in θ; 1-D: the path on the loss curve, (θ, L(θ)).
        if (x.theta.every((v) => Number.isFinite(v))) trailPoints.push(x.theta.length >= 2 ? [...x.theta] : [x.theta[0] ?? 0, x.evalLoss]);
      };
      for (const r of recorded) {
        const row = r.estimators.find((x) => x.id === e.id);
        if (row) add(r.iteration, r.wallMs, row);
      }
      add(frame.iteration, frame.wallMs, e);
      curves[e.id] = appendDecimated(state.curves[e.id] ?? [], curvePoints, CURVE_CAP);
      if (trailPoints.length > 0) trails[e.id] = appendDecimated(state.trails[e.id] ?? [], trailPoints, TRAIL_CAP);
    }
    schedule = appendBounded(state.schedule, { iteration: frame.iteration, sigma: frame.sigma, lr: frame.lr }, CURVE_CAP);
  } else if (state.schedule.length > 0) {
    // Same iteration, new live σ or learning rate: correct the last point.
    schedule = [...state.schedule.slice(0, -1), { iteration: frame.iteration, sigma: frame.sigma, lr: frame.lr }];
  }
  return {
    hasFrame: true,
    status: frame.status,
    iteration: frame.iteration,
    sigma: frame.sigma,
    lr: frame.lr,
    wallMs: frame.wallMs,
    numTensors: frame.numTensors,
    jobsRunning: frame.jobsRunning,
    updatesPerSecond: frame.updatesPerSecond,
    computePath: frame.path,
    metric: frame.metric ?? null,
    estimators,
    curves,
    trails,
    schedule,
  };
}

export function applyDiagnostics(state: SimState, generation: number, iteration: number, reference: 'autodiff' | 'es', rows: readonly GradientDiagnostics[]): Partial<SimState> {
  if (generation !== state.generation) return {};
  const series = { ...state.diagnostics.series };
  for (const r of rows) {
    series[r.id] = appendBounded(series[r.id] ?? [], { iteration, cosine: r.cosine, normRatio: r.normRatio }, CURVE_CAP);
  }
  return { diagnostics: { reference, series } };
}

export function markDiverged(state: SimState, generation: number, ids: readonly EstimatorId[]): Partial<SimState> {
  if (generation !== state.generation) return {};
  return { estimators: state.estimators.map((e) => (ids.includes(e.id) ? { ...e, diverged: true } : e)) };
}

/** Estimators the engine returned to their last finite θ are no longer marked diverged. */
export function markRewound(state: SimState, generation: number, ids: readonly EstimatorId[]): Partial<SimState> {
  if (generation !== state.generation) return {};
  return {
    estimators: state.estimators.map((e) => (ids.includes(e.id) ? { ...e, diverged: false } : e)),
    // A replay from the seed cannot rewind: a link to a later iteration would not reach this θ.
    ...(ids.length > 0 ? { notReplayable: 'an estimator was rewound to an earlier θ during this run (reset to share an iteration of it)' } : {}),
  };
}

let noticeCounter = 0;

export function addNotice(state: SimState, kind: Notice['kind'], text: string, action?: Notice['action']): Partial<SimState> {
  // The same message twice in a row is shown once.
  if (state.notices.some((n) => n.text === text)) return {};
  noticeCounter += 1;
  return { notices: [...state.notices, { id: noticeCounter, kind, text, ...(action ? { action } : {}) }].slice(-5) };
}

export function createSimStore(): StoreApi<SimState> {
  return createStore<SimState>()(() => initialSimState());
}
