/**
 * A simulated clock and event loop for the engine (tests only): pacing is asserted as a
 * count of work, not with a stopwatch, so a test does the same turns on an idle or a busy
 * machine.
 *
 * - Time advances only with work — every inner step (a `task.step` call) costs
 *   `stepMs(rows, stepCost)` of virtual time — and, when nothing is due, jumps to the next
 *   timer. The engine gets `now` and `schedule` (EngineHostOptions), so its pacer slices, its
 *   hold threshold and its tick / frame cadence all run on this clock.
 * - Every hand-back of the thread (the engine's `schedule`, and any `setTimeout` made while
 *   `captureSetTimeout` is on, e.g. the variance sweep's between cells) is a queued
 *   macrotask. A `turn` runs one and lets the microtasks drain: the work of a turn is
 *   exactly the work done without handing the thread back — what a message (a pause, a
 *   reset) waits for in the worker. Messages are delivered between turns (`deliver`).
 */
import type { Task } from '../../core/task';
import { stepCostOf } from '../../core/task';

/**
 * Modelled cost of one inner step: 1 ms per started block of ROWS_PER_MS rows (particles,
 * grid points), times the task's step cost. Roughly the tfjs CPU backend on this kind of
 * machine: an lr-schedule step is ~0.5 ms on a few rows, ~2 ms on 1024, ~40 ms on 8192
 * (model: 1, 2, 16). Only the order of magnitude matters; the clock is for slicing.
 */
export const ROWS_PER_MS = 512;

export function stepMs(rows: number, stepCost = 1): number {
  return Math.max(1, Math.ceil(rows / ROWS_PER_MS)) * stepCost;
}

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
}

export interface TurnRecord {
  /** Inner steps (task.step calls) run in the turn. */
  steps: number;
  /** Virtual ms of work in the turn. */
  workMs: number;
  /** The most rows one of its steps stepped. */
  maxRows: number;
}

export class VirtualLoop {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private readonly restores: (() => void)[] = [];
  private turnMaxRows = 0;
  /** Inner steps counted so far. */
  steps = 0;
  /** Rows of every inner step so far, in order (who did the work: which session, which job). */
  readonly stepRows: number[] = [];
  /** Every turn so far, in order. */
  readonly turns: TurnRecord[] = [];

  /**
   * `maxTurns`: a run that needs more turns than this throws, so a test whose engine never
   * stops (a pause that does not hold) fails fast and cleans up, instead of timing out with
   * its engine still running into the next test.
   */
  constructor(private maxTurns = 20_000) {}

  readonly now = (): number => this.time;

  readonly schedule = (fn: () => void, ms: number): void => {
    this.timers.push({ due: this.time + Math.max(0, ms || 0), seq: this.seq++, fn });
  };

  /** Timers waiting (0: the engine is idle — nothing runs until a message arrives). */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Counts `task`'s inner steps as work on this clock. The registry's shared instance is
   * patched in place, so every path that steps it — session, frames, jobs — is counted;
   * `dispose` undoes it.
   */
  countSteps(task: Task): void {
    const step = task.step;
    const cost = stepCostOf(task.meta);
    task.step = (...args) => {
      const rows = args[0].shape[0];
      this.steps += 1;
      this.stepRows.push(rows);
      this.turnMaxRows = Math.max(this.turnMaxRows, rows);
      this.time += stepMs(rows, cost);
      return step.apply(task, args);
    };
    this.restores.push(() => {
      task.step = step;
    });
  }

  /** Routes setTimeout through this loop too (core code yields with it), until `dispose`. */
  captureSetTimeout(): void {
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      this.schedule(fn, ms ?? 0);
      return 0;
    }) as unknown as typeof setTimeout;
    this.restores.push(() => {
      globalThis.setTimeout = real;
    });
  }

  /** Runs `fn` as a macrotask of its own (a message from the page), before any queued timer. */
  async deliver(fn: () => void): Promise<TurnRecord> {
    this.checkLimit();
    return this.runTurn(fn);
  }

  /**
   * Runs the next macrotask (the earliest timer; idle time jumps to it) with the microtasks
   * it starts. Returns its record, or null when nothing is scheduled.
   */
  async turn(): Promise<TurnRecord | null> {
    // Work may still be finishing in microtasks (e.g. started by a message handled outside a turn).
    await drainMicrotasks();
    if (this.timers.length === 0) return null;
    this.checkLimit();
    let next = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const a = this.timers[i]!;
      const b = this.timers[next]!;
      if (a.due < b.due || (a.due === b.due && a.seq < b.seq)) next = i;
    }
    const timer = this.timers.splice(next, 1)[0]!;
    this.time = Math.max(this.time, timer.due);
    return this.runTurn(timer.fn);
  }

  private checkLimit(): void {
    if (this.turns.length >= this.maxTurns) throw new Error(`more than ${this.maxTurns} turns (${this.steps} inner steps): the engine did not settle`);
  }

  private async runTurn(fn: () => void): Promise<TurnRecord> {
    const steps = this.steps;
    const started = this.time;
    this.turnMaxRows = 0;
    fn();
    await drainMicrotasks();
    const record = { steps: this.steps - steps, workMs: this.time - started, maxRows: this.turnMaxRows };
    this.turns.push(record);
    return record;
  }

  /** Turns until `done()` holds; throws (saying `what`) if the engine goes idle first. */
  async runUntil(done: () => boolean, what: string): Promise<void> {
    for (let n = 0; !done(); n++) {
      if ((await this.turn()) === null && !done()) throw new Error(`${what}: the engine went idle first (after ${n} turns, ${this.steps} inner steps)`);
    }
  }

  /** Turns until `ms` of virtual time have passed (work or idle waits), or the engine goes idle. */
  async runFor(ms: number): Promise<void> {
    const end = this.time + ms;
    while (this.time < end && (await this.turn()) !== null);
  }

  /**
   * Turns until nothing is scheduled, at most `maxTurns`: the inner steps run meanwhile and
   * whether the engine went idle. `pastTheLimit`: also beyond the loop's own turn limit (to
   * wind an engine down after a failure).
   */
  async settle(maxTurns: number, pastTheLimit = false): Promise<{ steps: number; idle: boolean }> {
    if (pastTheLimit) this.maxTurns = Number.POSITIVE_INFINITY;
    const before = this.steps;
    for (let n = 0; n < maxTurns; n++) {
      if ((await this.turn()) === null) return { steps: this.steps - before, idle: true };
    }
    return { steps: this.steps - before, idle: false };
  }

  /** The turns so far, summarised for a message: how many, and the largest. */
  describeTurns(): string {
    const ts = this.turns;
    const worst = ts.reduce((w, t) => (t.workMs > w.workMs ? t : w), { steps: 0, workMs: 0, maxRows: 0 });
    return `${ts.length} turns, the largest ${worst.workMs} ms of work (${worst.steps} steps of up to ${worst.maxRows} rows)`;
  }

  dispose(): void {
    for (const restore of this.restores.splice(0).reverse()) restore();
    this.timers = [];
  }
}

/** Lets every pending microtask (and those they queue) run: a setImmediate fires only after them. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
