/**
 * The engine: everything that touches tensors, driven by messages. It runs inside the
 * dedicated worker (engine.worker.ts) but has no worker globals of its own, so unit
 * tests drive it directly on the tfjs CPU backend.
 *
 * Concurrency model. JavaScript is single-threaded, but the loop awaits (GPU fences,
 * frame readbacks), so messages arrive between its steps. Everything that touches the
 * Session (ticks, resets, diagnostics) runs through one promise chain (`exclusive`) so a
 * reset can never dispose a session that a frame readback is still reading. Surface and
 * variance jobs never touch the Session: they run concurrently and interleave with the
 * training loop at their own awaits (one batch or one (estimator, J) cell at a time).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, TaskId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { type PlaygroundConfig, sessionConfigOf } from '../core/playground-config';
import { computePathOf, createPlannedSession, type EngineSession, fusedSurfaceFor } from './fused-engine';
import { AbandonedError, TimeSlicedPacer } from '../core/slices';
import { metricValues, stepCostOf, type Task } from '../core/task';
import type { BackendInfo, BackendName } from '../platform/backend-info';
import type { PlanStore } from '../platform/plan-store';
import { messageOf } from './errors';
import { diagnosticsReferenceFor } from './diagnostics-reference';
import { HealthTracker } from './health';
import { configLimitIssues } from './limits';
import { MAX_RECORDED_UPDATES, type SessionConfig, type SessionFrame, type SessionResume } from '../core/session';
import { subsampleParticles } from './particles';
import type { EngineRequest, EstimatorFrame, FrameMessage, LiveSettings, PlanSummary, PostEvent, ReplayPlan, RunStatus, SettingsChange } from './protocol';
import {
  diagnosticsDue,
  frameIntervalMs,
  HOLD_AFTER_MS,
  LOSS_GRACE_MS,
  MAX_PARTICLES_SHOWN,
  PACE_SLICE_MS,
  PROGRESS_INTERVAL_MS,
  RecordingStride,
  recordingCapacity,
  referencePairsFor,
  SLICE_MS,
  slowMotionRate,
  stopReached,
  TICK_MS,
} from './cadence';
import { type ComputePlan, tfjsPath } from './compute-paths';
import { DeviceWatch } from './device-watch';
import { JobRunner } from './jobs';
import { PathSelector } from './path-selector';
import { liveSettingsOf } from './protocol';
import { LIMITS } from '../core/playground-config';
import { checkedPlan, checkpointEvery, historyStoppedAt, MAX_RECORDED_CHANGES, recordChange, settingsAt, type TrajectorySettings } from './replay';

// The pacing and budget helpers are part of the engine's interface (tests, the page's budgets).
export * from './cadence';

export interface EngineStats {
  iteration: number;
  /** Frames posted so far (all generations). */
  frames: number;
  /** tf.memory() at the last frame. */
  numTensors: number;
  numBytes: number;
  /** Bytes of tensor data on the GPU (webgl / webgpu), null on the CPU backend. */
  gpuBytes: number | null;
  /** The worker's JS heap (Chromium's performance.memory), null where unavailable. */
  jsHeapUsed: number | null;
  /** How long the last frame's evaluation + readback took. */
  frameCostMs: number;
  jobs: number;
  backend: BackendName | null;
  status: RunStatus;
}

export interface EngineHostOptions {
  post: PostEvent;
  selectBackend: (requested?: BackendName) => Promise<BackendInfo>;
  now?: () => number;
  /** Runs `fn` after `ms` (0: as soon as pending messages are handled). */
  schedule?: (fn: () => void, ms: number) => void;
  /** Resolves with a reason when the active backend's GPU device is lost (null: no device to lose). */
  watchDeviceLoss?: () => Promise<string> | null;
  /** The next working backend after `lost` (webgpu → webgl → wasm → cpu), among those still `available`. */
  fallbackBackend?: (lost: BackendName, reason: string, available?: readonly BackendName[]) => Promise<BackendInfo>;
  /** Fault injection: destroys the GPU device (only used after an init with `debug`). */
  loseDevice?: () => boolean;
  /** Where measured compute plans are kept across page loads, for the backends that started (none: measured once per page). */
  planStore?: (backend: BackendInfo) => PlanStore | null;
}

/** A replay to a pinned iteration in progress (see replay.ts). */
interface ActiveReplay {
  target: number;
  history: SettingsChange[];
  /** The config's σ and learning rate, in effect after the last change. */
  final: TrajectorySettings;
  /** What the session was last given (an entry of `history` or `final`). */
  applied: TrajectorySettings;
  every: number;
  cancelled: boolean;
  /** Play was pressed during the replay: run on from the target. */
  playAfter: boolean;
  lastProgressAt: number;
}

