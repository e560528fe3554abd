/**
 * `reproduce`: regenerates the data behind the papers' headline figures, one JSON and
 * one CSV per figure in the output folder, plus summary.json (also printed on stdout).
 *
 *   influence-balancing        θ and evaluation loss over training: TBPTT K = 1/10/100,
 *                              TES, PES, NRES (K = 1; the task never resets, so NRES's noise
 *                              is drawn once for the whole run: labelled so), PES-paper
 *                              settings (N = 500, σ = 0.1, SGD 1e-4, 3000 iterations)
 *   variance-linear-quadratic  tr Cov(ĝ) and normalized error against J (per-update protocol)
 *   variance-lorenz            for TES, PES, NRES at every J and full-unroll ES (J = 1)
 *   lr-schedule-surface        raw and σ-smoothed meta-loss on a grid over [−5, 5]²
 *   lorenz-training            training curves of the online estimators TES, PES, NRES, TBPTT
 *                              with the task's defaults (N = 200, K = 100, T = 2000, Adam 1e-2)
 *
 * --quick shrinks every figure (iterations, pairs, repeats, J values, grid) to a smoke
 * run. Jobs run on a pool of worker processes (--jobs; default min(2, cores)).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { EstimatorId, TaskId, TrainConfig } from '../../core/config';
import { createTask } from '../../core/tasks/index';
import { defaultTrainConfig } from '../../core/trainer';
import type { Options } from '../args';
import { UsageError } from '../args';
import type { Table } from '../csv';
import { toCsv } from '../csv';
import { toJson } from '../output';
import type { JobDone } from '../reproduce/pool';
import { JobPool } from '../reproduce/pool';
import type { TrainJobResult, VarianceJobRow } from '../reproduce/jobs';
import type { CommandResult } from './common';
import { progress, seconds } from './common';
import { varianceTable } from './variance';
import { surfaceTable } from './surface';
import { linearQuadraticExact } from '../../core/tasks/linear-quadratic';

interface Settings {
  ib: { iterations: number; pairs?: number; logEvery: number };
  lqVariance: { truncations: number[]; pairs: number; repeats: number };
  lorenzVariance: { truncations: number[]; pairs: number; repeats: number; referencePairs: number };
  surface: { grid: number; samples: number };
  lorenzTraining: { iterations: number; pairs?: number; logEvery: number };
}

const FULL: Settings = {
  ib: { iterations: 3000, logEvery: 30 },
  lqVariance: { truncations: [1, 2, 5, 10, 20, 50, 100], pairs: 10, repeats: 200 },
  lorenzVariance: { truncations: [1, 2, 5, 10, 20, 50, 100, 200], pairs: 10, repeats: 100, referencePairs: 4096 },
  surface: { grid: 64, samples: 16 },
  lorenzTraining: { iterations: 500, logEvery: 10 },
};

const QUICK: Settings = {
  ib: { iterations: 100, pairs: 50, logEvery: 10 },
  lqVariance: { truncations: [1, 10, 100], pairs: 4, repeats: 16 },
  lorenzVariance: { truncations: [1, 20, 200], pairs: 2, repeats: 8, referencePairs: 128 },
  surface: { grid: 12, samples: 2 },
  lorenzTraining: { iterations: 10, pairs: 16, logEvery: 2 },
};

const VARIANCE_ESTIMATORS: readonly EstimatorId[] = ['tes', 'pes', 'nres'];

interface FigureOutput {
  name: string;
  json: unknown;
  table: Table;
  /** Sum of the seconds its jobs ran (on whichever worker). */
  jobSeconds: number;
  key: Record<string, unknown>;
  /** One line for the summary table on stderr. */
  line: string;
}

interface RunSpec {
  label: string;
  estimator: EstimatorId;
  K: number;
  /** What the run is, where its label alone would mislead (written with the run). */
  note?: string;
}

/**
 * The influence-balancing runs (PES paper). The task never resets (T = ∞), so NRES has no
 * episode end to redraw its noise at: each pair keeps the perturbation it drew at the start
 * for the whole run — N fixed directions (here θ is 1-D: a fixed ±ε per pair), not the
 * per-episode noise reuse of the NRES paper. Labelled so.
 */
