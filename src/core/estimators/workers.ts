import type { EstimatorSettings } from '../config';
import { Stream, uniformInt } from '../noise';
import { checkTruncationSettings, truncationsPerEpisode } from './estimator';

/**
 * Where each worker (an antithetic pair, or an AD particle) is in its episode.
 *
 * Lockstep workers all start at t = 0. Step-unlocked workers start at a truncation-
 * aligned offset K·u, u uniform in [0, J), drawn from the counter RNG keyed by
 * (seed, pair) — so every estimator of one experiment sees the same offsets. Reaching
 * the offset costs real inner steps (the state at time t must be unrolled to), done by
 * the owner before its first update with gradients discarded.
 */
export class WorkerClock {
  /** Time index within the episode at the start of the next truncation. */
  readonly t: Int32Array;
  /** Episode counter (keys the noise of the episode). */
  readonly episode: Int32Array;
  /** Offset each worker still has to reach before its first update. */
  readonly offset: Int32Array;
  readonly J: number;

  constructor(
    readonly workers: number,
    private readonly settings: EstimatorSettings,
  ) {
    checkTruncationSettings(settings);
    this.t = new Int32Array(workers);
    this.episode = new Int32Array(workers);
    this.offset = new Int32Array(workers);
    this.J = truncationsPerEpisode(settings);
    if (settings.workers === 'unlocked' && Number.isFinite(settings.T)) {
      for (let i = 0; i < workers; i++) {
        this.offset[i] = settings.K * uniformInt(settings.seed, Stream.workerOffset, i, 0, this.J);
      }
    }
  }

  get K(): number {
    return this.settings.K;
  }

  /** Workers whose episode ended (t reached T): they must reset before the next truncation. */
  episodeEnded(): boolean[] {
    const T = this.settings.T;
    return Array.from(this.t, (t) => Number.isFinite(T) && t >= T);
  }

  /** Resets the clock of workers whose episode ended; returns which did. */
  startNewEpisodes(): boolean[] {
    const ended = this.episodeEnded();
    ended.forEach((e, i) => {
      if (e) {
        this.t[i] = 0;
        this.episode[i] = (this.episode[i] ?? 0) + 1;
      }
    });
    return ended;
  }

  /** Workers that have not reached their start offset yet. */
  positioning(): boolean[] {
    return Array.from(this.t, (t, i) => t < (this.offset[i] ?? 0));
  }

  /** Advances the given workers (all when omitted) by one truncation. */
  advance(mask?: readonly boolean[]): void {
    for (let i = 0; i < this.workers; i++) if (!mask || mask[i]) this.t[i] = (this.t[i] ?? 0) + this.K;
  }

  /** Index of the truncation within the episode each worker is about to unroll. */
  truncationIndex(): Int32Array {
    return Int32Array.from(this.t, (t) => Math.floor(t / this.K));
  }
}
