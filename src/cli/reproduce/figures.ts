/**
 * The figures of `reproduce`: each runs its jobs on the pool and returns its data (the
 * `<name>.json` the report is drawn from), a CSV table, the key numbers for summary.json
 * and one line for the summary on stderr. The report (report.ts) reads only the JSON, so
 * it can be redrawn from a finished run's folder (`reproduce --report-only`).
 */
import type { EstimatorId, TaskId, TrainConfig } from '../../core/config';
import { createTask } from '../../core/tasks/index';
import { linearQuadraticExact } from '../../core/tasks/linear-quadratic';
import { defaultTrainConfig } from '../../core/trainer';
import type { Table } from '../csv';
import { surfaceTable } from '../commands/surface';
import { varianceTable } from '../commands/variance';
import type { TrainJobResult, VarianceJobRow } from './jobs';
import type { JobDone, JobPool } from './pool';
import type { HighDimTask, Settings } from './settings';

export interface FigureOutput {
  name: string;
  json: { figure: string; quick: boolean } & Record<string, unknown>;
  table: Table;
  /** Sum of the seconds its jobs ran (on whichever worker). */
  jobSeconds: number;
  key: Record<string, unknown>;
  /** One line for the summary table on stderr. */
  line: string;
}

export interface FigureContext {
  pool: JobPool;
  seed: number;
  quick: boolean;
}

export interface RunSpec {
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

export const VARIANCE_ESTIMATORS: readonly EstimatorId[] = ['tes', 'pes', 'nres'];

export function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

export function trainConfig(task: TaskId, run: RunSpec, iterations: number, seed: number, pairs?: number): TrainConfig {
  const base = defaultTrainConfig(task, run.estimator);
  return {
    ...base,
    settings: { ...base.settings, K: run.K, R: run.K, seed, pairs: pairs ?? base.settings.pairs },
    iterations,
  };
}

/** Training curves of several runs on one task. */
export async function trainingFigure(
  ctx: FigureContext,
  name: string,
  task: TaskId,
  runs: readonly RunSpec[],
  s: { iterations: number; pairs?: number; logEvery: number },
  cost: (run: RunSpec) => number,
): Promise<FigureOutput> {
  const { pool, seed } = ctx;
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
    quick: ctx.quick,
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
export async function varianceFigure(
  ctx: FigureContext,
  name: string,
  task: TaskId,
  s: { truncations: number[]; pairs: number; repeats: number; referencePairs?: number },
  cellCost: number,
): Promise<FigureOutput> {
  const { pool, seed } = ctx;
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
    quick: ctx.quick,
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

export async function surfaceFigure(ctx: FigureContext, s: Settings['surface']): Promise<FigureOutput> {
  const { pool, seed } = ctx;
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
    json: { figure: name, quick: ctx.quick, task, grid, sigma, samples: s.samples, seed, ...result },
    table: surfaceTable(result),
    jobSeconds,
    key,
    line: `argmin raw ${fmt(key.argminRaw)}  smoothed ${fmt(key.argminSmoothed)}`,
  };
}

/** Mean, minimum and maximum of finite values (NaN when there are none). */
export function spread(values: readonly number[]): { mean: number; min: number; max: number } {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v) };
}

/** A seed's run as the figures keep it: the curve, without θ. */
export interface SeedRun {
  estimator: EstimatorId;
  seed: number;
  finalLoss: number;
  history: { iter: number; innerSteps: number; loss: number }[];
}

/** Config of one run of a high-dimensional comparison: the task's defaults, step-unlocked workers (NRES paper). */
export function highDimConfig(t: HighDimTask, estimator: EstimatorId, seed: number): TrainConfig {
  const base = defaultTrainConfig(t.task, estimator);
  return {
    ...base,
    settings: { ...base.settings, seed, workers: 'unlocked', pairs: t.pairs ?? base.settings.pairs },
    iterations: t.iterations,
  };
}

