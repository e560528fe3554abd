/**
 * The playground controller: the only code that talks to the engine. It turns user
 * actions into engine requests and engine events into store updates, and owns the
 * landscape's two-speed smoothing:
 *
 *  1. the raw grid L(θ) is computed once per task by the engine and cached here;
 *  2. whenever σ changes (slider or schedule), the smoothed panel is redrawn at once from
 *     a Gaussian blur of the raw grid (blur.ts, main thread, < 1 ms);
 *  3. at once (no waiting for the drag to stop), the engine refines it with Monte-Carlo
 *     samples of L(θ + σz) only (the raw grid is cached), in stages whose running mean
 *     replaces the blur: a small first stage sized to land within ~100 ms on the fused
 *     path, then larger ones in the background. Latest σ wins: a newer σ cancels the
 *     in-flight job, its answer is dropped, and at most one refinement job is in the
 *     engine at a time (the next σ's job is sent once the cancelled one has answered),
 *     so a drag never builds a queue.
 *
 * σ changes made by the σ schedule while a run plays (every frame) wait for the schedule
 * to settle (SCHEDULE_SETTLE_MS) before refining; the blur follows them at once.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { EstimatorId, TaskId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { defaultSlice, sliceIssue, sliceKey, type SurfaceSlice } from '../core/experiments/slice';
import type { PlaygroundConfig } from '../core/playground-config';
import { sigmaAt } from '../core/sigma-schedule';
import { stepCostOf } from '../core/task';
import { TASK_VIEWS } from '../content/task-views';
import type { EngineConnection } from '../engine/client';
import type { HealthAdvice } from '../engine/health';
import type { EngineEvent, JobResult, ReplayPlan, SurfaceJobResult } from '../engine/protocol';
import { liveSettingsOf } from '../engine/protocol';
import { historyStoppedAt } from '../engine/replay';
import type { LinkContext, PinnedPoint } from '../permalink/types';
import { PERMALINK_LIMITS } from '../permalink/types';
import type { BackendName } from '../platform/backend-info';
import { approximateSmoothedSurface } from './blur';
import { type ConfigState, presetOfLink } from './config-store';
import {
  addNotice,
  type Notice,
  applyDiagnostics,
  applyFrame,
  beginGeneration,
  markDiverged,
  markRewound,
  type SimState,
  type SurfaceState,
} from './sim-store';
import { landscapeTaskMeta, taskMeta } from './task-meta';
import { configIssues, truncationChoices } from './validation';

export interface VarianceSetup {
  /** The task's own episode length (the variance figure uses it, whatever T the run uses). */
  T: number;
  truncations: number[];
  /** ES estimators measured; autodiff ones are skipped (deterministic: zero variance). */
  estimators: PlaygroundConfig['estimators'];
  skipped: PlaygroundConfig['estimators'];
  theta: number[];
}

/** Which J values, estimators and θ a variance measurement of a config uses. */
export function varianceSetupOf(config: PlaygroundConfig): VarianceSetup {
  const meta = taskMeta(config.task);
  const T = meta.defaults.T;
  return {
    T,
    truncations: truncationChoices(T),
    estimators: config.estimators.filter((e) => !estimatorInfo(e).autodiff),
    skipped: config.estimators.filter((e) => estimatorInfo(e).autodiff),
    theta: config.theta0 ? [...config.theta0] : [...meta.theta0],
  };
}

/**
 * Inner steps (grid points × samples × unroll length) the Monte-Carlo refinement may
 * spend per σ: small on CPU-class backends (CPU, software WebGPU), where 64 samples of a
 * 40×40 grid of 100-step unrolls would take most of a minute, large on a real GPU.
 */
export const REFINE_BUDGET = { cpu: 2 ** 22, gpu: 2 ** 27 } as const;

/**
 * Inner steps the first refinement stage may take, so it lands within ~100 ms with the
 * page's redraw: the fused path runs ~1e7 (software WebGPU on two busy cores) to ~1e8
 * inner steps/s, so 2^20 steps take 10–100 ms (a 40×40 grid of 100-step unrolls is
 * 1.6e5 steps per sample: 6 samples). The CPU backend is ~100× slower: its first stage
 * is as small as it can be (one sample) and runs in the engine worker, in row slices,
 * without freezing the page.
 */
export const FIRST_STAGE_BUDGET = { cpu: 2 ** 17, gpu: 2 ** 20 } as const;

