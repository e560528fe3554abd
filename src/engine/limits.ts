/**
 * The engine's own check of the hard LIMITS (playground-config.ts). The page, the link
 * and file decoders and the CLI all validate before anything reaches the engine; this is
 * the last line, so that no message — whatever sent it — can make the worker build a
 * population or a job too large to ever finish.
 */
import { LIMITS, type PlaygroundConfig } from '../core/playground-config';
import type { JobSpec } from './protocol';

type Range = { readonly min: number; readonly max: number };

function check(out: string[], what: string, v: unknown, range: Range, integer = true): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < range.min || v > range.max) {
    out.push(`${what} must be ${integer ? 'a whole number ' : ''}in [${range.min}, ${range.max}] (got ${String(v)})`);
  }
}

/** Why a configuration is outside the limits (empty: inside). */
export function configLimitIssues(c: PlaygroundConfig): string[] {
  const out: string[] = [];
  check(out, 'N', c.pairs, LIMITS.pairs);
  if (Number.isFinite(c.T)) check(out, 'T', c.T, LIMITS.T);
  check(out, 'K', c.K, LIMITS.K);
  check(out, 'speed', c.view.speed, LIMITS.speed, false);
  check(out, 'learning rate', c.lr, LIMITS.lr, false);
  check(out, "Adam's β₁", c.adam?.beta1, LIMITS.adamBeta, false);
  check(out, "Adam's β₂", c.adam?.beta2, LIMITS.adamBeta, false);
  if (c.stop.kind === 'iterations') check(out, 'iterations', c.stop.value, LIMITS.iterations);
  if (!Array.isArray(c.estimators) || c.estimators.length < LIMITS.estimators.min || c.estimators.length > LIMITS.estimators.max) {
    out.push(`between ${LIMITS.estimators.min} and ${LIMITS.estimators.max} estimators`);
  }
  return out;
}

/** Why a surface / variance job is outside the limits (empty: inside). */
export function jobLimitIssues(spec: JobSpec): string[] {
  const out: string[] = [];
  if (spec.kind === 'surface') {
    // (Small grids cannot freeze anything: only the maximum is the engine's business.)
    check(out, 'grid', spec.grid, { min: 2, max: LIMITS.surfaceGrid.max });
    if (spec.samples !== 0) check(out, 'samples', spec.samples, LIMITS.surfaceSamples);
  } else {
    check(out, 'pairs', spec.pairs, LIMITS.pairs);
    if (!Array.isArray(spec.truncations) || spec.truncations.length > 64) out.push('at most 64 truncation counts');
    for (const J of spec.truncations ?? []) check(out, 'J', J, LIMITS.T);
    check(out, 'repeats', spec.repeats, { min: 1, max: 10_000 });
  }
  return out;
}