export class EngineHost {
  private readonly post: PostEvent;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => void;
  private readonly selectBackend: (requested?: BackendName) => Promise<BackendInfo>;

  private backend: BackendInfo | null = null;
  private session: EngineSession | null = null;
  private config: PlaygroundConfig | null = null;
  private generation = 0;
  private status: RunStatus = 'idle';
  private live: LiveSettings | null = null;
  private pendingSteps = 0;
  private diverged = new Set<EstimatorId>();
  /** Slow motion (speed < 1): when the next update may start. */
  private nextSlowUpdateAt = Number.NEGATIVE_INFINITY;
  /** Which updates between frames are recorded for the curves and trails (per session). */
  private recording = new RecordingStride(0);

  private chain: Promise<void> = Promise.resolve();
  private tickScheduled = false;
  private dirty = false;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  private frameCostMs = 0;
  /** When paced session work (a frame, an update) last handed the thread back; jobs then make room for it. */
  private lastPacedYieldAt = Number.NEGATIVE_INFINITY;
  private lastLosses: number[] | null = null;
  private wallMs = 0;
  private rate: { at: number; iteration: number }[] = [];
  private lastDiagIteration = 0;
  /** `wallMs` (stepping time) when the last diagnostics ended. */
  private lastDiagWallMs = 0;
  private lastDiagEndAt = Number.NEGATIVE_INFINITY;
  private diagCostMs = 0;

  private readonly jobs: JobRunner;
  /** Which path runs each piece of work (null until the backends are up). */
  private paths: PathSelector | null = null;
  /** The current session's compute plan. */
  private plan: ComputePlan | null = null;
  /** A calibration in progress (jobs hold still meanwhile: they would skew its timings). */
  private calibrating: Promise<ComputePlan> | null = null;
  private readonly device: DeviceWatch;
  /** This generation's mid-run σ / learning-rate changes (what a pinned link carries). */
  private history: readonly SettingsChange[] = [];
  private historyComplete = true;
  private replay: ActiveReplay | null = null;
  /** Bumped by every reset/dispose message: paced work of the session before is abandoned. */
  private abandonToken = 0;
  /** An outer update is in progress (paced, possibly held mid-update by a pause). */
  private stepping = false;
  /** When the update in progress started (see HOLD_AFTER_MS). */
  private stepStartedAt = 0;
  /** Something queued on the chain needs the session: a held update runs to its end. */
  private finishStep = false;
  private holdWaiters: (() => void)[] = [];
  private readonly options: EngineHostOptions;
  private debug = false;
  /** θ and optimizer state of the last frame: where a run continues on another backend. */
  private lastResume: SessionResume | null = null;
  private lastStats: Omit<EngineStats, 'backend' | 'status'> = { iteration: 0, frames: 0, numTensors: 0, numBytes: 0, gpuBytes: null, jsHeapUsed: null, frameCostMs: 0, jobs: 0 };
  /** Per estimator: its health in the last frame, its loss in the first, its current warning. */
  private readonly health = new HealthTracker();

  constructor(options: EngineHostOptions) {
    this.options = options;
    this.post = options.post;
    this.selectBackend = options.selectBackend;
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.device = new DeviceWatch(options.watchDeviceLoss, this.schedule, (reason) => void this.recoverFromDeviceLoss(reason));
    this.jobs = new JobRunner({
      post: (event, transfer) => this.post(event, transfer),
      now: () => this.now(),
      schedule: (fn, ms) => this.schedule(fn, ms),
      // The init (backends, then the first plan) is at the head of the chain; a calibration holds jobs back.
      ready: async () => {
        while (!this.plan || this.calibrating) await (this.calibrating ?? this.chain).catch(() => undefined);
      },
      plan: () => this.plan,
      running: () => this.status === 'running',
      lastPacedYieldAt: () => this.lastPacedYieldAt,
      epoch: () => this.device.epoch,
      lostWithin: (ms) => this.device.lostWithin(ms),
    });
  }