export const INFLUENCE_BALANCING_RUNS: readonly RunSpec[] = [
  { label: 'tbptt-K1', estimator: 'tbptt', K: 1 },
  { label: 'tbptt-K10', estimator: 'tbptt', K: 10 },
  { label: 'tbptt-K100', estimator: 'tbptt', K: 100 },
  { label: 'tes', estimator: 'tes', K: 1 },
  { label: 'pes', estimator: 'pes', K: 1 },
  {
    label: 'nres-noise-drawn-once',
    estimator: 'nres',
    K: 1,
    note:
      'The task never resets (T = ∞): NRES redraws only at an episode end, so each pair\'s noise is drawn once and kept ' +
      'for the whole run (N fixed directions), not resampled per episode as in the NRES paper.',
  },
];

function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

function trainConfig(task: TaskId, run: RunSpec, iterations: number, seed: number, pairs?: number): TrainConfig {
  const base = defaultTrainConfig(task, run.estimator);
  return {
    ...base,
    settings: { ...base.settings, K: run.K, R: run.K, seed, pairs: pairs ?? base.settings.pairs },
    iterations,
  };
}

/** Training curves of several runs on one task. */
async function trainingFigure(
  pool: JobPool,
  name: string,
  task: TaskId,
  runs: readonly RunSpec[],
  s: { iterations: number; pairs?: number; logEvery: number },
  seed: number,
  cost: (run: RunSpec) => number,
): Promise<FigureOutput> {
  const meta = createTask(task).meta;
  const done = await Promise.all(
    runs.map((run) =>
      pool.run({ kind: 'train', label: `${name} ${run.label}`, config: trainConfig(task, run, s.iterations, seed, s.pairs), logEvery: s.logEvery }, cost(run)),
    ),
  );
  const optimum = meta.optimum ? [...meta.optimum] : null;
  const distance = (theta: readonly number[]): number | null =>
    optimum ? Math.hypot(...theta.map((t, i) => t - (optimum[i] ?? 0))) : null;
  const results = runs.map((run, i) => ({ run, ...(done[i] as JobDone<TrainJobResult>) }));
  const first = results[0];
  const config = first ? trainConfig(task, first.run, s.iterations, seed, s.pairs) : null;
  const json = {
    figure: name,
    task,
    optimum,
    settings: config
      ? {
          pairs: config.settings.pairs,
          T: config.settings.T,
          sigma: config.sigma.sigma0,
          optimizer: config.optimizer,
          lr: config.lr,
          iterations: s.iterations,
          logEvery: s.logEvery,
          seed,
          workers: config.settings.workers,
        }
      : null,
    runs: results.map(({ run, result }) => ({
      label: run.label,
      estimator: run.estimator,
      K: run.K,
      ...(run.note ? { note: run.note } : {}),
      theta: result.theta,
      loss: result.loss,
      distanceToOptimum: distance(result.theta),
      history: result.history,
    })),
  };
  const d = meta.theta0.length;
  const table: Table = {
    header: ['run', 'estimator', 'K', 'iter', 'innerSteps', 'sigma', 'loss', ...Array.from({ length: d }, (_, i) => `theta_${i}`)],
    rows: results.flatMap(({ run, result }) =>
      result.history.map((h) => [run.label, run.estimator, run.K, h.iter, h.innerSteps, h.sigma, h.loss, ...h.theta]),
    ),
  };
  const key = Object.fromEntries(
    results.map(({ run, result }) => [
      run.label,
      { theta: result.theta.map((t) => round(t)), loss: round(result.loss), distanceToOptimum: round(distance(result.theta) ?? Number.NaN) },
    ]),
  );
  const line = results.map(({ run, result }) => `${run.label} θ=${result.theta.map((t) => t.toFixed(3)).join(',')}`).join('  ');
  return { name, json, table, jobSeconds: results.reduce((a, r) => a + r.seconds, 0), key: { optimum, final: key }, line };
}