/**
 * ES-Single / NRES on a high-dimensional task: meta-loss against outer iterations and
 * total inner steps for each estimator, every seed (the figure draws mean and spread).
 */
export async function highDimFigure(ctx: FigureContext, t: HighDimTask, seeds: readonly number[], cost: number): Promise<FigureOutput> {
  const name = `high-dim-${t.task}`;
  const specs = t.estimators.flatMap((estimator) => seeds.map((seed) => ({ estimator, seed })));
  const done = await Promise.all(
    specs.map(({ estimator, seed }) =>
      ctx.pool.run(
        { kind: 'train', label: `${name} ${estimator} seed ${seed}`, config: highDimConfig(t, estimator, seed), logEvery: t.logEvery, keepTheta: false },
        cost * (estimator === 'pes' ? 1.2 : 1),
      ),
    ),
  );
  const runs: SeedRun[] = specs.map(({ estimator, seed }, i) => {
    const r = (done[i] as JobDone<TrainJobResult>).result;
    return { estimator, seed, finalLoss: r.loss, history: r.history.map((h) => ({ iter: h.iter, innerSteps: h.innerSteps, loss: h.loss })) };
  });
  const config = highDimConfig(t, t.estimators[0] ?? 'pes', seeds[0] ?? 1);
  const summary = Object.fromEntries(t.estimators.map((e) => [e, spread(runs.filter((r) => r.estimator === e).map((r) => r.finalLoss))]));
  const json = {
    figure: name,
    quick: ctx.quick,
    task: t.task,
    estimators: t.estimators,
    seeds,
    settings: {
      pairs: config.settings.pairs,
      T: config.settings.T,
      K: config.settings.K,
      sigma: config.sigma.sigma0,
      optimizer: config.optimizer,
      lr: config.lr,
      iterations: t.iterations,
      logEvery: t.logEvery,
      workers: config.settings.workers,
    },
    initialLoss: runs[0]?.history[0]?.loss ?? null,
    summary,
    runs,
  };
  return {
    name,
    json,
    table: {
      header: ['estimator', 'seed', 'iter', 'innerSteps', 'loss'],
      rows: runs.flatMap((r) => r.history.map((h) => [r.estimator, r.seed, h.iter, h.innerSteps, h.loss])),
    },
    jobSeconds: done.reduce((a, d) => a + d.seconds, 0),
    key: Object.fromEntries(Object.entries(summary).map(([e, s]) => [e, { finalMean: round(s.mean), finalMin: round(s.min), finalMax: round(s.max) }])),
    line: Object.entries(summary)
      .map(([e, s]) => `${e} ${s.mean.toPrecision(4)}`)
      .join('  '),
  };
}

