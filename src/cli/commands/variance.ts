import type { EstimatorId } from '../../core/config';
import type { VarianceProtocol, VarianceRow } from '../../core/experiments/variance';
import { measureVariance, varianceReferenceFor } from '../../core/experiments/variance';
import type { Task } from '../../core/task';
import { createTask } from '../../core/tasks/index';
import type { Options } from '../args';
import { UsageError } from '../args';
import type { Table } from '../csv';
import type { CommandResult } from './common';
import { estimatorIdsOf, progress, seconds, taskIdOf, thetaOf } from './common';

export const VARIANCE_DEFAULTS = { pairs: 10, repeats: 50, protocol: 'update' as VarianceProtocol, seed: 1, referencePairs: 4096 };
/** Cap on repeats × pairs (each repeat is a population of N pairs, all run at once). */
export const MAX_VARIANCE_WORKERS = 65_536;

/** Checks J values against the task's horizon T. */
export function checkTruncations(task: Task, truncations: readonly number[]): number {
  const T = task.meta.defaults.T;
  if (!Number.isFinite(T)) throw new UsageError(`variance needs a task with a finite horizon; ${task.meta.id} never resets (T = ∞)`);
  for (const J of truncations) {
    if (J > T || T % J !== 0) throw new UsageError(`J = ${J} does not divide T = ${T} of ${task.meta.id} (J must be a divisor of T)`);
  }
  return T;
}

/**
 * GPES's resampling period (--R, inner steps) checked against every J: where K = T/J < R,
 * K must divide R (the noise is redrawn at truncation starts); where K ≥ R, GPES draws
 * every truncation. Undefined when --R is not given (GPES then resamples every truncation,
 * R = K: PES).
 */
/** Whether GPES can resample every R steps at J (K = T/J ≥ R: every truncation; else K divides R). */
export function gpesPeriodFits(T: number, J: number, R: number): boolean {
  const K = T / J;
  return K >= R || R % K === 0;
}

export function checkGpesPeriod(opts: Options, estimators: readonly EstimatorId[], T: number, truncations: readonly number[]): number | undefined {
  const R = opts.number('R');
  if (R === undefined) return undefined;
  if (!estimators.includes('gpes')) throw new UsageError(`--R (the GPES resampling period) applies to gpes only, not ${estimators.join(', ')}`);
  const bad = truncations.filter((J) => !gpesPeriodFits(T, J, R));
  if (bad.length > 0) {
    throw new UsageError(`--R ${R} must be a multiple of K = T/J at every J with K < R: ${bad.map((J) => `J = ${J} (K = ${T / J})`).join(', ')}`);
  }
  return R;
}

export type { ReferenceKind } from '../../core/experiments/variance';

export function varianceTable(rows: readonly (VarianceRow & { task?: string })[]): Table {
  return {
    header: ['estimator', 'J', 'K', 'totalVariance', 'normalizedError', 'ciLow', 'ciHigh', 'mean'],
    rows: rows.map((r) => [r.estimator, r.J, r.K, r.totalVariance, r.normalizedError, r.ciLow, r.ciHigh, r.mean.join(';')]),
  };
}

export async function varianceCommand(opts: Options): Promise<CommandResult> {
  const taskId = taskIdOf(opts);
  const task = createTask(taskId);
  const theta = thetaOf(opts, task);
  const estimators: EstimatorId[] = estimatorIdsOf(opts, 'estimators');
  const truncations = opts.numbers('truncations') ?? [];
  const T = checkTruncations(task, truncations);
  const gpesR = checkGpesPeriod(opts, estimators, T, truncations);
  if (gpesR === undefined && estimators.includes('gpes')) progress('[variance] note: gpes without --R resamples every truncation (R = K), which is PES');
  const pairs = opts.number('pairs') ?? VARIANCE_DEFAULTS.pairs;
  const repeats = opts.number('repeats') ?? VARIANCE_DEFAULTS.repeats;
  if (pairs * repeats > MAX_VARIANCE_WORKERS) {
    throw new UsageError(`--pairs × --repeats = ${pairs * repeats} exceeds ${MAX_VARIANCE_WORKERS} (every repeat runs at once); reduce one of them`);
  }
  const sigma = opts.number('sigma') ?? task.meta.defaults.sigma;
  const protocol = (opts.string('protocol') as VarianceProtocol | undefined) ?? VARIANCE_DEFAULTS.protocol;
  const seed = opts.number('seed') ?? VARIANCE_DEFAULTS.seed;
  const referencePairs = opts.number('reference-pairs') ?? VARIANCE_DEFAULTS.referencePairs;
  const started = performance.now();
  if (taskId !== 'linear-quadratic') progress(`[variance] reference gradient: full-unroll ES with ${referencePairs} pairs …`);
  const { reference, referenceKind: kind, referenceVariance } = await varianceReferenceFor(task, theta, sigma, seed, referencePairs);
  progress(
    `[variance] reference (${kind}) ${reference.map((g) => g.toPrecision(5)).join(', ')}` +
      (kind === 'exact' ? '' : `, its own error E‖g_ref − g‖² ≈ ${referenceVariance.toPrecision(3)} (subtracted from the normalized errors)`) +
      `  ${seconds(started)}s`,
  );
  const cells = estimators.flatMap((e) => truncations.map((J) => `${e} J=${J}`));
  const result = await measureVariance({
    task,
    theta,
    estimators,
    truncations,
    pairs,
    sigma,
    repeats,
    protocol,
    seed,
    reference,
    referenceVariance,
    ...(gpesR !== undefined ? { gpesPeriod: gpesR } : {}),
    onProgress: (done, total) => progress(`[variance] ${done}/${total} ${cells[done - 1] ?? ''}  ${seconds(started)}s`),
  });
  const rows = result.rows.map(({ estimator, J, K, totalVariance, normalizedError, ciLow, ciHigh, mean }) => ({
    estimator,
    J,
    K,
    totalVariance,
    normalizedError,
    ciLow,
    ciHigh,
    mean,
  }));
  return {
    json: { task: taskId, theta, sigma, pairs, repeats, protocol, seed, ...(gpesR !== undefined ? { gpesR } : {}), referenceKind: kind, rows, reference, referenceVariance },
    table: varianceTable(rows),
  };
}