/** Variance against J for TES, PES, NRES (every J) and full-unroll ES (J = 1), per-update protocol. */
async function varianceFigure(
  pool: JobPool,
  name: string,
  task: TaskId,
  s: { truncations: number[]; pairs: number; repeats: number; referencePairs?: number },
  seed: number,
  cellCost: number,
): Promise<FigureOutput> {
  const meta = createTask(task).meta;
  const theta = [...meta.theta0];
  const sigma = meta.defaults.sigma;
  let reference: number[];
  let referenceKind: 'exact' | 'full-es';
  let referenceVariance = 0;
  let referenceSeconds = 0;
  if (task === 'linear-quadratic') {
    reference = linearQuadraticExact().gradient(theta);
    referenceKind = 'exact';
  } else {
    const pairs = s.referencePairs ?? 4096;
    const ref = await pool.run({ kind: 'reference', label: `${name} reference`, task, theta, sigma, seed, pairs }, 1e6);
    reference = ref.result.gradient;
    referenceVariance = ref.result.variance;
    referenceKind = 'full-es';
    referenceSeconds = ref.seconds;
  }
  const common = { task, theta, pairs: s.pairs, sigma, repeats: s.repeats, protocol: 'update' as const, seed, reference, referenceVariance };
  const jobs = [
    ...VARIANCE_ESTIMATORS.map((e) => ({ estimators: [e], truncations: s.truncations })),
    { estimators: ['full-es' as EstimatorId], truncations: [1] },
  ];
  const done = await Promise.all(
    jobs.map((j) =>
      pool.run({ kind: 'variance', label: `${name} ${j.estimators.join(',')}`, ...common, ...j }, cellCost * j.truncations.length),
    ),
  );
  const rows: VarianceJobRow[] = done.flatMap((d) => d.result);
  const json = {
    figure: name,
    task,
    theta,
    T: meta.defaults.T,
    sigma,
    pairs: s.pairs,
    repeats: s.repeats,
    protocol: 'update',
    seed,
    truncations: s.truncations,
    referenceKind,
    reference,
    referenceVariance,
    note:
      'full-es is measured at J = 1 only (it unrolls whole episodes; J does not apply). normalizedError has the ' +
      'reference’s own error referenceVariance (E‖g_ref − g‖², 0 when exact) subtracted.',
    rows,
  };
  const key: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const e of [...VARIANCE_ESTIMATORS, 'full-es' as EstimatorId]) {
    const mine = rows.filter((r) => r.estimator === e);
    const a = mine[0];
    const b = mine[mine.length - 1];
    if (!a || !b) continue;
    key[e] = {
      J: mine.length > 1 ? [a.J, b.J] : [a.J],
      totalVariance: mine.length > 1 ? [round(a.totalVariance), round(b.totalVariance)] : [round(a.totalVariance)],
      normalizedError: mine.length > 1 ? [round(a.normalizedError), round(b.normalizedError)] : [round(a.normalizedError)],
    };
    parts.push(mine.length > 1 ? `${e} ${a.totalVariance.toPrecision(3)}→${b.totalVariance.toPrecision(3)}` : `${e} ${a.totalVariance.toPrecision(3)}`);
  }
  const Js = s.truncations;
  return {
    name,
    json,
    table: varianceTable(rows),
    jobSeconds: referenceSeconds + done.reduce((acc, d) => acc + d.seconds, 0),
    key,
    line: `tr Cov, J=${Js[0]}→${Js[Js.length - 1]}: ${parts.join('  ')}`,
  };
}

async function surfaceFigure(pool: JobPool, s: Settings['surface'], seed: number): Promise<FigureOutput> {
  const name = 'lr-schedule-surface';
  const task: TaskId = 'lr-schedule';
  const sigma = createTask(task).meta.defaults.sigma;
  const grid = s.grid;
  const cost = (grid * grid * (1 + s.samples)) / 3000;
  const { result, seconds: jobSeconds } = await pool.run({ kind: 'surface', label: name, task, grid, sigma, samples: s.samples, seed }, cost);
  const argmin = (values: readonly number[] | null): { theta: number[]; value: number } | null => {
    if (!values || values.length === 0) return null;
    let best = 0;
    values.forEach((v, i) => {
      if (v < (values[best] ?? Infinity)) best = i;
    });
    const nx = result.x.length;
    const theta = [result.x[best % nx] ?? NaN, ...(result.y ? [result.y[Math.floor(best / nx)] ?? NaN] : [])];
    return { theta: theta.map((t) => round(t)), value: round(values[best] ?? NaN) };
  };
  const key = { grid, samples: s.samples, sigma, argminRaw: argmin(result.raw), argminSmoothed: argmin(result.smoothed) };
  const fmt = (m: { theta: number[]; value: number } | null): string => (m ? `(${m.theta.join(', ')}) = ${m.value}` : '–');
  return {
    name,
    json: { figure: name, task, grid, sigma, samples: s.samples, seed, ...result },
    table: surfaceTable(result),
    jobSeconds,
    key,
    line: `argmin raw ${fmt(key.argminRaw)}  smoothed ${fmt(key.argminSmoothed)}`,
  };
}