/** GPES_R on one task: per-update variance at θ₀ (one job per R) and training runs, against R. */
export async function gpesFigure(ctx: FigureContext, s: Settings['gpes'], cellCost: number, trainCost: number): Promise<FigureOutput> {
  const name = 'gpes-r-sweep';
  const { pool, seed } = ctx;
  const task = createTask(s.task);
  const meta = task.meta;
  const T = meta.defaults.T;
  const J = T / s.K;
  const theta = [...meta.theta0];
  const sigma = meta.defaults.sigma;
  const pairs = s.pairs ?? meta.defaults.pairs;
  const config = (R: number, runSeed: number): TrainConfig => {
    const base = defaultTrainConfig(s.task, 'gpes');
    return { ...base, settings: { ...base.settings, K: s.K, R, seed: runSeed, workers: 'unlocked', pairs }, iterations: s.iterations };
  };
  // Training does not need the reference: queued first, so the pool runs it meanwhile.
  const training = s.R.flatMap((R) =>
    s.seeds.map((runSeed) => pool.run({ kind: 'train', label: `${name} R=${R} seed ${runSeed}`, config: config(R, runSeed), logEvery: s.logEvery, keepTheta: false }, trainCost)),
  );
  const ref = await pool.run({ kind: 'reference', label: `${name} reference`, task: s.task, theta, sigma, seed, pairs: s.referencePairs }, 1e6);
  const variance = s.R.map((R) =>
    pool.run(
      {
        kind: 'variance',
        label: `${name} variance R=${R}`,
        task: s.task,
        theta,
        estimators: ['gpes'],
        truncations: [J],
        pairs,
        sigma,
        repeats: s.repeats,
        protocol: 'update',
        seed,
        reference: ref.result.gradient,
        referenceVariance: ref.result.variance,
        gpesPeriod: R,
      },
      cellCost,
    ),
  );
  const [vDone, tDone] = await Promise.all([Promise.all(variance), Promise.all(training)]);
  const varianceRows = s.R.map((R, i) => {
    const row = vDone[i]?.result[0];
    return { R, totalVariance: row?.totalVariance ?? Number.NaN, normalizedError: row?.normalizedError ?? Number.NaN, ciLow: row?.ciLow ?? Number.NaN, ciHigh: row?.ciHigh ?? Number.NaN };
  });
  const runs = s.R.flatMap((R, i) =>
    s.seeds.map((runSeed, j) => {
      const r = (tDone[i * s.seeds.length + j] as JobDone<TrainJobResult>).result;
      return { R, seed: runSeed, finalLoss: r.loss, history: r.history.map((h) => ({ iter: h.iter, innerSteps: h.innerSteps, loss: h.loss })) };
    }),
  );
  const summary = s.R.map((R) => ({ R, final: spread(runs.filter((r) => r.R === R).map((r) => r.finalLoss)) }));
  const c0 = config(s.R[0] ?? s.K, s.seeds[0] ?? 1);
  const json = {
    figure: name,
    quick: ctx.quick,
    task: s.task,
    theta,
    settings: {
      T,
      K: s.K,
      J,
      R: s.R,
      pairs,
      sigma,
      optimizer: c0.optimizer,
      lr: c0.lr,
      iterations: s.iterations,
      logEvery: s.logEvery,
      workers: c0.settings.workers,
      seeds: s.seeds,
      repeats: s.repeats,
      protocol: 'update',
      referencePairs: s.referencePairs,
      seed,
    },
    reference: ref.result.gradient,
    referenceVariance: ref.result.variance,
    variance: varianceRows,
    summary,
    runs,
  };
  return {
    name,
    json,
    table: {
      header: ['R', 'seed', 'iter', 'innerSteps', 'loss', 'totalVariance', 'normalizedError'],
      rows: [
        ...varianceRows.map((v) => [v.R, '', '', '', '', v.totalVariance, v.normalizedError]),
        ...runs.flatMap((r) => r.history.map((h) => [r.R, r.seed, h.iter, h.innerSteps, h.loss, '', ''])),
      ],
    },
    jobSeconds: ref.seconds + vDone.reduce((a, d) => a + d.seconds, 0) + tDone.reduce((a, d) => a + d.seconds, 0),
    key: {
      totalVariance: Object.fromEntries(varianceRows.map((v) => [v.R, round(v.totalVariance)])),
      finalLossMean: Object.fromEntries(summary.map((x) => [x.R, round(x.final.mean)])),
    },
    line: varianceRows.map((v, i) => `R=${v.R} tr Cov ${v.totalVariance.toPrecision(3)} loss ${(summary[i]?.final.mean ?? Number.NaN).toPrecision(4)}`).join('  '),
  };
}

/**
 * evostrats' MNIST sweep: minibatch ES (TES with K = 1: each update perturbs θ on one
 * minibatch, as evostrats does) with N pairs, and minibatch backprop (TBPTT with K = 1),
 * all on the same minibatch sequence; test accuracy, and the cosine of the ES gradient to
 * the backprop gradient on the same digits.
 */
