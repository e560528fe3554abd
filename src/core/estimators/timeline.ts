/**
 * The worker timeline: where each worker (antithetic pair) of an online estimator is in its
 * episode and how large the noise weight its loss difference is multiplied by has grown —
 * what the playground's worker strip draws. Plain data, read from the estimator's own
 * clock and noise after an update (nothing is recomputed).
 */
import type { WorkerClock } from './workers';

export interface WorkerTimeline {
  /** Episode length in inner steps (Infinity: the task never resets) and truncation length. */
  T: number;
  K: number;
  /** Dimensions of θ: one draw's weight is ≈ √d, so ‖weight‖²/d ≈ the draws it sums. */
  d: number;
  /** Workers the estimator has (the timeline shows the first `t.length`). */
  workers: number;
  /** Per shown worker: inner steps into its current episode after the last update (T: it just ended; it resets before the next). */
  t: number[];
  /** Per shown worker: episodes it has started since the run began (0 for the first). */
  episode: number[];
  /**
   * Per shown worker: the size of the noise weight of its last estimate in units of one
   * draw, ‖Σ_b z_b/σ_b‖·σ (z ~ N(0, I)): PES sums one draw per truncation since the reset
   * (≈ √(d·j) after j truncations), ES-Single/NRES one draw per episode (≈ √d), truncated
   * ES a fresh draw each truncation (≈ √d). Null before the first update.
   */
  weight: number[] | null;
}

/**
 * The timeline of the first `max` workers from an estimator's clock, and `weightOf(i)`:
 * worker i's weight norm in units of one draw (null: no update yet).
 */
export function timelineOf(clock: WorkerClock, T: number, d: number, max: number, weightOf: ((i: number) => number) | null): WorkerTimeline {
  const shown = Math.max(0, Math.min(max, clock.workers));
  const ids = Array.from({ length: shown }, (_, i) => i);
  return {
    T,
    K: clock.K,
    d,
    workers: clock.workers,
    t: ids.map((i) => clock.t[i] ?? 0),
    episode: ids.map((i) => clock.episode[i] ?? 0),
    weight: weightOf ? ids.map(weightOf) : null,
  };
}

/** ‖v‖ of row `i` of a row-major [N, d] array, times `scale`. */
export function rowNorm(values: Float32Array, i: number, d: number, scale = 1): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const v = values[i * d + k] ?? 0;
    s += v * v;
  }
  return Math.sqrt(s) * scale;
}