  /** Entry point for every message from the page. */
  handle(request: EngineRequest): void {
    switch (request.type) {
      case 'init':
        this.abandonPacedWork();
        this.debug = request.debug === true;
        void this.exclusive(() => this.init(request.config, request.generation, request.backend, request.replay));
        return;
      case 'reset':
        this.abandonPacedWork();
        void this.exclusive(() => this.reset(request.config, request.generation, request.keepRunning, request.replay));
        return;
      case 'replay-cancel':
        if (this.replay) this.replay.cancelled = true;
        return;
      case 'live':
        this.applyLive(request.live);
        return;
      case 'play':
        // An update held part-way by a pause goes on where it is (the tick is still running it).
        if (this.stepping && this.status === 'paused' && !this.replay) {
          this.setStatus('running');
          return;
        }
        void this.exclusive(() => this.play());
        return;
      case 'pause':
        // Takes effect before the next tick, without waiting for the chain.
        if (this.status === 'running') this.setStatus('paused');
        if (this.replay) this.replay.playAfter = false;
        this.pendingSteps = 0;
        return;
      case 'step':
        if (this.status === 'running' || this.replay) return;
        this.pendingSteps += Math.max(1, Math.floor(request.count));
        this.wakeHeld();
        this.ensureTick(0);
        return;
      case 'job':
        void this.jobs.run(request.jobId, request.spec);
        return;
      case 'cancel':
        this.jobs.cancel(request.jobId);
        return;
      case 'rewind':
        void this.exclusive(() => this.rewind(request.estimators));
        return;
      case 'debug-lose-device':
        if (!this.debug) {
          this.post({ type: 'error', generation: this.generation, message: 'fault injection is off (open the page with ?debug=faults)' });
          return;
        }
        if (!this.options.loseDevice?.()) this.post({ type: 'error', generation: this.generation, message: 'no GPU device to lose on this backend' });
        return;
    }
  }

  /**
   * Memory and timing at the last frame (for the soak test, through the worker's
   * ?debug=faults hook): taken between updates, so transient tensors are not counted.
   */
  stats(): EngineStats {
    return { ...this.lastStats, backend: this.backend?.name ?? null, status: this.status };
  }

  /** Number of jobs in flight (tests, frames). */
  get jobsRunning(): number {
    return this.jobs.count;
  }

  dispose(): void {
    this.jobs.cancelAll();
    this.abandonPacedWork();
    void this.exclusive(async () => {
      this.session?.dispose();
      this.session = null;
    });
  }

  /** Resolves when every queued session operation has finished (tests). */
  async settled(): Promise<void> {
    let last: Promise<void> | null = null;
    while (last !== this.chain) {
      last = this.chain;
      await last;
    }
  }

  private exclusive(fn: () => Promise<void> | void): Promise<void> {
    // An update held by a pause runs to its end first, so this can see a whole session.
    if (this.stepping) {
      this.finishStep = true;
      this.wakeHeld();
    }
    const epoch = this.device.epoch;
    const run = this.chain.then(fn).catch(async (e: unknown) => {
      // Work of a session that a reset discarded: nothing to report.
      if (e instanceof AbandonedError) return;
      // The device went away under it: the device-loss recovery takes over. A readback on
      // the lost device can fail only after the recovery finished (the loss is no longer
      // pending then), so work queued on an earlier backend is its symptom too.
      if ((await this.device.lostWithin(LOSS_GRACE_MS)) || epoch !== this.device.epoch) return;
      this.status = this.status === 'running' ? 'paused' : this.status;
      this.post({ type: 'error', generation: this.generation, message: messageOf(e) });
    });
    this.chain = run;
    return run;
  }

  private async init(config: PlaygroundConfig, generation: number, requested?: BackendName, replay?: ReplayPlan): Promise<void> {
    try {
      this.backend = await this.selectBackend(requested);
    } catch (e) {
      this.post({ type: 'fatal', message: messageOf(e) });
      return;
    }
    this.paths = new PathSelector(this.backend, { now: this.now, schedule: this.schedule, forced: requested !== undefined, store: this.options.planStore?.(this.backend) ?? null });
    this.post({ type: 'ready', backend: this.backend });
    this.device.watch();
    await this.reset(config, generation, false, replay);
  }

