/**
 * The engine's pacing and budgets as pure functions and constants: how often frames and
 * gradient diagnostics come, how large a surface or reference job's calls are, when a run
 * stops. No state, no tensors: the loop (engine-host.ts) and the jobs (jobs.ts) ask.
 */
import type { LiveSettings } from './protocol';

/**
 * Speeds below 1 are slow motion, for a lecture: `speed` × SLOW_MOTION_RATE updates per
 * second (0.02 → 2/s), paced by the clock; from 1 up, `speed` updates per tick (~60 ticks/s
 * at most, so 1 runs as fast as one update per tick allows: ~27–60/s on the toy tasks).
 */
export const SLOW_MOTION_RATE = 100;

/** The speeds the speed control offers, slowest first (links may hold others in range). */
export const SPEED_STEPS = [0.02, 0.05, 0.1, 0.2, 1, 2, 5, 10, 20, 50, 100] as const;

/** Updates per second a slow-motion speed runs at, or null for the per-tick speeds (≥ 1). */
export function slowMotionRate(speed: number): number | null {
  return speed < 1 ? speed * SLOW_MOTION_RATE : null;
}

/** The speed control's position nearest `speed` (links made before the steps hold any integer). */
export function speedStepIndex(speed: number): number {
  let best = 0;
  SPEED_STEPS.forEach((s, i) => {
    if (Math.abs(Math.log(s / speed)) < Math.abs(Math.log((SPEED_STEPS[best] ?? 1) / speed))) best = i;
  });
  return best;
}

/** How a speed reads: '2 upd/s' in slow motion, '5×' per tick. */
export function speedLabel(speed: number): string {
  const rate = slowMotionRate(speed);
  return rate === null ? `${speed}×` : `${Number(rate.toPrecision(3))} upd/s`;
}

/** Frames at most ~12 Hz; slower when a frame is expensive (see `frameIntervalMs`). */
export const MIN_FRAME_INTERVAL_MS = 80;
/** One engine tick does at most this much stepping before yielding to messages. */
export const SLICE_MS = 40;
/** Target tick cadence: `speed` updates per tick ≈ per animation frame. */
export const TICK_MS = 16;
/** Gradient diagnostics every this many outer updates (or less often, see `diagnosticsDue`). */
export const DIAGNOSTICS_EVERY = 20;
/** Particles per estimator sent to the views. */
export const MAX_PARTICLES_SHOWN = 120;
/**
 * Longest stretch of tensor work (op dispatch) between two looks at the message queue
 * inside an outer update, a frame or the diagnostics: bounds how late a pause or reset is
 * seen, whatever N, T and K are.
 */
export const PACE_SLICE_MS = 10;
/**
 * A pause holds an update part-way only once it has run this long: a shorter update is
 * finished first, so the frame that follows the pause shows the iteration the run really
 * stopped at (a held update has no consistent frame to show; the page would keep a stale
 * iteration until the next step). Still well inside the 200 ms a pause may take.
 */
export const HOLD_AFTER_MS = 100;
/**
 * How long an error on a GPU backend waits to see whether the device was lost (then it is
 * no error). Generous: on a loaded machine the browser may deliver a failed readback well
 * before the device's `lost` promise; a real error is only reported this much later.
 */
export const LOSS_GRACE_MS = 1000;
/** Progress events per job at most every this many ms. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Frame cadence: never faster than ~12 Hz, and never spending more than about a quarter
 * of the time reading frames back (a frame evaluates the full-episode loss of every
 * estimator, which on Lorenz is a 2000-step unroll).
 */
export function frameIntervalMs(lastFrameCostMs: number): number {
  return Math.max(MIN_FRAME_INTERVAL_MS, 3 * lastFrameCostMs);
}

/** Diagnostics also after this much stepping time (and at least 2 updates) when updates are slow. */
export const DIAGNOSTICS_MAX_GAP_MS = 5000;

/**
 * Diagnostics every ~20 updates — or, when updates are slow (MNIST's full ES on the CPU
 * backend: ~1 s each), after 5 s of stepping and at least 2 updates — but at most ~25 % of
 * the time (the reference gradient is costly).
 */
export function diagnosticsDue(iteration: number, lastIteration: number, msSinceLast: number, lastCostMs: number, steppingMsSinceLast = 0): boolean {
  const updates = iteration - lastIteration;
  return (updates >= DIAGNOSTICS_EVERY || (updates >= 2 && steppingMsSinceLast >= DIAGNOSTICS_MAX_GAP_MS)) && msSinceLast >= 3 * lastCostMs;
}

/** The fewest pairs a full-ES reference takes, however heavy the task's steps. */
export const MIN_REFERENCE_PAIRS = 32;

/**
 * Pairs of the full-ES reference, scaled so one reference costs about the same on every
 * task: the budget counts rows × steps × `stepCost` (TaskMeta.stepCost). For a heavy task
 * the floor `min` shrinks by the step cost too (down to MIN_REFERENCE_PAIRS), so MNIST's
 * reference does not take ~1,000× a toy's; with stepCost 1 nothing changes.
 */
