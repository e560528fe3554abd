/**
 * The typed message protocol between the page (main thread) and the engine worker.
 *
 * The worker owns every tensor: the training Session, surface and variance jobs. The
 * page sends commands (`EngineRequest`) and receives plain-data events (`EngineEvent`):
 * frames at ~10–15 Hz, diagnostics every ~20 updates, job progress and results.
 */
import type { EstimatorId, TaskId } from '../core/config';
import type { WorkerTimeline } from '../core/estimators/timeline';
import type { VarianceProtocol, VarianceRow } from '../core/experiments/variance';
import type { PlaygroundConfig, StopCondition } from '../core/playground-config';
import type { EstimatorHealth, GradientDiagnostics, UpdateRecord } from '../core/session';
import type { SigmaSchedule } from '../core/sigma-schedule';
import type { BackendInfo, BackendName } from '../platform/backend-info';
import type { PathId } from './compute-paths';
import type { HealthAdvice } from './health';
import type { SurfaceSlice } from '../core/experiments/slice';

/** idle: built, never stepped; done: the stop condition was reached. */
export type RunStatus = 'idle' | 'running' | 'paused' | 'done';

/** The settings that apply to a running session without rebuilding it. */
export interface LiveSettings {
  sigma: SigmaSchedule;
  lr: number;
  stop: StopCondition;
  /** Outer updates per engine tick (~60 ticks/s at most); below 1, slow motion (cadence.ts: slowMotionRate). */
  speed: number;
}

export function liveSettingsOf(config: PlaygroundConfig): LiveSettings {
  return { sigma: config.sigma, lr: config.lr, stop: config.stop, speed: config.view.speed };
}

export interface SurfaceJobSpec {
  kind: 'surface';
  task: TaskId;
  /** Points per axis. */
  grid: number;
  sigma: number;
  /** Monte-Carlo samples per grid point; 0 computes the raw surface only. */
  samples: number;
  seed: number;
  /** The 2-D slice through θ₀ (core/experiments/slice.ts); the (θ₀, θ₁) plane when absent. */
  slice?: SurfaceSlice;
  /** Only the smoothed grid (the page has the raw one): the fused path then skips the raw unrolls and `raw` comes back empty. */
  smoothedOnly?: boolean;
}

export interface VarianceJobSpec {
  kind: 'variance';
  task: TaskId;
  theta: number[];
  estimators: EstimatorId[];
  truncations: number[];
  pairs: number;
  sigma: number;
  repeats: number;
  protocol: VarianceProtocol;
  seed: number;
  gpesPeriodInTruncations: number;
}

export type JobSpec = SurfaceJobSpec | VarianceJobSpec;

/**
 * A mid-run change of σ or the learning rate, as a pinned link records it: the σ schedule
 * and learning rate that the updates before outer iteration `before` used.
 */
export interface SettingsChange {
  before: number;
  sigma: SigmaSchedule;
  lr: number;
}

/**
 * Replay a shared run from its seed to outer iteration `iteration` (a pinned permalink),
 * applying the sender's σ / learning-rate changes where they happened; the config's own
 * σ and learning rate apply after the last change. See src/engine/replay.ts.
 */
export interface ReplayPlan {
  iteration: number;
  history: SettingsChange[];
}

export type EngineRequest =
  /** `debug` enables fault injection ('debug-lose-device'; the page's ?debug=faults). */
  | { type: 'init'; backend?: BackendName; config: PlaygroundConfig; generation: number; replay?: ReplayPlan; debug?: boolean }
  /** Rebuilds the session from `config`; frames of the new session carry `generation`. */
  | { type: 'reset'; config: PlaygroundConfig; generation: number; keepRunning: boolean; replay?: ReplayPlan }
  /** Stops a replay where it is (the run stays there, paused). */
  | { type: 'replay-cancel' }
  | { type: 'live'; live: LiveSettings }
  | { type: 'play' }
  | { type: 'pause' }
  /** Single outer updates while paused. */
  | { type: 'step'; count: number }
  | { type: 'job'; jobId: number; spec: JobSpec }
  | { type: 'cancel'; jobId: number }
  /** Estimators (all when omitted) back to their last frame with finite θ and loss. */
  | { type: 'rewind'; estimators?: EstimatorId[] }
  /** Fault injection (only after an init with `debug`): destroys the WebGPU device. */
  | { type: 'debug-lose-device' };

export interface EstimatorFrame {
  id: EstimatorId;
  theta: number[];
  grad: number[];
  evalLoss: number;
  innerSteps: number;
  /** A subsample of the particles' parameters, row-major [shown, d] (empty for autodiff). */
  particles: Float32Array;
  /** Particles the estimator really has (2N, or 0 for autodiff). */
  particleCount: number;
  /** Divergence counters: pairs left out, updates skipped, the rewind point. */
  health?: EstimatorHealth;
  /** The task's metric at θ (e.g. MNIST test accuracy), when the task has one (see FrameMessage.metric). */
  metric?: number;
  /** Its first workers' places in their episodes and noise weights (core/estimators/timeline.ts), where the path reports them. */
  timeline?: WorkerTimeline;
}

/** What a task's metric is (Task.metric without its evaluator). */
export interface MetricInfo {
  name: string;
  unit?: string;
  higherIsBetter: boolean;
}