/**
 * The refinement stages for one σ: the task's stages, with the first one cut to what fits
 * `firstBudget` (at least one ± pair; the rest of it follows as a stage or joins the
 * next one), all within the total budget (`refineStagesWithin`). Samples come in
 * antithetic pairs (surface.ts), so every stage is a whole number of pairs: planned in
 * pairs, returned in samples.
 */
export function refinePlan(stages: readonly number[], pointsTimesSteps: number, firstBudget: number, budget: number): number[] {
  const pairs = refinePlanUnits(
    stages.map((m) => Math.ceil(m / 2)),
    2 * pointsTimesSteps,
    firstBudget,
    budget,
  );
  return pairs.map((p) => 2 * p);
}

function refinePlanUnits(stages: readonly number[], pointsTimesSteps: number, firstBudget: number, budget: number): number[] {
  const [first, ...rest] = stages;
  if (first === undefined) return [];
  const fits = Math.max(1, Math.floor(firstBudget / Math.max(1, pointsTimesSteps)));
  if (fits >= first) return refineStagesWithin(stages, pointsTimesSteps, budget);
  // The rest of the first stage becomes a stage of its own, or joins the second when that
  // keeps as many samples within the budget (one engine round trip fewer).
  const split = refineStagesWithin([fits, first - fits, ...rest], pointsTimesSteps, budget);
  const [second = 0, ...later] = rest;
  const merged = refineStagesWithin([fits, first - fits + second, ...later], pointsTimesSteps, budget);
  const total = (plan: number[]): number => plan.reduce((a, b) => a + b, 0);
  return total(merged) >= total(split) ? merged : split;
}

/**
 * Inner steps × step cost (TaskMeta.stepCost) the raw landscape grid may take. Every toy
 * grid fits (the largest, Lorenz's 24² points of 2000 steps, is 1.15e6), so only a heavy
 * task's grid shrinks: MNIST's 16² points of 10 steps at ~1,300× a toy step become 12².
 */
export const RAW_GRID_BUDGET = 2 ** 21;
/** The coarsest grid a landscape is drawn on. */
export const MIN_SURFACE_GRID = 8;

/** The grid side for a task's landscape: its view's grid, cut so the raw grid fits RAW_GRID_BUDGET. */
export function surfaceGridFor(grid: number, dims: number, evalSteps: number, stepCost = 1, budget = RAW_GRID_BUDGET): number {
  const perPoint = Math.max(1, evalSteps) * Math.max(1, stepCost);
  const fit = dims >= 2 ? Math.floor(Math.sqrt(budget / perPoint)) : Math.floor(budget / perPoint);
  return Math.min(grid, Math.max(Math.min(grid, MIN_SURFACE_GRID), fit));
}

/** The task's refinement stages that fit the budget (the first stage always runs). */
export function refineStagesWithin(stages: readonly number[], pointsTimesSteps: number, budget: number): number[] {
  const out: number[] = [];
  let total = 0;
  for (const m of stages) {
    if (out.length > 0 && (total + m) * pointsTimesSteps > budget) break;
    out.push(m);
    total += m;
  }
  return out;
}

/**
 * Whether the Monte-Carlo refinement runs at all: always for toy tasks (stepCost 1), and on
 * a real GPU; on a CPU-class backend a heavy task refines only when one ± pair of samples
 * fits the first-stage budget. Measured: MNIST's one sample (12² points × 10 steps) held software
 * WebGPU for over 100 s with no session update in between; the blur approximation stays.
 */
export function refinesOn(perSample: number, stepCost: number, cpuClass: boolean): boolean {
  return !cpuClass || stepCost <= 1 || 2 * perSample <= FIRST_STAGE_BUDGET.gpu;
}

/** The landscape grid side of a task (see `surfaceGridFor`). */
function surfaceGridOf(task: TaskId): number {
  const meta = landscapeTaskMeta(task);
  return surfaceGridFor(TASK_VIEWS[task].grid, meta.theta0.length, meta.evalSteps, stepCostOf(meta));
}

/** A pinned link's replay plan for the engine (see src/engine/replay.ts). */
function replayPlanOf(pin: PinnedPoint | undefined): ReplayPlan | undefined {
  return pin && pin.iteration > 0 ? { iteration: pin.iteration, history: [...(pin.history ?? [])] } : undefined;
}

/** What "share this iteration" can link to: a pinned point, or why the run cannot be pinned. */
export type PinOfRun = { ok: true; config: PlaygroundConfig; pin: PinnedPoint } | { ok: false; reason: string };

