/**
 * Drives a Trainer in small time slices so the page stays responsive: a few outer
 * updates per slice, a snapshot (one GPU readback) every `recordEvery` updates, then a
 * yield to the event loop. Framework-free so it can be unit-tested with a fake trainer.
 */
import type { TrainSnapshot } from '../core/trainer';

/** The part of Trainer the runner uses. */
export interface SteppableTrainer {
  step(): Promise<void>;
  snapshot(): Promise<TrainSnapshot>;
  dispose(): void;
}

export type RunStatus = 'idle' | 'running' | 'paused' | 'done' | 'error';

export interface HistoryPoint {
  iteration: number;
  evalLoss: number;
}

export interface RunState {
  status: RunStatus;
  /** Outer updates taken so far (counted here, updated every slice). */
  iteration: number;
  /** Latest snapshot (θ, evaluation loss), refreshed every `recordEvery` updates. */
  snapshot: TrainSnapshot | null;
  /** (iteration, evaluation loss) every `recordEvery` updates, starting at iteration 0. */
  history: readonly HistoryPoint[];
  error: string | null;
}

export interface RunnerOptions {
  /** Stop after this many outer updates. */
  iterations: number;
  /** Snapshot cadence, in outer updates. */
  recordEvery?: number;
  /** Time budget of one slice before yielding to the browser. */
  sliceMs?: number;
  /** Yields to the event loop between slices. */
  yieldFn?: () => Promise<void>;
}

export const initialRunState: RunState = { status: 'idle', iteration: 0, snapshot: null, history: [], error: null };

const defaultYield = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export class Runner {
  private state: RunState = initialRunState;
  private wantRunning = false;
  private disposed = false;
  private trainerDisposed = false;
  private loop: Promise<void> | null = null;
  private readonly recordEvery: number;
  private readonly sliceMs: number;
  private readonly yieldFn: () => Promise<void>;

  constructor(
    private readonly trainer: SteppableTrainer,
    private readonly options: RunnerOptions,
    private readonly onChange: (state: RunState) => void,
  ) {
    this.recordEvery = Math.max(1, Math.floor(options.recordEvery ?? 10));
    this.sliceMs = options.sliceMs ?? 12;
    this.yieldFn = options.yieldFn ?? defaultYield;
  }

  get current(): RunState {
    return this.state;
  }

  /** Starts or resumes; no-op when finished, failed or disposed. */
  start(): void {
    if (this.disposed || this.state.status === 'done' || this.state.status === 'error') return;
    this.wantRunning = true;
    this.update({ status: 'running' });
    this.ensureLoop();
  }

  private ensureLoop(): void {
    this.loop ??= this.run().finally(() => {
      this.loop = null;
      if (this.disposed) this.disposeTrainer();
      // Resumed while the loop was winding down: go again.
      else if (this.keepGoing() && this.state.status === 'running') this.ensureLoop();
    });
  }

  /** Pauses after the update in flight. */
  pause(): void {
    if (this.disposed || this.state.status !== 'running') return;
    this.wantRunning = false;
    this.update({ status: 'paused' });
  }

  toggle(): void {
    if (this.state.status === 'running') this.pause();
    else this.start();
  }

  /** Resolves when the loop has stopped (after a pause, the end, or an error). */
  async settled(): Promise<void> {
    await this.loop;
  }

  /** Stops the loop and frees the trainer (once any update in flight has finished). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.wantRunning = false;
    if (!this.loop) this.disposeTrainer();
  }

  private disposeTrainer(): void {
    if (this.trainerDisposed) return;
    this.trainerDisposed = true;
    this.trainer.dispose();
  }

  private update(patch: Partial<RunState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }

  private keepGoing(): boolean {
    return this.wantRunning && !this.disposed;
  }

  private async record(): Promise<void> {
    const snap = await this.trainer.snapshot();
    if (this.disposed) return;
    const point = { iteration: this.state.iteration, evalLoss: snap.evalLoss };
    this.update({ snapshot: snap, history: [...this.state.history, point] });
  }

  private async run(): Promise<void> {
    try {
      if (this.state.history.length === 0) await this.record();
      let iteration = this.state.iteration;
      while (this.keepGoing() && iteration < this.options.iterations) {
        const sliceEnd = performance.now() + this.sliceMs;
        do {
          await this.trainer.step();
          iteration += 1;
          if (this.disposed) return;
          const last = iteration >= this.options.iterations;
          if (iteration % this.recordEvery === 0 || last) {
            this.state = { ...this.state, iteration };
            await this.record();
          }
        } while (this.keepGoing() && iteration < this.options.iterations && performance.now() < sliceEnd);
        this.update({ iteration });
        if (iteration >= this.options.iterations) break;
        await this.yieldFn();
      }
      if (this.disposed) return;
      // Paused or finished between two records: show where θ is now.
      const lastPoint = this.state.history[this.state.history.length - 1];
      if (lastPoint?.iteration !== iteration) await this.record();
      if (iteration >= this.options.iterations) {
        this.wantRunning = false;
        this.update({ status: 'done' });
      }
    } catch (e) {
      this.wantRunning = false;
      this.update({ status: 'error', error: errorMessage(e) });
    }
  }
}