  /**
   * The GPU device is gone: every tensor on it is lost, and work queued on it will fail or
   * never finish. Abandon it all (a fresh chain, not waiting for the old one), switch to the
   * next backend, rebuild the session from the last frame's θ and optimizer state
   * (particles restart), and carry on as before — running if it was running.
   */
  private async recoverFromDeviceLoss(reason: string): Promise<void> {
    const lostBackend = this.backend;
    if (!lostBackend || !this.options.fallbackBackend) return;
    const wasRunning = this.status === 'running' || this.replay?.playAfter === true;
    this.abandonPacedWork();
    this.jobs.cancelAll();
    const old = this.session;
    this.session = null;
    this.replay = null;
    this.pendingSteps = 0;
    this.chain = Promise.resolve();
    try {
      old?.dispose();
    } catch {
      // Its buffers died with the device.
    }
    let next: BackendInfo;
    try {
      next = await this.options.fallbackBackend(lostBackend.name, reason, lostBackend.available);
    } catch (e) {
      this.post({ type: 'fatal', message: `${reason}, and no other backend works: ${messageOf(e)}` });
      return;
    }
    this.backend = next;
    this.paths?.setBackends(next);
    this.device.moved();
    await this.exclusive(async () => {
      const config = this.config;
      const live = this.live;
      if (!config || !live) return;
      const resume = this.lastResume;
      this.session = await this.plannedSession({ ...sessionConfigOf({ ...config, sigma: live.sigma, lr: live.lr }), ...(resume ? { resume } : {}) });
      this.recording = recordingStrideFor(this.session);
      this.diverged = new Set();
      this.health.restartCounters();
      this.post({ type: 'backend-changed', generation: this.generation, backend: next, reason, iteration: this.session.iteration });
      this.status = wasRunning ? 'running' : 'paused';
      this.post({ type: 'status', generation: this.generation, status: this.status });
      await this.postFrame(this.session);
      // That frame compiled the new backend's shaders: not what frames will cost from now on.
      this.frameCostMs = 0;
      if (this.status === 'running') this.ensureTick(0);
    });
  }

  /**
   * The session for `config` on its compute plan (measured on the first session of this
   * work, cached after), with the plan's ops backend made active and the plan posted to
   * the page. A reset arriving meanwhile abandons it (AbandonedError).
   */
  private async plannedSession(config: SessionConfig): Promise<EngineSession> {
    if (!this.paths) throw new Error('the engine has no backends yet');
    const token = this.abandonToken;
    const planning = this.paths.planFor(config, () => token !== this.abandonToken);
    this.calibrating = planning;
    let plan: ComputePlan;
    try {
      plan = await planning;
    } finally {
      if (this.calibrating === planning) this.calibrating = null;
    }
    await this.paths.activate(plan);
    this.plan = plan;
    const session = createPlannedSession(config, plan);
    this.post({ type: 'plan', generation: this.generation, plan: planSummary(plan, session.task) });
    return session;
  }

  private async reset(config: PlaygroundConfig, generation: number, keepRunning: boolean, replay?: ReplayPlan): Promise<void> {
    if (!this.backend) return;
    const outside = configLimitIssues(config);
    if (outside.length > 0) {
      // Whatever sent it, nothing too large to finish is built; the previous run stays.
      this.post({ type: 'error', generation, message: `settings outside the limits: ${outside.join('; ')}` });
      return;
    }
    const wasRunning = this.status === 'running';
    this.session?.dispose();
    this.session = null;
    this.generation = generation;
    this.config = config;
    this.live = liveSettingsOf(config);
    this.pendingSteps = 0;
    this.diverged = new Set();
    this.health.reset();
    this.wallMs = 0;
    this.rate = [];
    this.lastLosses = null;
    this.lastDiagIteration = 0;
    this.lastDiagWallMs = 0;
    this.lastDiagEndAt = Number.NEGATIVE_INFINITY;
    this.diagCostMs = 0;
    this.history = [];
    this.historyComplete = true;
    this.lastResume = null;
    const plan = checkedPlan(replay, LIMITS.iterations.max);
    const final: TrajectorySettings = { sigma: config.sigma, lr: config.lr };
    // A replayed run starts as the sender's did: with the σ and learning rate its first updates used.
    const first = plan ? settingsAt(plan.history, 0, final) : final;
    this.replay = plan
      ? { target: plan.iteration, history: plan.history, final, applied: first, every: checkpointEvery(plan.iteration), cancelled: false, playAfter: false, lastProgressAt: this.now() }
      : null;
    this.session = await this.plannedSession(sessionConfigOf({ ...config, sigma: first.sigma, lr: first.lr }));
    this.recording = recordingStrideFor(this.session);
    this.setStatus(keepRunning && wasRunning && !plan ? 'running' : 'idle');
    await this.postFrame(this.session);
    // A new session's first frame compiles its programs (MNIST on software WebGPU: 13–17 s,
    // then ~7 s): spacing the frames by it would hold the curves for a minute.
    this.frameCostMs = 0;
    if (plan) {
      this.post({ type: 'replay', generation, done: 0, total: plan.iteration, state: 'running' });
      this.ensureTick(0);
    }
    if (this.status === 'running') this.ensureTick(0);
  }