export function referencePairsFor(evalSteps: number, budgetRowsTimesSteps: number, min: number, max: number, stepCost = 1): number {
  const cost = Math.max(1, stepCost);
  const raw = Math.floor(budgetRowsTimesSteps / (Math.max(1, evalSteps) * cost));
  const floor = cost > 1 ? Math.max(Math.min(min, MIN_REFERENCE_PAIRS), 2 ** Math.floor(Math.log2(Math.max(1, min / cost)))) : min;
  return Math.max(floor, Math.min(max, 2 ** Math.floor(Math.log2(Math.max(1, raw)))));
}

/** Inner-step budget of one metaLossSurface call (rows × unroll length), ~0.1–0.3 s on the CPU backend. */
export const SURFACE_CALL_BUDGET = 2 ** 17;
/** The same on a GPU backend, where a call's work does not block the engine thread. */
export const GPU_SURFACE_CALL_BUDGET = 2 ** 20;

/** Monte-Carlo samples per call for `points` grid points, within the budget (at least 1). */
export function surfaceChunkSamples(points: number, evalSteps: number, budget = SURFACE_CALL_BUDGET): number {
  const perSample = Math.max(1, points * evalSteps);
  return Math.max(1, Math.floor(budget / perSample) - 1);
}

/** M samples split into chunks of at most `chunk` (empty for M = 0). */
export function sampleChunks(M: number, chunk: number): number[] {
  const out: number[] = [];
  for (let left = Math.max(0, Math.floor(M)); left > 0; left -= chunk) out.push(Math.min(chunk, left));
  return out;
}

/** Independent noise per chunk (the same for every row: common random numbers across the grid). */
export function chunkSeed(seed: number, chunk: number): number {
  return chunk === 0 ? seed >>> 0 : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(chunk, 0xc2b2ae35)) >>> 0;
}

/** Stop condition reached? The loss condition counts the best (lowest) finite loss. */
export function stopReached(live: LiveSettings, iteration: number, evalLosses: readonly number[] | null): string | null {
  const stop = live.stop;
  if (stop.kind === 'iterations' && iteration >= stop.value) return `reached ${stop.value} iterations`;
  if (stop.kind === 'loss' && evalLosses) {
    const best = Math.min(...evalLosses.filter((v) => Number.isFinite(v)));
    if (best <= stop.value) return `an estimator reached evaluation loss ≤ ${stop.value}`;
  }
  return null;
}


/** Inner steps × rows one frame may spend evaluating the updates recorded since the last (see `recordingCapacity`). */
export const RECORDING_EVAL_BUDGET = 2 ** 13;
/** Floats of θ one frame may carry for the recorded updates, per estimator. */
export const RECORDING_THETA_BUDGET = 2 ** 14;

/**
 * How many updates between two frames may be recorded (θ and the evaluation loss, see
 * Session.recordUpdate), per the task's cost: the recorded θs are evaluated with the
 * frame's in one batched unroll, so each costs a row of `evalSteps` steps (nearly free on
 * the toy tasks on tfjs, free on the fused kernels, a whole pass over the data on MNIST: 0
 * there, its frames only), and
 * travels as d floats. At most `max` (the session's buffers).
 */
export function recordingCapacity(evalSteps: number, stepCost: number, d: number, max: number, rowsInParallel = false): number {
  // On the fused kernels every row is a GPU thread of its own: the rows cost no more than one.
  const byEval = rowsInParallel ? max : Math.floor(RECORDING_EVAL_BUDGET / (Math.max(1, evalSteps) * Math.max(1, stepCost)));
  const byTheta = Math.floor(RECORDING_THETA_BUDGET / Math.max(1, d));
  return Math.max(0, Math.min(max, byEval, byTheta));
}

/**
 * Which updates are recorded between frames: every one while they fit the capacity (a slow
 * run, single steps: all of them), else every `stride`-th — the stride doubles when the
 * recorded updates fill the capacity before a frame and halves again when a frame finds
 * them under a quarter full, so the recorded points stay evenly spaced at any speed and a
 * frame never carries more than the capacity.
 */
export class RecordingStride {
  private stride = 1;
  /** The capacity filled since the last frame (the stride doubled once for it). */
  private full = false;

  constructor(readonly capacity: number) {}

  get every(): number {
    return this.stride;
  }

  /** Whether the update that reached `iteration` is recorded, `pending` being recorded already. */
  shouldRecord(iteration: number, pending: number): boolean {
    if (this.capacity <= 0) return false;
    if (pending >= this.capacity) {
      // Full before the frame came: the updates are coming faster than a frame can carry.
      if (!this.full) this.stride *= 2;
      this.full = true;
      return false;
    }
    return iteration % this.stride === 0;
  }

  /** A frame took `recorded` updates. */
  frameTook(recorded: number): void {
    this.full = false;
    if (this.stride > 1 && recorded < this.capacity / 4) this.stride /= 2;
  }
}
