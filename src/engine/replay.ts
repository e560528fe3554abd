/**
 * Replaying a shared run: the pure rules behind pinned permalinks.
 *
 * A pinned link opens at outer iteration k by re-running the sender's experiment from its
 * seed — the run is deterministic on a given backend (counter-based noise, no state read
 * back between updates), so k updates from the same config reach the same θ. The one thing
 * the config does not say is how σ and the learning rate changed while the sender's run
 * went on (they apply live), so the engine records those changes and the link carries
 * them. Frames and diagnostics only read the session, so skipping them does not change it.
 */
import type { SigmaSchedule } from '../core/sigma-schedule';
import type { SettingsChange } from './protocol';

/** σ schedule and learning rate: the part of the live settings that moves θ. */
export interface TrajectorySettings {
  sigma: SigmaSchedule;
  lr: number;
}

/** Changes the engine keeps per run; more and the run cannot be pinned (links carry 64). */
export const MAX_RECORDED_CHANGES = 1000;

/** Frames a replay posts on its way (so the curves have a shape), besides the last one. */
export const REPLAY_CHECKPOINTS = 50;

export function sameSettings(a: TrajectorySettings, b: TrajectorySettings): boolean {
  return a.lr === b.lr && JSON.stringify(a.sigma) === JSON.stringify(b.sigma);
}

/**
 * The settings the update from `iteration` to `iteration + 1` uses: those of the first
 * change after it, else the final ones.
 */
export function settingsAt(history: readonly SettingsChange[], iteration: number, final: TrajectorySettings): TrajectorySettings {
  for (const h of history) if (iteration < h.before) return h;
  return final;
}

/**
 * The history after σ / the learning rate changed from `previous` to `next` while the run
 * stood at `iteration`. Unchanged (the same array) when nothing needs recording: no
 * update has used the old values yet (iteration 0), the values did not change, or the
 * values before this iteration are recorded already (a slider dragged while paused).
 */
export function recordChange(
  history: readonly SettingsChange[],
  iteration: number,
  previous: TrajectorySettings,
  next: TrajectorySettings,
): readonly SettingsChange[] {
  if (iteration <= 0 || sameSettings(previous, next)) return history;
  const last = history[history.length - 1];
  if (last && last.before >= iteration) return history;
  return [...history, { before: iteration, sigma: previous.sigma, lr: previous.lr }];
}

/** A checkpoint frame every this many updates of a replay to `target`. */
export function checkpointEvery(target: number): number {
  return Math.max(1, Math.ceil(target / REPLAY_CHECKPOINTS));
}

/**
 * The history of a run stopped at `iteration` on its way through `history` (a cancelled
 * replay), continuing with `next`: the changes before it, plus the settings the last
 * updates used when `next` differs from them.
 */
export function historyStoppedAt(
  history: readonly SettingsChange[],
  iteration: number,
  final: TrajectorySettings,
  next: TrajectorySettings,
): readonly SettingsChange[] {
  const kept = history.filter((h) => h.before <= iteration);
  if (iteration <= 0) return kept;
  return recordChange(kept, iteration, settingsAt(history, iteration - 1, final), next);
}

/**
 * A plan as the engine runs it: a whole iteration in [0, maxIterations] and changes with
 * strictly increasing `before` in [1, iteration] (the page sends decoded, validated links;
 * this is the engine's own guard). null when there is nothing to replay.
 */
export function checkedPlan(
  plan: { iteration: number; history: readonly SettingsChange[] } | undefined,
  maxIterations: number,
): { iteration: number; history: SettingsChange[] } | null {
  if (!plan || !Number.isFinite(plan.iteration)) return null;
  const iteration = Math.min(maxIterations, Math.max(0, Math.floor(plan.iteration)));
  if (iteration === 0) return null;
  const history: SettingsChange[] = [];
  for (const h of plan.history) {
    const previous = history[history.length - 1]?.before ?? 0;
    if (!Number.isInteger(h.before) || h.before <= previous || h.before > iteration) break;
    history.push(h);
  }
  return { iteration, history };
}