export async function mnistFigure(ctx: FigureContext, s: Settings['mnist'], costPerPair: number): Promise<FigureOutput> {
  const name = 'mnist-population';
  const meta = createTask('mnist').meta;
  const config = (estimator: EstimatorId, pairs: number): TrainConfig => {
    const base = defaultTrainConfig('mnist', estimator);
    return { ...base, settings: { ...base.settings, K: 1, R: 1, pairs, seed: ctx.seed, workers: 'lockstep' }, lr: s.lr, iterations: s.iterations };
  };
  const es = s.pairs.map((pairs) =>
    ctx.pool.run(
      {
        kind: 'train',
        label: `${name} N=${pairs}`,
        config: config('tes', pairs),
        logEvery: s.logEvery,
        keepTheta: false,
        cosineProbe: { pairs, digits: s.probe.digits, seeds: s.probe.seeds, every: s.probe.every },
      },
      costPerPair * (2 * pairs + 1),
    ),
  );
  const bp = ctx.pool.run({ kind: 'train', label: `${name} backprop`, config: config('tbptt', 1), logEvery: s.logEvery, keepTheta: false }, costPerPair * 4);
  const [esDone, bpDone] = await Promise.all([Promise.all(es), bp]);
  const curve = (r: TrainJobResult) => r.history.map((h) => ({ iter: h.iter, innerSteps: h.innerSteps, loss: h.loss, accuracy: h.metric ?? Number.NaN }));
  const populations = s.pairs.map((pairs, i) => {
    const r = (esDone[i] as JobDone<TrainJobResult>).result;
    const cosines = r.cosines ?? [];
    // The probes after training started (θ₀'s cosine is one more point, not a typical one).
    const trained = cosines.filter((c) => c.iter > 0);
    return {
      pairs,
      population: 2 * pairs,
      finalAccuracy: r.metric ?? Number.NaN,
      finalLoss: r.loss,
      cosines,
      meanCosine: spread((trained.length > 0 ? trained : cosines).map((c) => c.cosine)).mean,
      history: curve(r),
    };
  });
  const b = bpDone.result;
  const c0 = config('tes', s.pairs[0] ?? 1);
  const json = {
    figure: name,
    quick: ctx.quick,
    task: 'mnist',
    dim: meta.theta0.length,
    settings: {
      estimator: 'tes',
      K: 1,
      T: c0.settings.T,
      minibatch: 50,
      trainDigits: 50 * c0.settings.T,
      sigma: c0.sigma.sigma0,
      optimizer: c0.optimizer,
      lr: s.lr,
      iterations: s.iterations,
      logEvery: s.logEvery,
      seed: ctx.seed,
      workers: 'lockstep',
      probe: s.probe,
    },
    populations,
    backprop: { estimator: 'tbptt', K: 1, finalAccuracy: b.metric ?? Number.NaN, finalLoss: b.loss, history: curve(b) },
  };
  return {
    name,
    json,
    table: {
      header: ['run', 'pairs', 'population', 'iter', 'innerSteps', 'loss', 'testAccuracy', 'cosine'],
      rows: [
        ...populations.flatMap((p) =>
          p.history.map((h) => ['es', p.pairs, p.population, h.iter, h.innerSteps, h.loss, h.accuracy, p.cosines.find((c) => c.iter === h.iter)?.cosine ?? '']),
        ),
        ...json.backprop.history.map((h) => ['backprop', '', '', h.iter, h.innerSteps, h.loss, h.accuracy, '']),
      ],
    },
    jobSeconds: esDone.reduce((a, d) => a + d.seconds, 0) + bpDone.seconds,
    key: {
      accuracy: Object.fromEntries(populations.map((p) => [p.population, round(p.finalAccuracy)])),
      cosine: Object.fromEntries(populations.map((p) => [p.population, round(p.meanCosine)])),
      backprop: round(json.backprop.finalAccuracy),
    },
    line: `${populations.map((p) => `2N=${p.population} ${p.finalAccuracy.toFixed(1)}% cos ${p.meanCosine.toFixed(3)}`).join('  ')}  backprop ${json.backprop.finalAccuracy.toFixed(1)}%`,
  };
}