  private applyLive(live: LiveSettings): void {
    const previous = this.live;
    this.live = live;
    const s = this.session;
    // A replay follows the shared run's own settings; the new ones apply where it ends.
    if (this.replay) return;
    if (s && previous) this.noteChange(s.iteration, previous, live);
    if (s) {
      s.setSigmaSchedule(live.sigma);
      s.setLr(live.lr);
    }
    // A raised stop condition lets a finished run go on.
    if (this.status === 'done' && s && !stopReached(live, s.iteration, this.lastLosses)) this.setStatus('paused');
    // Paused/finished runs show the new σ and learning rate at once (after an update held
    // part-way by the pause, once it is finished).
    if (this.status !== 'running' && s && !this.stepping) {
      this.dirty = true;
      this.ensureTick(0);
    }
  }

  /** Records a live σ / learning-rate change for pinned links (replay.ts). */
  private noteChange(iteration: number, previous: TrajectorySettings, next: TrajectorySettings): void {
    const history = recordChange(this.history, iteration, previous, next);
    if (history === this.history || !this.historyComplete) return;
    if (history.length > MAX_RECORDED_CHANGES) this.historyComplete = false;
    else this.history = history;
    this.postHistory();
  }

  private postHistory(): void {
    this.post({ type: 'history', generation: this.generation, history: [...this.history], complete: this.historyComplete });
  }

  private async play(): Promise<void> {
    const s = this.session;
    if (!s || !this.live) return;
    if (this.replay) {
      this.replay.playAfter = true;
      return;
    }
    const reason = stopReached(this.live, s.iteration, this.lastLosses);
    if (reason) {
      this.setStatus('done', `${reason} — raise the stop condition or reset`);
      return;
    }
    this.setStatus('running');
    this.ensureTick(0);
  }

  private setStatus(status: RunStatus, reason?: string): void {
    // Slow motion starts with an update when play is pressed.
    if (status === 'running' && this.status !== 'running') this.nextSlowUpdateAt = Number.NEGATIVE_INFINITY;
    this.status = status;
    this.wakeHeld();
    this.post({ type: 'status', generation: this.generation, status, ...(reason ? { reason } : {}) });
  }