/**
 * The link that reopens the run at the iteration on screen: the running session's config
 * (fields waiting for a reset are not part of the run), with the live σ / learning rate /
 * stop / view, and the σ / learning-rate changes made on the way (replay.ts).
 */
export function pinOfRun(
  current: PlaygroundConfig,
  applied: PlaygroundConfig,
  sim: Pick<SimState, 'iteration' | 'hasFrame' | 'runHistory' | 'replay'> & Partial<Pick<SimState, 'notReplayable'>>,
): PinOfRun {
  if (!sim.hasFrame || sim.iteration <= 0) return { ok: false, reason: 'the run is at iteration 0 (a link to the configuration opens there)' };
  if (sim.replay?.state === 'running') return { ok: false, reason: 'a shared run is still being replayed' };
  if (sim.notReplayable) return { ok: false, reason: sim.notReplayable };
  if (!sim.runHistory.complete) return { ok: false, reason: 'σ or the learning rate changed too often during this run to be replayed' };
  const config: PlaygroundConfig = { ...applied, sigma: current.sigma, lr: current.lr, stop: current.stop, view: current.view };
  const now = { sigma: current.sigma, lr: current.lr };
  const history = [...historyStoppedAt(sim.runHistory.changes, sim.iteration, now, now)];
  if (history.length > PERMALINK_LIMITS.history.max) {
    return { ok: false, reason: `σ or the learning rate changed ${history.length} times during this run; a link carries at most ${PERMALINK_LIMITS.history.max}` };
  }
  return { ok: true, config, pin: history.length > 0 ? { iteration: sim.iteration, history } : { iteration: sim.iteration } };
}

/**
 * σ changes made by the σ schedule during a run (a new σ every frame) are refined once σ
 * has been still this long; the user's σ changes are refined at once.
 */
export const SCHEDULE_SETTLE_MS = 350;
/** How long a superseded refinement job may take to answer its cancel before the next σ's job is sent anyway. */
export const SUPERSEDE_WAIT_MS = 2000;

type Timer = ReturnType<typeof setTimeout>;

export interface ControllerOptions {
  requestedBackend?: BackendName;
  setTimer?: (fn: () => void, ms: number) => Timer;
  clearTimer?: (timer: Timer) => void;
}

interface RawGrid {
  x: number[];
  y: number[] | null;
  raw: number[];
}

interface Refinement {
  jobId: number;
  task: TaskId;
  stages: number[];
  sigma: number;
  stage: number;
  sum: Float64Array | null;
  samples: number;
}

export class PlaygroundController {
  private generation = 0;
  private started = false;
  private readonly unsubscribe: (() => void)[] = [];
  private lastLiveKey = '';
  /** Raw grids by task and slice (`task|sliceKey`). */
  private readonly rawCache = new Map<string, RawGrid>();
  private rawJob: { jobId: number; task: TaskId; key: string } | null = null;
  /** The landscape slice the user picked per task (defaultSlice otherwise). */
  private readonly sliceChoice = new Map<TaskId, SurfaceSlice>();
  private refinement: Refinement | null = null;
  /** A cancelled refinement job the engine has not answered yet (the next one waits for it). */
  private supersededJob: number | null = null;
  private refineTimer: Timer | null = null;
  private supersedeTimer: Timer | null = null;
  private varianceJobId: number | null = null;
  private readonly setTimer: (fn: () => void, ms: number) => Timer;
  private readonly clearTimer: (timer: Timer) => void;

  constructor(
    private readonly engine: EngineConnection,
    readonly configStore: StoreApi<ConfigState>,
    readonly simStore: StoreApi<SimState>,
    private readonly options: ControllerOptions = {},
  ) {
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
  }

