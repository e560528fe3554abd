/**
 * Validation of everything a user can type, against the engine's LIMITS (the same limits
 * the permalink decoder and the CLI enforce), with messages meant to be shown inline.
 */
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { LIMITS, type PlaygroundConfig } from '../core/playground-config';
import type { SigmaSchedule } from '../core/sigma-schedule';
import { PERMALINK_LIMITS } from '../permalink/index';
import { taskMeta } from './task-meta';

export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  /** Strictly greater than `min`. */
  exclusiveMin?: boolean;
}

export type NumberCheck = { ok: true; value: number } | { ok: false; message: string };

export const RULES = {
  pairs: { ...LIMITS.pairs, integer: true },
  T: { ...LIMITS.T, integer: true },
  K: { ...LIMITS.K, integer: true },
  sigma: { ...LIMITS.sigma },
  lr: { ...LIMITS.lr },
  seed: { ...LIMITS.seed, integer: true },
  speed: { ...LIMITS.speed },
  iterations: { ...LIMITS.iterations, integer: true },
  /** Decay factor of the exponential and step schedules (the permalink's bounds). */
  gamma: { ...PERMALINK_LIMITS.gamma },
  /** Schedule length in outer updates. */
  scheduleSteps: { ...PERMALINK_LIMITS.scheduleSteps, integer: true },
  lossTarget: { min: 0, max: 1e12 },
  /** Adam's β₁, β₂. */
  adamBeta: { ...LIMITS.adamBeta },
  repeats: { min: 4, max: 512, integer: true },
} as const satisfies Record<string, NumberRule>;

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(v);
}

/** Parses and checks one field; accepts "1e-3" and surrounding spaces. */
export function checkNumber(text: string, rule: NumberRule): NumberCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'enter a number' };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, message: `“${trimmed}” is not a number` };
  if (rule.integer && !Number.isInteger(value)) return { ok: false, message: 'must be a whole number' };
  if (rule.exclusiveMin ? value <= rule.min : value < rule.min) {
    return { ok: false, message: rule.exclusiveMin ? `must be greater than ${fmt(rule.min)}` : `must be at least ${fmt(rule.min)}` };
  }
  if (value > rule.max) return { ok: false, message: `must be at most ${fmt(rule.max)}` };
  return { ok: true, value };
}

/** Number of truncations per episode, J = T/K (null for a task that never resets). */
export function truncationsOf(T: number, K: number): number | null {
  return Number.isFinite(T) ? T / K : null;
}

function scheduleIssues(s: SigmaSchedule): string[] {
  const out: string[] = [];
  const sigmaOk = (v: number) => v >= LIMITS.sigma.min && v <= LIMITS.sigma.max;
  if (!sigmaOk(s.sigma0)) out.push(`σ₀ must be in [${LIMITS.sigma.min}, ${LIMITS.sigma.max}]`);
  if ((s.kind === 'linear' || s.kind === 'cosine') && !sigmaOk(s.sigma1)) out.push(`final σ must be in [${LIMITS.sigma.min}, ${LIMITS.sigma.max}]`);
  const g = PERMALINK_LIMITS.gamma;
  if ((s.kind === 'exponential' || s.kind === 'step') && !(s.gamma >= g.min && s.gamma <= g.max)) out.push(`γ must be in [${g.min}, ${g.max}]`);
  if ((s.kind === 'linear' || s.kind === 'cosine' || s.kind === 'step') && !(Number.isInteger(s.steps) && s.steps >= 1)) out.push('schedule steps must be a whole number ≥ 1');
  return out;
}

/**
 * Problems that involve several fields at once (each field alone may be valid). A
 * config with issues cannot be applied: the reset button says why.
 */
export function configIssues(config: PlaygroundConfig): string[] {
  const issues: string[] = [];
  const { estimators, T, K, R } = config;
  if (estimators.length < LIMITS.estimators.min) issues.push('select at least one estimator');
  if (estimators.length > LIMITS.estimators.max) issues.push(`select at most ${LIMITS.estimators.max} estimators`);
  const unknown = estimators.filter((e) => !ESTIMATOR_IDS.includes(e));
  if (unknown.length > 0) issues.push(`unknown estimators: ${unknown.join(', ')}`);
  if (new Set(estimators).size !== estimators.length) issues.push('an estimator is listed twice');
  if (!(Number.isInteger(config.pairs) && config.pairs >= LIMITS.pairs.min && config.pairs <= LIMITS.pairs.max)) {
    issues.push(`N must be a whole number in [${LIMITS.pairs.min}, ${LIMITS.pairs.max}]`);
  }
  if (!(Number.isInteger(K) && K >= LIMITS.K.min && K <= LIMITS.K.max)) issues.push(`K must be a whole number in [${LIMITS.K.min}, ${LIMITS.K.max}]`);
  const meta = taskMeta(config.task);
  if (meta.fixedHorizon && T !== meta.defaults.T) {
    issues.push(`${config.task}'s learning-rate schedule is built for T = ${meta.defaults.T}: another T would extrapolate it (η_t turns negative past T)`);
  } else if (Number.isFinite(T)) {
    if (!(Number.isInteger(T) && T >= LIMITS.T.min && T <= LIMITS.T.max)) issues.push(`T must be a whole number in [${LIMITS.T.min}, ${LIMITS.T.max}]`);
    else if (K > T) issues.push(`K = ${K} is longer than the episode T = ${T}`);
    else if (T % K !== 0) issues.push(`K = ${K} must divide T = ${T} so episodes end on truncation boundaries`);
  }
  if (!(R >= K && R % K === 0)) issues.push(`R = ${R} must be a multiple of K = ${K}`);
  if (config.lr < LIMITS.lr.min || config.lr > LIMITS.lr.max) issues.push(`learning rate must be in [${LIMITS.lr.min}, ${LIMITS.lr.max}]`);
  const betaOk = (b: number): boolean => b >= LIMITS.adamBeta.min && b <= LIMITS.adamBeta.max;
  if (!betaOk(config.adam.beta1) || !betaOk(config.adam.beta2)) issues.push(`Adam's β₁ and β₂ must be in [${LIMITS.adamBeta.min}, ${LIMITS.adamBeta.max}]`);
  if (!(Number.isInteger(config.seed) && config.seed >= LIMITS.seed.min && config.seed <= LIMITS.seed.max)) issues.push('seed must be a whole number in [0, 2³² − 1]');
  issues.push(...scheduleIssues(config.sigma));
  if (config.stop.kind === 'iterations' && !(Number.isInteger(config.stop.value) && config.stop.value >= LIMITS.iterations.min && config.stop.value <= LIMITS.iterations.max)) {
    issues.push(`stop after a whole number of iterations in [${LIMITS.iterations.min}, ${LIMITS.iterations.max}]`);
  }
  if (config.stop.kind === 'loss' && !(config.stop.value >= 0 && Number.isFinite(config.stop.value))) issues.push('the loss target must be a number ≥ 0');
  return issues;
}

/** The J values the papers plot. */
export const TRUNCATION_CANDIDATES: readonly number[] = [1, 2, 5, 10, 20, 50, 100];

/** Numbers of truncations J for the variance figure: the candidates that divide T. */
export function truncationChoices(T: number): number[] {
  if (!Number.isFinite(T) || T < 1) return [];
  return TRUNCATION_CANDIDATES.filter((j) => j <= T && T % j === 0);
}