  private ensureTick(delayMs: number): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    this.schedule(() => {
      this.tickScheduled = false;
      void this.exclusive(() => this.tick());
    }, delayMs);
  }

  /** One slice of work: a few outer updates, maybe a frame, maybe diagnostics. */
  private async tick(): Promise<void> {
    const s = this.session;
    const live = this.live;
    if (!s || !live) return;
    if (this.replay) {
      await this.replayTick(s, this.replay);
      return;
    }
    const tickStart = this.now();
    const running = this.status === 'running';
    // Slow motion: one update when its time has come, none before.
    const slowRate = slowMotionRate(live.speed);
    const quota = slowRate === null ? live.speed : tickStart >= this.nextSlowUpdateAt ? 1 : 0;
    if (running && slowRate !== null && quota > 0) this.nextSlowUpdateAt = tickStart + 1000 / slowRate;
    const want = running ? quota : this.pendingSteps;
    if (want > 0) {
      let taken = 0;
      try {
        // Running: `speed` updates (slow motion: one); paused: the single steps asked for. A
        // pause mid-update holds the update where it is (see pacedStep) until play, a step or a reset.
        while (this.status === 'running' ? taken < quota : this.pendingSteps > 0) {
          const reason = stopReached(live, s.iteration, this.lastLosses);
          if (reason) {
            if (this.status === 'running') this.setStatus('done', reason);
            this.pendingSteps = 0;
            break;
          }
          await this.pacedStep(s);
          taken++;
          if (this.recording.shouldRecord(s.iteration, s.recordedUpdates)) s.recordUpdate(this.wallMs + (this.now() - tickStart));
          if (this.status !== 'running') this.pendingSteps = Math.max(0, this.pendingSteps - 1);
          if (this.now() - tickStart > SLICE_MS) break;
        }
        // Wait for the device to finish what was queued, so the queue never runs far ahead
        // of the page and the wall time includes GPU work.
        if (taken > 0) await this.fence();
      } catch (e) {
        // A reset discarded this session part-way through an update: the reset disposes it.
        if (e instanceof AbandonedError) return;
        if (s !== this.session || (await this.device.lostWithin(LOSS_GRACE_MS))) return;
        this.pendingSteps = 0;
        if (this.status === 'running') this.setStatus('paused');
        this.post({ type: 'error', generation: this.generation, message: `update ${s.iteration + 1} failed: ${messageOf(e)}` });
        return;
      }
      this.wallMs += this.now() - tickStart;
      if (taken > 0) this.dirty = true;
      this.rate.push({ at: this.now(), iteration: s.iteration });
      while (this.rate.length > 2 && (this.rate[0]?.at ?? 0) < this.now() - 1500) this.rate.shift();
    }
    const stillRunning = this.status === 'running';
    // Slow motion shows every update (its rate already bounds the frames).
    const frameDue = this.dirty && (!stillRunning || slowRate !== null || this.now() - this.lastFrameAt >= frameIntervalMs(this.frameCostMs));
    if (frameDue) await this.postFrame(s);
    if (this.status === 'running' && diagnosticsDue(s.iteration, this.lastDiagIteration, this.now() - this.lastDiagEndAt, this.diagCostMs, this.wallMs - this.lastDiagWallMs)) {
      await this.runDiagnostics(s);
    }
    if (this.status === 'running') {
      const slow = slowMotionRate(live.speed) !== null;
      this.ensureTick(Math.max(0, slow ? this.nextSlowUpdateAt - this.now() : TICK_MS - (this.now() - tickStart)));
    } else if (this.pendingSteps > 0 || this.dirty) this.ensureTick(0);
  }

  /**
   * One slice of a replay to a pinned iteration: updates without frames or diagnostics
   * (a checkpoint frame every ~2 % so the curves have a shape), the shared run's σ /
   * learning-rate changes applied at the iterations where they were made, progress at
   * ≤ 10 Hz. At the target (or when cancelled) the run pauses there with a frame.
   */
  private async replayTick(s: EngineSession, r: ActiveReplay): Promise<void> {
    const started = this.now();
    let checkpoint = false;
    try {
      while (!r.cancelled && s.iteration < r.target && this.now() - started <= SLICE_MS) {
        const wanted = settingsAt(r.history, s.iteration, r.final);
        if (wanted !== r.applied) {
          s.setSigmaSchedule(wanted.sigma);
          s.setLr(wanted.lr);
          r.applied = wanted;
        }
        await this.pacer().run(s.stepSlices());
        if (s.iteration % r.every === 0) {
          checkpoint = true;
          break;
        }
      }
      await this.fence();
    } catch (e) {
      if (e instanceof AbandonedError) return;
      if (s !== this.session || (await this.device.lostWithin(LOSS_GRACE_MS))) return;
      this.post({ type: 'error', generation: this.generation, message: `replaying to iteration ${r.target} failed at update ${s.iteration + 1}: ${messageOf(e)}` });
      r.cancelled = true;
    }
    this.wallMs += this.now() - started;
    if (r.cancelled || s.iteration >= r.target) {
      await this.finishReplay(s, r);
      return;
    }
    if (checkpoint) await this.postFrame(s);
    if (this.now() - r.lastProgressAt >= PROGRESS_INTERVAL_MS) {
      r.lastProgressAt = this.now();
      this.post({ type: 'replay', generation: this.generation, done: s.iteration, total: r.target, state: 'running' });
    }
    this.ensureTick(0);
  }

  /** The run goes on from where the replay stopped, with the settings the page has now. */
  private async finishReplay(s: EngineSession, r: ActiveReplay): Promise<void> {
    this.replay = null;
    const live = this.live ?? { sigma: r.final.sigma, lr: r.final.lr };
    this.history = historyStoppedAt(r.history, s.iteration, r.final, live);
    s.setSigmaSchedule(live.sigma);
    s.setLr(live.lr);
    this.postHistory();
    const state = s.iteration >= r.target ? 'finished' : 'cancelled';
    this.post({ type: 'replay', generation: this.generation, done: s.iteration, total: r.target, state });
    await this.postFrame(s);
    if (r.playAfter) await this.play();
    else this.setStatus('paused', state === 'finished' ? `opened at iteration ${s.iteration} (replayed from the seed)` : `replay stopped at iteration ${s.iteration}`);
  }

  /**
   * A pacer for work on the current session: it hands the thread back every
   * PACE_SLICE_MS so messages are seen, abandons the work (AbandonedError, the generators
   * dispose what they hold) once a reset or dispose arrives, or when `alsoAbandon` says so.
   */
  private pacer(alsoAbandon?: () => boolean, hold = false): TimeSlicedPacer {
    const token = this.abandonToken;
    const abandoned = (): boolean => token !== this.abandonToken || (alsoAbandon?.() ?? false);
    return new TimeSlicedPacer({
      now: this.now,
      sliceMs: PACE_SLICE_MS,
      abandoned,
      yieldNow: async () => {
        this.lastPacedYieldAt = this.now();
        await new Promise<void>((resolve) => this.schedule(resolve, 0));
        while (hold && this.holding() && this.now() - this.stepStartedAt >= HOLD_AFTER_MS && !abandoned()) await new Promise<void>((resolve) => this.holdWaiters.push(resolve));
      },
    });
  }

  /** A paused engine holds an update part-way unless something needs it finished. */
  private holding(): boolean {
    return this.status !== 'running' && this.pendingSteps === 0 && !this.finishStep;
  }

  private wakeHeld(): void {
    const waiters = this.holdWaiters;
    this.holdWaiters = [];
    waiters.forEach((w) => w());
  }

  private abandonPacedWork(): void {
    this.abandonToken++;
    this.wakeHeld();
  }

  /** One outer update of every estimator, paced; a pause holds it between inner steps. */
  private async pacedStep(s: EngineSession): Promise<void> {
    this.stepping = true;
    this.stepStartedAt = this.now();
    try {
      await this.pacer(undefined, true).run(s.stepSlices());
    } finally {
      this.stepping = false;
      this.finishStep = false;
    }
  }

  private async fence(): Promise<void> {
    await this.paths?.fence(this.plan);
  }

  private async postFrame(s: EngineSession): Promise<void> {
    const started = this.now();
    // Rewind checkpoints only from healthy frames (health.ts), not from a finite runaway.
    const f = await s.frame(this.pacer(), (id, theta, loss) => this.health.healthy(id, theta, loss));
    if (s !== this.session) return;
    this.lastResume = resumeOf(f) ?? this.lastResume;
    this.frameCostMs = this.now() - started;
    this.lastFrameAt = this.now();
    this.dirty = false;
    const d = s.task.meta.theta0.length;
    // The task's metric (MNIST test accuracy) at every θ: one small evaluation per frame.
    const metrics = await metricValues(s.task, f.estimators.map((e) => e.theta));
    if (s !== this.session) return;
    const transfer: Transferable[] = [];
    const estimators: EstimatorFrame[] = f.estimators.map((e, i) => {
      const autodiff = estimatorInfo(e.id).autodiff;
      const particles = autodiff ? new Float32Array(0) : subsampleParticles(e.particles, d, MAX_PARTICLES_SHOWN);
      transfer.push(particles.buffer);
      return {
        id: e.id,
        theta: e.theta,
        grad: e.grad,
        evalLoss: e.evalLoss,
        innerSteps: e.innerSteps,
        particles,
        particleCount: autodiff ? 0 : e.particles.length / d,
        ...(e.health ? { health: e.health } : {}),
        ...(e.timeline ? { timeline: e.timeline } : {}),
        ...(metrics ? { metric: metrics[i] ?? Number.NaN } : {}),
      };
    });
    this.recording.frameTook(f.history?.length ?? 0);
    this.assessHealth(f.iteration, f.sigma, f.lr, estimators);
    this.lastLosses = estimators.filter((e) => !this.diverged.has(e.id)).map((e) => e.evalLoss);
    const first = this.rate[0];
    const last = this.rate[this.rate.length - 1];
    const span = first && last ? last.at - first.at : 0;
    const frame: FrameMessage = {
      generation: this.generation,
      iteration: f.iteration,
      sigma: f.sigma,
      lr: f.lr,
      wallMs: this.wallMs,
      estimators,
      status: this.status,
      numTensors: tf.memory().numTensors,
      jobsRunning: this.jobs.count,
      updatesPerSecond: first && last && span > 0 ? ((last.iteration - first.iteration) * 1000) / span : 0,
      path: computePathOf(s),
      ...(f.history ? { history: f.history } : {}),
      ...(s.task.metric ? { metric: { name: s.task.metric.name, unit: s.task.metric.unit, higherIsBetter: s.task.metric.higherIsBetter } } : {}),
    };
    this.post({ type: 'frame', frame }, transfer);
    this.recordStats(f.iteration, frame.numTensors);

    const newlyDiverged = estimators
      .filter((e) => !this.diverged.has(e.id) && (!Number.isFinite(e.evalLoss) || e.theta.some((v) => !Number.isFinite(v))))
      .map((e) => e.id);
    if (newlyDiverged.length > 0) {
      for (const id of newlyDiverged) this.diverged.add(id);
      this.post({ type: 'diverged', generation: this.generation, iteration: f.iteration, estimators: newlyDiverged });
      if (this.status === 'running') this.setStatus('paused', `${newlyDiverged.map((id) => estimatorInfo(id).title).join(', ')} diverged (loss or θ is NaN/Inf)`);
    }
    if (this.status === 'running' && this.live) {
      const reason = stopReached(this.live, f.iteration, this.lastLosses);
      if (reason) this.setStatus('done', reason);
    }
  }

  private recordStats(iteration: number, numTensors: number): void {
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
    const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
    this.lastStats = {
      iteration,
      frames: this.lastStats.frames + 1,
      numTensors,
      numBytes: mem.numBytes,
      gpuBytes: mem.numBytesInGPU ?? null,
      jsHeapUsed: typeof heap === 'number' ? heap : null,
      frameCostMs: this.frameCostMs,
      jobs: this.jobs.count,
    };
  }

  /** Updates the σ / learning-rate warnings from a frame; posts them when they change. */
  private assessHealth(iteration: number, sigma: number, lr: number, estimators: readonly EstimatorFrame[]): void {
    if (this.health.assess(estimators, sigma, lr)) this.post({ type: 'health', generation: this.generation, iteration, advice: this.health.warnings() });
  }

  /** Estimators back to their last checkpoint (finite θ and loss); their warnings go. */
  private async rewind(ids?: EstimatorId[]): Promise<void> {
    const s = this.session;
    if (!s || this.replay) return;
    const back = s.rewind(ids);
    for (const b of back) this.diverged.delete(b.id);
    this.health.forget(back.map((b) => b.id));
    this.post({ type: 'rewound', generation: this.generation, estimators: back });
    this.post({ type: 'health', generation: this.generation, iteration: s.iteration, advice: this.health.warnings() });
    await this.postFrame(s);
  }

  private async runDiagnostics(s: EngineSession): Promise<void> {
    const started = this.now();
    const token = this.abandonToken;
    const task = this.config?.task ?? (s.task.meta.id as TaskId);
    const reference = diagnosticsReferenceFor(task);
    const pairs = referencePairsFor(s.task.meta.evalSteps, 2 ** 18, 64, 512, stepCostOf(s.task.meta));
    try {
      // A pause abandons the diagnostics (they are redone while running).
      const rows = await s.diagnostics(reference, pairs, this.pacer(() => this.status !== 'running'));
      this.post({ type: 'diagnostics', generation: this.generation, iteration: s.iteration, reference, rows });
    } catch (e) {
      if (e instanceof AbandonedError) {
        if (this.abandonToken === token) this.lastDiagEndAt = this.now();
        return;
      }
      if (s !== this.session || (await this.device.lostWithin(LOSS_GRACE_MS))) return;
      this.post({ type: 'error', generation: this.generation, message: `gradient diagnostics failed: ${messageOf(e)}` });
    }
    this.lastDiagIteration = s.iteration;
    this.lastDiagWallMs = this.wallMs;
    this.lastDiagEndAt = this.now();
    this.diagCostMs = this.lastDiagEndAt - started;
  }
}