  /**
   * Connects to the engine and builds the first session from the store's config; a pinned
   * link's session is replayed from the seed to its iteration.
   */
  start(pin?: PinnedPoint): void {
    if (this.started) return;
    this.started = true;
    const { config } = this.configStore.getState();
    this.lastLiveKey = JSON.stringify(liveSettingsOf(config));
    this.configStore.getState().markApplied();
    this.unsubscribe.push(this.engine.subscribe((e) => this.onEvent(e)));
    this.unsubscribe.push(this.configStore.subscribe((state, previous) => this.onConfigChange(state.config, previous.config)));
    this.generation = 1;
    this.simStore.setState((s) => beginGeneration(s, this.generation, config.task));
    const replay = replayPlanOf(pin);
    this.engine.send({
      type: 'init',
      config,
      generation: this.generation,
      ...(this.options.requestedBackend ? { backend: this.options.requestedBackend } : {}),
      ...(replay ? { replay } : {}),
    });
    this.ensureSurface(config.task);
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.refineTimer) this.clearTimer(this.refineTimer);
    if (this.supersedeTimer) this.clearTimer(this.supersedeTimer);
    this.engine.terminate();
  }

  // ---- run control ----

  play(): void {
    this.engine.send({ type: 'play' });
  }

  pause(): void {
    this.engine.send({ type: 'pause' });
  }

  toggle(): void {
    if (this.simStore.getState().status === 'running') this.pause();
    else this.play();
  }

  step(count = 1): void {
    if (this.simStore.getState().status === 'running') return;
    this.engine.send({ type: 'step', count });
  }

  /** Estimators (all when omitted) back to their last finite θ. */
  rewind(estimators?: EstimatorId[]): void {
    this.engine.send({ type: 'rewind', ...(estimators ? { estimators } : {}) });
  }

  /** Takes a health warning's suggestion: the lower σ (a constant schedule) or learning rate, live. */
  applyAdvice(advice: HealthAdvice): void {
    const state = this.configStore.getState();
    if (advice.cause === 'lr') state.patch({ lr: advice.suggested });
    else state.patch({ sigma: { kind: 'constant', sigma0: advice.suggested } });
  }

  /**
   * Rebuilds the session from the current config. Refused (with a notice) while the
   * config has cross-field problems. A running run keeps running unless told otherwise.
   */
  reset(options: { keepRunning?: boolean; pin?: PinnedPoint } = {}): boolean {
    const { config, applied } = this.configStore.getState();
    const issues = configIssues(config);
    if (issues.length > 0) {
      this.notify('error', `Cannot apply the settings: ${issues.join('; ')}.`);
      return false;
    }
    this.generation += 1;
    this.simStore.setState((s) => beginGeneration(s, this.generation, config.task));
    this.configStore.getState().markApplied();
    this.lastLiveKey = JSON.stringify(liveSettingsOf(config));
    const replay = replayPlanOf(options.pin);
    this.engine.send({ type: 'reset', config, generation: this.generation, keepRunning: options.keepRunning ?? true, ...(replay ? { replay } : {}) });
    if (config.task !== applied.task || this.simStore.getState().surface.raw === null) this.ensureSurface(config.task);
    else this.updateSmoothed();
    if (config.task !== applied.task) this.adviseBackendFor(config.task);
    return true;
  }

  setTask(task: TaskId): void {
    this.configStore.getState().setTask(task);
    this.reset({ keepRunning: false });
  }

  loadPreset(id: string): void {
    this.configStore.getState().loadPreset(id);
    this.reset({ keepRunning: false });
  }

  /**
   * Restarts every estimator from θ₀ = `theta` (a click on the landscape; null: the task's
   * own θ₀). The run keeps playing if it was; the link records θ₀. Refused (false) for a θ
   * of the wrong dimension or with a non-finite coordinate.
   */
  startFrom(theta: readonly number[] | null): boolean {
    const { config } = this.configStore.getState();
    if (theta !== null && (theta.length !== taskMeta(config.task).theta0.length || !theta.every(Number.isFinite))) return false;
    const running = this.simStore.getState().status === 'running';
    this.configStore.getState().patch({ theta0: theta === null ? null : [...theta] });
    return this.reset({ keepRunning: running });
  }

  /** A config from outside (a permalink, an imported file): replace and rebuild, replayed to its pin if it has one. */
  applyExternalConfig(config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): void {
    const { presetId, lesson, warning } = presetOfLink(context);
    if (warning) this.notify('warning', warning);
    this.configStore.getState().replace(config, presetId, lesson);
    if (this.started) this.reset({ keepRunning: false, ...(pin ? { pin } : {}) });
  }

  /** Stops a replay to a pinned iteration where it is (the run stays there, paused). */
  cancelReplay(): void {
    if (this.simStore.getState().replay?.state === 'running') this.engine.send({ type: 'replay-cancel' });
  }

  /** The current run as a pinned link, or why it cannot be pinned. */
  pinOfRun(): PinOfRun {
    const { config, applied } = this.configStore.getState();
    return pinOfRun(config, applied, this.simStore.getState());
  }

  notify(kind: 'error' | 'warning' | 'info', text: string, action?: Notice['action']): void {
    this.simStore.setState((s) => addNotice(s, kind, text, action));
  }

  /**
   * A heavy task (TaskMeta.stepCost > 1: MNIST) on software WebGPU that the user pinned
   * there with ?backend=webgpu: say that this is the slow path here and offer to reopen the
   * experiment without ?backend=, where the engine measures every path and picks the
   * fastest (WebAssembly on such a machine). Measured with the MNIST preset on SwiftShader,
   * tfjs op by op: updates ~0.2 s, frames 7–17 s, the first gradient diagnostics (the
   * backprop reference) 132 s. Without ?backend= nothing needs saying: the plan is measured.
   */
  private adviseBackendFor(task: TaskId): void {
    const backend = this.simStore.getState().engine.backend;
    if (this.options.requestedBackend !== 'webgpu' || backend?.label !== 'WebGPU (software)') return;
    const meta = taskMeta(task);
    if (stepCostOf(meta) <= 1) return;
    this.notify(
      'warning',
      `${meta.title} is slow on software WebGPU (this browser found no GPU, so WebGPU runs on the CPU through SwiftShader): its frames take seconds and the first gradient diagnostics minutes. Without ?backend=webgpu the engine times every backend here and runs each piece of work on the fastest.`,
      { kind: 'reopen-on-backend', backend: null, label: 'Reopen with measured paths' },
    );
  }

  dismissNotice(id: number): void {
    this.simStore.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
  }

  // ---- variance against J ----

  measureVariance(repeats: number): void {
    const { applied, config } = this.configStore.getState();
    const setup = varianceSetupOf(applied);
    if (setup.truncations.length < 2) {
      this.notify('warning', `The variance figure needs an episode that can be cut into several truncations (this task has T = ${setup.T}).`);
      return;
    }
    if (setup.estimators.length === 0) {
      this.notify('warning', 'Select an ES estimator: autodiff estimators are deterministic (zero variance).');
      return;
    }
    this.cancelVariance();
    const jobId = this.engine.nextJobId();
    this.varianceJobId = jobId;
    this.simStore.setState({ variance: { status: 'running', progress: 0, result: null, task: applied.task, error: null } });
    this.engine.send({
      type: 'job',
      jobId,
      spec: {
        kind: 'variance',
        task: applied.task,
        theta: setup.theta,
        estimators: setup.estimators,
        truncations: setup.truncations,
        pairs: applied.pairs,
        sigma: this.smoothingSigma(),
        repeats,
        protocol: config.view.varianceProtocol,
        seed: applied.seed,
        gpesPeriodInTruncations: Math.max(1, Math.round(applied.R / applied.K)),
      },
    });
  }

  cancelVariance(): void {
    if (this.varianceJobId === null) return;
    this.engine.send({ type: 'cancel', jobId: this.varianceJobId });
    this.varianceJobId = null;
    const v = this.simStore.getState().variance;
    if (v.status === 'running') this.simStore.setState({ variance: { ...v, status: 'cancelled' } });
  }

  // ---- landscape ----

  /** σ the smoothed panel shows: the schedule's σ at the current iteration. */
  smoothingSigma(): number {
    return sigmaAt(this.configStore.getState().config.sigma, this.simStore.getState().iteration);
  }

  /** The landscape's 2-D slice for a task: the user's pick, else its (θ₀, θ₁) plane or, above 2-D, random directions. */
  sliceOf(task: TaskId): SurfaceSlice {
    let slice = this.sliceChoice.get(task);
    if (!slice) {
      // Remembered, so the views get the same object every time.
      slice = defaultSlice(taskMeta(task).theta0.length);
      this.sliceChoice.set(task, slice);
    }
    return slice;
  }

  /** Shows the landscape of the current task on another slice; returns why not, if it cannot. */
  setLandscapeSlice(slice: SurfaceSlice): string | null {
    const task = this.configStore.getState().applied.task;
    const issue = sliceIssue(slice, taskMeta(task).theta0.length);
    if (issue) return issue;
    this.sliceChoice.set(task, slice);
    this.ensureSurface(task);
    return null;
  }

  private ensureSurface(task: TaskId): void {
    this.cancelRefinement();
    const slice = this.sliceOf(task);
    const key = `${task}|${sliceKey(slice)}`;
    if (this.rawJob && this.rawJob.key !== key) {
      this.engine.send({ type: 'cancel', jobId: this.rawJob.jobId });
      this.rawJob = null;
    }
    const cached = this.rawCache.get(key);
    if (cached) {
      this.setSurface({ task, slice, ...cached, rawStatus: 'ready', rawProgress: 1, smoothed: null, refining: false, refineProgress: 0, error: null });
      this.updateSmoothed();
      return;
    }
    if (this.rawJob?.key === key) return;
    const jobId = this.engine.nextJobId();
    this.rawJob = { jobId, task, key };
    this.setSurface({ task, slice, x: [], y: null, raw: null, rawStatus: 'computing', rawProgress: 0, smoothed: null, refining: false, refineProgress: 0, error: null });
    this.engine.send({ type: 'job', jobId, spec: { kind: 'surface', task, grid: surfaceGridOf(task), sigma: 0, samples: 0, seed: 1, slice } });
  }

  private setSurface(patch: Partial<SurfaceState>): void {
    this.simStore.setState((s) => ({ surface: { ...s.surface, ...patch } }));
  }

  /**
   * Instant blur at the current σ, then Monte-Carlo refinement: at once for the user's σ
   * changes, once σ has settled for the schedule's (`fromSchedule`).
   */
  private updateSmoothed(fromSchedule = false): void {
    const surface = this.simStore.getState().surface;
    const sigma = this.smoothingSigma();
    if (!surface.raw || surface.task !== this.configStore.getState().applied.task) return;
    if (surface.smoothed && surface.smoothed.sigma === sigma) return;
    const values = approximateSmoothedSurface(surface.raw, surface.x, surface.y, sigma);
    this.cancelRefinement();
    this.setSurface({ smoothed: { sigma, values, source: 'blur', samples: 0 }, refining: false, refineProgress: 0 });
    const task = surface.task as TaskId;
    if (!fromSchedule) {
      this.startRefinement(task, sigma);
      return;
    }
    this.refineTimer = this.setTimer(() => {
      this.refineTimer = null;
      this.startRefinement(task, sigma);
    }, SCHEDULE_SETTLE_MS);
  }

  /** Drops the current refinement; its in-flight job is cancelled and remembered until the engine answers. */
  private cancelRefinement(): void {
    if (this.refineTimer) {
      this.clearTimer(this.refineTimer);
      this.refineTimer = null;
    }
    if (this.refinement) {
      if (this.refinement.jobId >= 0) {
        this.engine.send({ type: 'cancel', jobId: this.refinement.jobId });
        this.supersededJob = this.refinement.jobId;
      }
      this.refinement = null;
      this.setSurface({ refining: false });
    }
  }

  /** Forgets a superseded job (answered, or never will be: the backend changed). */
  private clearSuperseded(): void {
    this.supersededJob = null;
    if (this.supersedeTimer) {
      this.clearTimer(this.supersedeTimer);
      this.supersedeTimer = null;
    }
  }

  private startRefinement(task: TaskId, sigma: number): void {
    if (sigma !== this.smoothingSigma()) return;
    const meta = landscapeTaskMeta(task);
    const view = TASK_VIEWS[task];
    const points = surfaceGridOf(task) ** Math.min(2, meta.theta0.length);
    const { cpu, cpuClass } = surfaceBackendClass(this.simStore.getState());
    const perSample = points * meta.evalSteps * stepCostOf(meta);
    if (!refinesOn(perSample, stepCostOf(meta), cpuClass)) {
      // The blur approximation stays on screen (it says so); the session's updates keep the engine.
      this.setSurface({ refining: false, refineProgress: 0 });
      return;
    }
    const stages = refinePlan(view.refineStages, perSample, cpu ? FIRST_STAGE_BUDGET.cpu : FIRST_STAGE_BUDGET.gpu, cpuClass ? REFINE_BUDGET.cpu : REFINE_BUDGET.gpu);
    this.refinement = { jobId: -1, task, stages, sigma, stage: -1, sum: null, samples: 0 };
    this.setSurface({ refining: true, refineProgress: 0 });
    if (this.supersededJob === null) {
      this.nextRefinementStage();
      return;
    }
    // One refinement job in the engine at a time: this one goes when the cancelled one answers.
    if (!this.supersedeTimer) {
      this.supersedeTimer = this.setTimer(() => {
        this.supersedeTimer = null;
        this.clearSuperseded();
        if (this.refinement?.jobId === -1) this.nextRefinementStage();
      }, SUPERSEDE_WAIT_MS);
    }
  }

  private nextRefinementStage(): void {
    const r = this.refinement;
    if (!r) return;
    const stage = r.stage + 1;
    const samples = r.stages[stage];
    if (samples === undefined) {
      this.refinement = null;
      this.setSurface({ refining: false, refineProgress: 1 });
      return;
    }
    const jobId = this.engine.nextJobId();
    this.refinement = { ...r, jobId, stage };
    this.setSurface({ refining: true, refineProgress: 0 });
    // A different seed per stage: the stages' samples are independent, so their running mean is a valid Monte-Carlo estimate.
    const seed = (this.configStore.getState().applied.seed * 7919 + 104_729 * (stage + 1)) >>> 0;
    this.engine.send({
      type: 'job',
      jobId,
      spec: { kind: 'surface', task: r.task, grid: surfaceGridOf(r.task), sigma: r.sigma, samples, seed, slice: this.sliceOf(r.task), smoothedOnly: true },
    });
  }

  private onRefinementResult(result: SurfaceJobResult): void {
    const r = this.refinement;
    if (!r || !result.smoothed) return;
    const sum = r.sum ?? new Float64Array(result.smoothed.length);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + (result.smoothed[i] ?? 0) * result.samples;
    const samples = r.samples + result.samples;
    this.refinement = { ...r, sum, samples };
    const values = Array.from(sum, (v) => v / samples);
    this.setSurface({ smoothed: { sigma: r.sigma, values, source: 'monte-carlo', samples } });
    this.nextRefinementStage();
  }

  // ---- engine events ----

  private onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'ready': {
        this.simStore.setState({ engine: { phase: 'ready', backend: e.backend, fatal: null } });
        if (this.options.requestedBackend && e.backend.name !== this.options.requestedBackend && e.backend.fallbackReason) {
          this.notify('warning', `Using ${e.backend.label} instead of ${this.options.requestedBackend}: ${e.backend.fallbackReason}`);
        } else if (!this.options.requestedBackend && e.backend.name !== 'webgpu' && e.backend.fallbackReason) {
          this.notify('warning', `WebGPU is not available here, so the playground runs on ${e.backend.label} (slower): ${e.backend.fallbackReason}`);
        }
        this.adviseBackendFor(this.configStore.getState().applied.task);
        return;
      }
      case 'fatal':
        this.simStore.setState((s) => ({ engine: { ...s.engine, phase: 'failed', fatal: e.message } }));
        return;
      case 'plan':
        if (e.generation === this.generation) this.simStore.setState({ plan: e.plan });
        return;
      case 'backend-changed':
        this.simStore.setState((s) => ({ engine: { ...s.engine, backend: e.backend } }));
        // Fresh particles on another backend: a replay from the seed would not reach this run's θ.
        if (e.generation === this.generation) this.simStore.setState({ notReplayable: `the run switched to ${e.backend.label} mid-run with fresh particles (reset to share an iteration of it)` });
        this.notify('warning', `${e.reason[0]?.toUpperCase() ?? ''}${e.reason.slice(1)}. Switched to ${e.backend.label}; the run continues from iteration ${e.iteration} (fresh particles).`);
        // Surface jobs on the lost device will never finish: ask again on the new backend.
        this.rawJob = null;
        this.clearSuperseded();
        this.ensureSurface(this.configStore.getState().applied.task);
        return;
      case 'frame': {
        const before = this.simStore.getState().iteration;
        this.simStore.setState((s) => applyFrame(s, e.frame));
        if (e.frame.generation === this.generation && e.frame.iteration !== before) this.updateSmoothed(true);
        return;
      }
      case 'status':
        if (e.generation !== this.generation) return;
        this.simStore.setState({ status: e.status, statusReason: e.reason ?? null });
        return;
      case 'diverged':
        this.simStore.setState((s) => markDiverged(s, e.generation, e.estimators));
        if (e.generation === this.generation) {
          const names = e.estimators.map((id) => estimatorInfo(id).title).join(', ');
          this.notify('error', `${names} diverged at iteration ${e.iteration} (loss or θ became NaN/Inf); the run is paused. Lower the learning rate or σ (see the health line under the training curves), then rewind to the last finite θ or reset.`);
        }
        return;
      case 'health':
        if (e.generation === this.generation) this.simStore.setState({ advice: e.advice });
        return;
      case 'rewound':
        this.simStore.setState((s) => markRewound(s, e.generation, e.estimators.map((b) => b.id)));
        if (e.generation === this.generation && e.estimators.length > 0) {
          this.notify('info', `Rewound ${e.estimators.map((b) => `${estimatorInfo(b.id).title} to iteration ${b.iteration}`).join(', ')} (the last frame with a finite θ and loss).`);
        }
        return;
      case 'diagnostics':
        this.simStore.setState((s) => applyDiagnostics(s, e.generation, e.iteration, e.reference, e.rows));
        return;
      case 'replay':
        if (e.generation === this.generation) this.simStore.setState({ replay: { done: e.done, total: e.total, state: e.state } });
        return;
      case 'history':
        if (e.generation === this.generation) this.simStore.setState({ runHistory: { changes: e.history, complete: e.complete } });
        return;
      case 'error':
        if (e.generation !== this.generation && e.generation !== -1) return;
        this.notify('error', e.message);
        return;
      case 'job-progress':
        this.onJobProgress(e.jobId, e.total > 0 ? e.done / e.total : 0);
        return;
      case 'job-result':
        this.onJobResult(e.jobId, e.result, e.cancelled);
        return;
      case 'job-error':
        this.onJobError(e.jobId, e.message);
        return;
    }
  }

  private onJobProgress(jobId: number, fraction: number): void {
    if (this.rawJob?.jobId === jobId) this.setSurface({ rawProgress: fraction });
    else if (this.refinement?.jobId === jobId) this.setSurface({ refineProgress: fraction });
    else if (this.varianceJobId === jobId) this.simStore.setState((s) => ({ variance: { ...s.variance, progress: fraction } }));
  }

  /** The superseded refinement job answered: the latest σ's job, if waiting, goes now. */
  private onSupersededAnswered(jobId: number): boolean {
    if (this.supersededJob !== jobId) return false;
    this.clearSuperseded();
    if (this.refinement?.jobId === -1) this.nextRefinementStage();
    return true;
  }

  private onJobResult(jobId: number, result: JobResult, cancelled: boolean): void {
    if (this.onSupersededAnswered(jobId)) return;
    if (this.rawJob?.jobId === jobId && result.kind === 'surface') {
      const { task, key } = this.rawJob;
      this.rawJob = null;
      if (cancelled) return;
      const grid: RawGrid = { x: result.x, y: result.y, raw: result.raw };
      this.rawCache.set(key, grid);
      if (this.simStore.getState().surface.task === task) {
        this.setSurface({ ...grid, rawStatus: 'ready', rawProgress: 1, smoothed: null });
        this.updateSmoothed();
      }
      return;
    }
    if (this.refinement?.jobId === jobId && result.kind === 'surface') {
      if (!cancelled) this.onRefinementResult(result);
      return;
    }
    if (this.varianceJobId === jobId && result.kind === 'variance') {
      this.varianceJobId = null;
      this.simStore.setState((s) => ({ variance: { ...s.variance, status: cancelled ? 'cancelled' : 'done', progress: 1, result } }));
    }
  }

  private onJobError(jobId: number, message: string): void {
    if (this.onSupersededAnswered(jobId)) return;
    if (this.rawJob?.jobId === jobId) {
      this.rawJob = null;
      this.setSurface({ rawStatus: 'error', error: message });
    } else if (this.refinement?.jobId === jobId) {
      this.refinement = null;
      this.setSurface({ refining: false, error: `Monte-Carlo refinement failed: ${message}` });
    } else if (this.varianceJobId === jobId) {
      this.varianceJobId = null;
      this.simStore.setState((s) => ({ variance: { ...s.variance, status: 'error', error: message } }));
    }
  }

  // ---- config changes ----

  private onConfigChange(config: PlaygroundConfig, previous: PlaygroundConfig): void {
    const liveKey = JSON.stringify(liveSettingsOf(config));
    if (liveKey !== this.lastLiveKey) {
      this.lastLiveKey = liveKey;
      this.engine.send({ type: 'live', live: liveSettingsOf(config) });
    }
    if (config.sigma !== previous.sigma) this.updateSmoothed();
  }
}

/**
 * How the landscape's Monte-Carlo stages are budgeted: by where the engine runs this task's
 * surface jobs (its plan's surfacePath) — tfjs on a CPU-class backend (wasm, cpu) is 'cpu';
 * the fused kernels or tfjs on software WebGPU are CPU-class too (SwiftShader runs on the
 * CPU) — and by the device backend before the first plan arrives.
 */
export function surfaceBackendClass(state: Pick<SimState, 'engine' | 'plan'>): { cpu: boolean; cpuClass: boolean } {
  const backend = state.engine.backend;
  const software = backend?.label === 'WebGPU (software)';
  const path = state.plan?.surfacePath;
  if (path) {
    const cpu = path === 'tfjs-cpu' || path === 'tfjs-wasm';
    return { cpu, cpuClass: cpu || software };
  }
  const cpu = !backend || backend.name === 'cpu' || backend.name === 'wasm';
  return { cpu, cpuClass: cpu || software };
}