export interface FrameMessage {
  generation: number;
  iteration: number;
  sigma: number;
  lr: number;
  /** Time the engine spent stepping this session (ms), GPU work included. */
  wallMs: number;
  estimators: EstimatorFrame[];
  status: RunStatus;
  /** tf.memory().numTensors in the worker when the frame was taken. */
  numTensors: number;
  /** Surface/variance jobs in flight (their tensors are counted in numTensors). */
  jobsRunning: number;
  /** Outer updates per second over the last second or so. */
  updatesPerSecond: number;
  /** How the session computes: fused WGSL kernels (WebGPU), tfjs op by op, or some estimators each way (see the 'plan' event). */
  path?: 'fused' | 'ops' | 'mixed';
  /** The task's metric, when it has one: each estimator's value is EstimatorFrame.metric. */
  metric?: MetricInfo;
  /**
   * θ and the evaluation loss after the updates between the previous frame and this one
   * (every update, or evenly spaced ones when they come faster than a frame can carry;
   * none on tasks whose evaluation is too costly), oldest first.
   */
  history?: UpdateRecord[];
}

export type SurfaceJobResult = {
  kind: 'surface';
  x: number[];
  y: number[] | null;
  raw: number[];
  smoothed: number[] | null;
  sigma: number;
  samples: number;
  seed: number;
};

export type VarianceJobResult = {
  kind: 'variance';
  rows: VarianceRow[];
  reference: number[];
  referenceKind: 'exact' | 'full-es';
  referencePairs: number;
  /**
   * The reference's own error E‖g_ref − g‖² (0 when exact), already subtracted from every
   * row's normalized error (see src/core/experiments/variance.ts); absent on a cancelled job.
   */
  referenceVariance?: number;
  protocol: VarianceProtocol;
  T: number;
};

export type JobResult = SurfaceJobResult | VarianceJobResult;

/** Each estimator's compute path and its measured speed (src/engine/compute-paths.ts), as the page shows and exports it. */
export interface PlanSummary {
  /** The tfjs backend every op-by-op piece of the session runs on. */
  ops: BackendName;
  /** measured now, reused (cached), or fixed by ?backend= (forced) / a single candidate. */
  how: 'measured' | 'cached' | 'forced' | 'single';
  calibrationMs: number;
  estimators: {
    id: EstimatorId;
    path: PathId;
    /** Measured when the session was built (null: not measured, e.g. ?backend= chose). */
    updatesPerSecond: number | null;
    /** Every candidate path as measured (empty when nothing was). */
    measured: { path: PathId; updatesPerSecond: number | null; note?: string }[];
  }[];
  /** Where the task's landscape (σ-smoothed surface) jobs run: its fused kernel, or tfjs on `ops`. */
  surfacePath: PathId;
  /** The gradient-quality reference when it runs op by op, with every backend as measured. */
  reference: { path: PathId; msPerEstimate: number | null; measured: { path: PathId; msPerEstimate: number | null; note?: string }[] } | null;
}

export type EngineEvent =
  | { type: 'ready'; backend: BackendInfo }
  /** The compute plan of the session of `generation` (sent before its first frame). */
  | { type: 'plan'; generation: number; plan: PlanSummary }
  /**
   * The backend stopped working mid-run (its GPU device was lost): the engine switched to
   * `backend` and rebuilt the run from the last frame's θ and optimizer state (`iteration`).
   */
  | { type: 'backend-changed'; generation: number; backend: BackendInfo; reason: string; iteration: number }
  /** The engine cannot run at all (no backend, worker failed to load). */
  | { type: 'fatal'; message: string }
  | { type: 'frame'; frame: FrameMessage }
  | { type: 'status'; generation: number; status: RunStatus; reason?: string }
  /** Estimators whose θ or evaluation loss became NaN/Inf; the run is paused. */
  | { type: 'diverged'; generation: number; iteration: number; estimators: EstimatorId[] }
  | { type: 'diagnostics'; generation: number; iteration: number; reference: 'autodiff' | 'es'; rows: GradientDiagnostics[] }
  /** The current warnings (σ or learning rate too large), whenever they change. */
  | { type: 'health'; generation: number; iteration: number; advice: HealthAdvice[] }
  /** Estimators returned to their last finite θ, and the iteration each went back to. */
  | { type: 'rewound'; generation: number; estimators: { id: EstimatorId; iteration: number }[] }
  /** A run error (the session could not be built or a step threw); the run is paused. */
  | { type: 'error'; generation: number; message: string }
  | { type: 'job-progress'; jobId: number; done: number; total: number }
  | { type: 'job-result'; jobId: number; result: JobResult; cancelled: boolean }
  | { type: 'job-error'; jobId: number; message: string }
  /** Progress of a replay to a pinned iteration (at most ~10 per second, and when it ends). */
  | { type: 'replay'; generation: number; done: number; total: number; state: 'running' | 'finished' | 'cancelled' }
  /**
   * This generation's mid-run σ / learning-rate changes so far, whenever they change;
   * `complete` false once there were too many to keep (such a run cannot be pinned).
   */
  | { type: 'history'; generation: number; history: SettingsChange[]; complete: boolean };

/** Posts an event, transferring large buffers instead of copying them. */
export type PostEvent = (event: EngineEvent, transfer?: Transferable[]) => void;
