/**
 * What the divergence counters of a frame mean for the person at the controls: pure
 * functions from an estimator's frame (θ, evaluation loss, health counters) to a warning
 * with a concrete suggestion — lower σ when the perturbed particles blow up while θ is
 * fine, lower the learning rate when θ itself runs away (its loss explodes or turns
 * NaN/±Inf, or updates are refused because they would make θ non-finite).
 */
import type { EstimatorId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { LIMITS } from '../core/playground-config';
import type { EstimatorHealth } from '../core/session';

/** A loss this many times its value at the start of the run counts as running away. */
export const RUNAWAY_FACTOR = 100;
/** Pairs left out of one update, as a fraction of all, from which σ is blamed. */
export const EXCLUDED_FRACTION = 0.25;
/** Suggested values are the current ones divided by this. */
export const SUGGESTED_DIVISOR = 10;

export interface HealthAdvice {
  id: EstimatorId;
  /** Which setting to lower. */
  cause: 'sigma' | 'lr';
  /** The suggested value of that setting. */
  suggested: number;
  /** One sentence: what was seen, what to do. */
  text: string;
}

export interface HealthInput {
  id: EstimatorId;
  theta: readonly number[];
  evalLoss: number;
  health?: EstimatorHealth;
}

export interface HealthContext {
  /** The estimator's health in the previous frame (to see new skipped updates). */
  previous?: EstimatorHealth;
  /** Its evaluation loss in the run's first frame. */
  initialLoss: number;
  sigma: number;
  lr: number;
}

/** Two significant digits, plain where readable. */
export function formatSetting(v: number): string {
  const r = Number(v.toPrecision(2));
  return Math.abs(r) >= 1e-3 && Math.abs(r) < 1e4 ? String(r) : r.toExponential(1);
}

function lowered(value: number, min: number): number {
  return Math.max(min, Number((value / SUGGESTED_DIVISOR).toPrecision(2)));
}

/** Whether θ has run away: a non-finite θ or loss, or a loss RUNAWAY_FACTOR× its start. */
export function runaway(e: HealthInput, initialLoss: number): boolean {
  if (!Number.isFinite(e.evalLoss) || e.theta.some((v) => !Number.isFinite(v))) return true;
  if (!Number.isFinite(initialLoss)) return false;
  return Math.abs(e.evalLoss) > RUNAWAY_FACTOR * Math.max(Math.abs(initialLoss), 1e-6);
}

/**
 * Whether a frame may become the estimator's rewind checkpoint: a finite θ and loss that
 * has not run away (the same test as the warning's). A run that blows up to huge but finite
 * losses (≈1e34) thus rewinds to before the blow-up, not to its last finite frame.
 */
export function healthyCheckpoint(theta: readonly number[], evalLoss: number, initialLoss: number): boolean {
  return !runaway({ id: 'tes', theta, evalLoss }, initialLoss);
}

/** A warning for one estimator's frame, or null when it looks healthy. */
export function adviseOnHealth(e: HealthInput, ctx: HealthContext): HealthAdvice | null {
  const info = estimatorInfo(e.id);
  const h = e.health;
  const newlySkipped = h ? h.skippedTotal - (ctx.previous?.skippedTotal ?? 0) : 0;
  const fraction = h && h.workers > 0 ? h.excludedLast / h.workers : 0;
  const lrAdvice = (symptom: string): HealthAdvice => {
    const suggested = lowered(ctx.lr, LIMITS.lr.min);
    const back = h ? `, then rewind to the last finite θ (iteration ${h.checkpointIteration})` : '';
    return {
      id: e.id,
      cause: 'lr',
      suggested,
      text: `${info.title}: ${symptom} — the learning rate ${formatSetting(ctx.lr)} is too large. Lower lr to ${formatSetting(suggested)}${back}.`,
    };
  };
  if (runaway(e, ctx.initialLoss)) {
    const symptom = Number.isFinite(e.evalLoss) ? `the loss at θ exploded to ${formatSetting(e.evalLoss)}` : 'the loss at θ is NaN/±Inf';
    return lrAdvice(symptom);
  }
  // σ perturbs only the ES estimators' particles; an autodiff trajectory that diverges
  // does so at θ itself.
  if (h && !info.autodiff && h.excludedLast > 0 && fraction >= EXCLUDED_FRACTION) {
    const suggested = lowered(ctx.sigma, LIMITS.sigma.min);
    return {
      id: e.id,
      cause: 'sigma',
      suggested,
      text: `${info.title}: ${h.excludedLast} of ${h.workers} pairs went NaN/±Inf in the last update — σ = ${formatSetting(ctx.sigma)} is too large for this task. Lower σ to ${formatSetting(suggested)}.`,
    };
  }
  if (h && newlySkipped > 0) return lrAdvice(`${newlySkipped} update${newlySkipped > 1 ? 's were' : ' was'} refused because θ would have become NaN/±Inf`);
  if (h && info.autodiff && h.excludedLast > 0) return lrAdvice(`${h.excludedLast} of ${h.workers} trajectories went NaN/±Inf`);
  return null;
}

/**
 * The run's health bookkeeping: each estimator's counters in the last frame, its loss in
 * the first (the runaway reference), and the warnings up now. A warning stays up until a
 * rewind, a reset or a newer one replaces it.
 */
export class HealthTracker {
  private last = new Map<EstimatorId, EstimatorHealth>();
  private initial = new Map<EstimatorId, number>();
  private advice = new Map<EstimatorId, HealthAdvice>();

  /** A new run: nothing known. */
  reset(): void {
    this.last = new Map();
    this.initial = new Map();
    this.advice = new Map();
  }

  /** Fresh particles on another backend: their counters start over; the warnings and the first losses stay. */
  restartCounters(): void {
    this.last = new Map();
  }

  /** Whether a frame's θ and loss may become the estimator's rewind checkpoint. */
  healthy(id: EstimatorId, theta: readonly number[], evalLoss: number): boolean {
    return healthyCheckpoint(theta, evalLoss, this.initial.get(id) ?? Number.NaN);
  }

  /** Takes a frame's figures in; true when the warnings changed. */
  assess(estimators: readonly (HealthInput & { id: EstimatorId; health?: EstimatorHealth })[], sigma: number, lr: number): boolean {
    let changed = false;
    for (const e of estimators) {
      if (!this.initial.has(e.id)) this.initial.set(e.id, e.evalLoss);
      const a = adviseOnHealth(e, { previous: this.last.get(e.id), initialLoss: this.initial.get(e.id) ?? Number.NaN, sigma, lr });
      if (e.health) this.last.set(e.id, e.health);
      if (a && a.text !== this.advice.get(e.id)?.text) {
        this.advice.set(e.id, a);
        changed = true;
      }
    }
    return changed;
  }

  /** Rewound estimators lose their warnings. */
  forget(ids: readonly EstimatorId[]): void {
    for (const id of ids) this.advice.delete(id);
  }

  /** The warnings up now. */
  warnings(): HealthAdvice[] {
    return [...this.advice.values()];
  }
}