export async function reproduceCommand(opts: Options): Promise<CommandResult> {
  const quick = opts.flag('quick');
  const s = quick ? QUICK : FULL;
  const out = resolve(opts.string('out') ?? 'reproduce-out');
  const seed = opts.number('seed') ?? 1;
  const jobs = opts.number('jobs') ?? Math.max(1, Math.min(2, availableParallelism()));
  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const started = performance.now();
  progress(`[reproduce] ${quick ? 'quick' : 'full'} run, ${jobs} worker${jobs === 1 ? '' : 's'}, writing to ${out}`);
  const pool = new JobPool(jobs, progress);
  const written: Record<string, { files: string[]; seconds: number; jobSeconds: number; key: Record<string, unknown>; line: string }> = {};
  const save = async (f: FigureOutput): Promise<void> => {
    const files = [`${f.name}.json`, `${f.name}.csv`];
    await writeFile(join(out, files[0] as string), toJson(f.json));
    await writeFile(join(out, files[1] as string), toCsv(f.table.header, f.table.rows));
    written[f.name] = { files, seconds: seconds(started), jobSeconds: round(f.jobSeconds, 4), key: f.key, line: f.line };
    progress(`[reproduce] wrote ${f.name} (${seconds(started)}s)`);
  };
  // Rough expected seconds of each job (full settings, one core): longest first.
  const ibCost: Record<string, number> = { 'tbptt-K1': 4, 'tbptt-K10': 10, 'tbptt-K100': 45, tes: 35, pes: 27, 'nres-noise-drawn-once': 22 };
  const lorenzCost: Record<string, number> = { tes: 150, pes: 95, nres: 100, tbptt: 45 };
  try {
    const figures = [
      trainingFigure(
        pool,
        'influence-balancing',
        'influence-balancing',
        INFLUENCE_BALANCING_RUNS,
        s.ib,
        seed,
        (run) => ibCost[run.label] ?? 10,
      ),
      varianceFigure(pool, 'variance-linear-quadratic', 'linear-quadratic', s.lqVariance, seed, 1),
      varianceFigure(pool, 'variance-lorenz', 'lorenz', s.lorenzVariance, seed, 15),
      surfaceFigure(pool, s.surface, seed),
      trainingFigure(
        pool,
        'lorenz-training',
        'lorenz',
        (['tes', 'pes', 'nres', 'tbptt'] as const).map((e) => ({ label: e, estimator: e, K: createTask('lorenz').meta.defaults.K })),
        s.lorenzTraining,
        seed,
        (run) => lorenzCost[run.label] ?? 50,
      ),
    ].map((p) => p.then(save));
    await Promise.all(figures);
  } finally {
    pool.close();
  }
  const total = seconds(started);
  const names = Object.keys(written);
  const width = Math.max(...names.map((n) => n.length));
  const order = ['influence-balancing', 'variance-linear-quadratic', 'variance-lorenz', 'lr-schedule-surface', 'lorenz-training'];
  progress('');
  progress(`${'figure'.padEnd(width)}  done at  job-s  key numbers`);
  for (const n of order) {
    const f = written[n];
    if (f) progress(`${n.padEnd(width)}  ${f.seconds.toFixed(1).padStart(6)}s ${f.jobSeconds.toFixed(1).padStart(6)}  ${f.line}`);
  }
  progress(`total ${total}s (${quick ? 'quick' : 'full'}, ${jobs} worker${jobs === 1 ? '' : 's'})`);
  const summary = {
    out,
    quick,
    jobs,
    seed,
    seconds: total,
    figures: Object.fromEntries(
      order.filter((n) => written[n]).map((n) => {
        const f = written[n] as (typeof written)[string];
        return [n, { files: f.files, doneAtSeconds: f.seconds, jobSeconds: f.jobSeconds, key: f.key }];
      }),
    ),
  };
  await writeFile(join(out, 'summary.json'), toJson(summary));
  return { json: summary };
}