/** The recording stride for a session's task: as many updates per frame as its evaluation cost allows. */
function recordingStrideFor(session: EngineSession): RecordingStride {
  const meta = session.task.meta;
  return new RecordingStride(recordingCapacity(meta.evalSteps, stepCostOf(meta), meta.theta0.length, MAX_RECORDED_UPDATES, computePathOf(session) === 'fused'));
}

/** A frame as the point a run continues from on another backend (null unless every θ is finite). */
export function resumeOf(f: SessionFrame): SessionResume | null {
  const estimators: SessionResume['estimators'] = [];
  for (const e of f.estimators) {
    if (!e.optimizer || !e.theta.every((v) => Number.isFinite(v))) return null;
    estimators.push({ id: e.id, theta: e.theta, optimizer: e.optimizer, innerSteps: e.innerSteps });
  }
  return { iteration: f.iteration, estimators };
}

/** What the page shows of a plan: each estimator's path and measured speed, the reference's, the ops backend. */
export function planSummary(plan: ComputePlan, task: Task): PlanSummary {
  const perSecond = (ms: number | null): number | null => (ms !== null && ms > 0 && Number.isFinite(ms) ? 1000 / ms : null);
  return {
    ops: plan.ops,
    surfacePath: fusedSurfaceFor(plan, { task }) ? 'fused' : tfjsPath(plan.ops),
    how: plan.how,
    calibrationMs: plan.calibrationMs,
    estimators: plan.estimators.map((e) => ({
      id: e.piece as EstimatorId,
      path: e.path,
      updatesPerSecond: perSecond(e.msPerUpdate),
      measured: e.measured.map((m) => ({ path: m.path, updatesPerSecond: perSecond(m.msPerUpdate), ...(m.note ? { note: m.note } : {}) })),
    })),
    reference: plan.reference
      ? { path: plan.reference.path, msPerEstimate: plan.reference.msPerUpdate, measured: plan.reference.measured.map((m) => ({ path: m.path, msPerEstimate: m.msPerUpdate, ...(m.note ? { note: m.note } : {}) })) }
      : null,
  };
}
