/**
 * Cooperative slicing of long tensor work.
 *
 * An outer update at the largest settings issues tens of thousands of tfjs ops (K inner
 * steps × a dozen ops, for every estimator), which on the CPU backend — and for the op
 * dispatch on WebGPU/WebGL — keeps the engine's thread busy for seconds. The engine must
 * still see a "pause" message within a few tens of milliseconds, so long loops are written
 * as generators that `yield` between inner steps (never inside a `tf.tidy`, whose scope is
 * synchronous). The caller decides what a yield means:
 *
 * - `drain` runs a generator to completion at once (Node, the CLI, tests — unchanged
 *   results, since the same ops run in the same order);
 * - a `Pacer` (the engine's) hands the thread back to the event loop whenever a time slice
 *   is used up, and may abandon the work (a reset), in which case the generators' `finally`
 *   blocks dispose what they hold.
 */
export type Slices<T> = Generator<void, T, void>;

/** Runs `work` to completion without ever yielding to the event loop. */
export function drain<T>(work: Slices<T>): T {
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
  }
}

/** Thrown by a pacer that abandoned its work (the session it belonged to is being discarded). */
export class AbandonedError extends Error {
  constructor() {
    super('abandoned');
    this.name = 'AbandonedError';
  }
}

export interface Pacer {
  /** Runs `work` to completion, possibly handing the thread back between its slices. */
  run<T>(work: Slices<T>): Promise<T>;
}

/** A pacer that never yields (same as `drain`, behind the async interface). */
export const eagerPacer: Pacer = {
  run: <T>(work: Slices<T>): Promise<T> => Promise.resolve().then(() => drain(work)),
};

export interface TimeSlicedPacerOptions {
  now: () => number;
  /** Longest stretch of work between two hand-backs. */
  sliceMs: number;
  /** Hands the thread back to the event loop (a macrotask, so pending messages run). */
  yieldNow: () => Promise<void>;
  /** Checked after every hand-back: true abandons the work (AbandonedError). */
  abandoned?: () => boolean;
}

/**
 * A pacer that hands the thread back whenever `sliceMs` of work has run since the last
 * hand-back. The slice clock is shared by everything run through one pacer, so a caller
 * can interleave its own work (`maybeYield`) with generator work.
 */
export class TimeSlicedPacer implements Pacer {
  private sliceStart: number;

  constructor(private readonly options: TimeSlicedPacerOptions) {
    this.sliceStart = options.now();
  }

  /** Hands back if the current slice is used up. */
  async maybeYield(): Promise<void> {
    if (this.options.now() - this.sliceStart < this.options.sliceMs) return;
    await this.options.yieldNow();
    this.sliceStart = this.options.now();
    if (this.options.abandoned?.()) throw new AbandonedError();
  }

  async run<T>(work: Slices<T>): Promise<T> {
    let finished = false;
    try {
      for (;;) {
        const r = work.next();
        if (r.done) {
          finished = true;
          return r.value;
        }
        await this.maybeYield();
      }
    } finally {
      // Abandoned or failed between slices: run the generator's finally blocks (disposal).
      if (!finished) work.return(undefined as never);
    }
  }
}
