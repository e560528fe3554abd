/**
 * `reproduce`: regenerates the papers' headline results, one JSON and one CSV per figure
 * in the output folder, a report — `index.html` (self-contained, opens from disk) and
 * `report.md` — that draws every figure and judges it against the paper's claim, and
 * summary.json (also printed on stdout).
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
 *   high-dim-mlp-hpo           ES-Single / NRES comparisons: meta-loss of TES, PES, NRES (and
 *   high-dim-rnn               TBPTT on rnn) over 3 seeds, against outer iterations and
 *   high-dim-learned-optimizer total inner steps, step-unlocked workers
 *   gpes-r-sweep               GPES_R on learned-optimizer: per-update variance and final
 *                              meta-loss against R, from R = K (PES) to R = T (NRES)
 *   mnist-population           evostrats' sweep: minibatch ES with population 2N = 24 … 400
 *                              beside minibatch backprop: test accuracy, cosine to backprop
 *
 * --quick shrinks every figure to a smoke run (well under two minutes). Jobs run on a pool of
 * worker processes (--jobs; default min(2, cores)), longest first. --figures runs some of
 * them; the report then draws every figure whose JSON is in the folder. --report-only
 * redraws the report from the folder without running anything.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createTask } from '../../core/tasks/index';
import type { Options } from '../args';
import { UsageError } from '../args';
import { toCsv } from '../csv';
import { toJson } from '../output';
import type { FigureContext, FigureOutput, RunSpec } from '../reproduce/figures';
import { gpesFigure, highDimFigure, INFLUENCE_BALANCING_RUNS, mnistFigure, round, surfaceFigure, trainingFigure, varianceFigure } from '../reproduce/figures';
import { DEFAULT_BASE_URL } from '../reproduce/links';
import { JobPool } from '../reproduce/pool';
import { plotlySource, renderHtml, renderMarkdown, type ReportRun } from '../reproduce/report';
import { type ReportSection, sectionOf } from '../reproduce/sections';
import { FIGURE_NAMES, type FigureName, FULL, QUICK, type Settings } from '../reproduce/settings';
import type { CommandResult } from './common';
import { progress, seconds, setupBackend } from './common';

export { INFLUENCE_BALANCING_RUNS } from '../reproduce/figures';


/** Rough expected seconds of each job (full settings, one core): the pool starts the longest first. */
const IB_COST: Record<string, number> = { 'tbptt-K1': 4, 'tbptt-K10': 10, 'tbptt-K100': 45, tes: 35, pes: 27, 'nres-noise-drawn-once': 22 };
const LORENZ_COST: Record<string, number> = { tes: 150, pes: 95, nres: 100, tbptt: 45 };
const HIGH_DIM_COST: Record<string, number> = { 'mlp-hpo': 30, rnn: 40, 'learned-optimizer': 30 };

function figureJobs(name: FigureName, s: Settings, ctx: FigureContext): Promise<FigureOutput> {
  switch (name) {
    case 'influence-balancing':
      return trainingFigure(ctx, name, 'influence-balancing', INFLUENCE_BALANCING_RUNS, s.ib, (run) => IB_COST[run.label] ?? 10);
    case 'variance-linear-quadratic':
      return varianceFigure(ctx, name, 'linear-quadratic', s.lqVariance, 1);
    case 'variance-lorenz':
      return varianceFigure(ctx, name, 'lorenz', s.lorenzVariance, 15);
    case 'lr-schedule-surface':
      return surfaceFigure(ctx, s.surface);
    case 'lorenz-training': {
      const K = createTask('lorenz').meta.defaults.K;
      const runs: RunSpec[] = (['tes', 'pes', 'nres', 'tbptt'] as const).map((e) => ({ label: e, estimator: e, K }));
      return trainingFigure(ctx, name, 'lorenz', runs, s.lorenzTraining, (run) => LORENZ_COST[run.label] ?? 50);
    }
    case 'high-dim-mlp-hpo':
    case 'high-dim-rnn':
    case 'high-dim-learned-optimizer': {
      const t = s.highDim.tasks.find((x) => `high-dim-${x.task}` === name);
      if (!t) throw new Error(`no settings for ${name}`);
      return highDimFigure(ctx, t, s.highDim.seeds, HIGH_DIM_COST[t.task] ?? 30);
    }
    case 'gpes-r-sweep':
      return gpesFigure(ctx, s.gpes, 20, 30);
    case 'mnist-population':
      return mnistFigure(ctx, s.mnist, 0.2);
  }
}

/** Reads every figure JSON in `out` (report order); missing ones are skipped. */
async function readFigures(out: string): Promise<({ figure: string; quick: boolean } & Record<string, unknown>)[]> {
  const found: ({ figure: string; quick: boolean } & Record<string, unknown>)[] = [];
  for (const name of FIGURE_NAMES) {
    const file = join(out, `${name}.json`);
    if (!existsSync(file)) continue;
    found.push(JSON.parse(await readFile(file, 'utf8')) as { figure: string; quick: boolean } & Record<string, unknown>);
  }
  return found;
}

/** Writes index.html and report.md for every figure JSON in `out`; returns the sections. */
export async function writeReport(out: string, run: ReportRun): Promise<ReportSection[]> {
  const sections = (await readFigures(out)).map((j) => sectionOf(j, { baseUrl: run.baseUrl })).filter((s): s is ReportSection => s !== null);
  await writeFile(join(out, 'index.html'), renderHtml(sections, run, await plotlySource()));
  await writeFile(join(out, 'report.md'), renderMarkdown(sections, run));
  return sections;
}

function baseUrlOf(opts: Options): string {
  const url = opts.string('base-url') ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\/[^\s#]+$/.test(url)) throw new UsageError(`--base-url must be an http(s) URL without a fragment, got "${url}"`);
  return url;
}

function figuresOf(opts: Options): FigureName[] {
  const wanted = opts.strings('figures');
  return wanted === undefined ? [...FIGURE_NAMES] : FIGURE_NAMES.filter((n) => wanted.includes(n));
}

export async function reproduceCommand(opts: Options): Promise<CommandResult> {
  const quick = opts.flag('quick');
  const s = quick ? QUICK : FULL;
  const out = resolve(opts.string('out') ?? 'reproduce-out');
  const seed = opts.number('seed') ?? 1;
  const jobs = opts.number('jobs') ?? Math.max(1, Math.min(2, availableParallelism()));
  const baseUrl = baseUrlOf(opts);
  const names = figuresOf(opts);
  const backend = await setupBackend();
  const generated = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  if (opts.flag('report-only')) {
    if (!existsSync(out)) throw new UsageError(`--out ${out}: no such folder to draw a report from`);
    const started = performance.now();
    const sections = await writeReport(out, { quick, seed, jobs, seconds: null, backend, generated, baseUrl });
    if (sections.length === 0) throw new UsageError(`--out ${out}: no figure JSON to draw a report from`);
    progress(`[reproduce] report of ${sections.length} figures written to ${join(out, 'index.html')} and report.md (${seconds(started)}s)`);
    const summary = { out, reportOnly: true, verdicts: Object.fromEntries(sections.map((x) => [x.name, x.verdict])) };
    return { json: summary };
  }
  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const started = performance.now();
  progress(`[reproduce] ${quick ? 'quick' : 'full'} run of ${names.length} figure${names.length === 1 ? '' : 's'}, ${jobs} worker${jobs === 1 ? '' : 's'}, writing to ${out}`);
  const pool = new JobPool(jobs, progress);
  const ctx: FigureContext = { pool, seed, quick };
  const written: Record<string, { files: string[]; seconds: number; jobSeconds: number; key: Record<string, unknown>; line: string }> = {};
  const save = async (f: FigureOutput): Promise<void> => {
    const files = [`${f.name}.json`, `${f.name}.csv`];
    await writeFile(join(out, files[0] as string), toJson(f.json));
    await writeFile(join(out, files[1] as string), toCsv(f.table.header, f.table.rows));
    written[f.name] = { files, seconds: seconds(started), jobSeconds: round(f.jobSeconds, 4), key: f.key, line: f.line };
    progress(`[reproduce] wrote ${f.name} (${seconds(started)}s)`);
  };
  try {
    await Promise.all(names.map((n) => figureJobs(n, s, ctx).then(save)));
  } finally {
    pool.close();
  }
  const total = seconds(started);
  const sections = await writeReport(out, { quick, seed, jobs, seconds: total, backend, generated, baseUrl });
  const verdicts = Object.fromEntries(sections.map((x) => [x.name, x.verdict]));
  const width = Math.max(...names.map((n) => n.length));
  progress('');
  progress(`${'figure'.padEnd(width)}  done at  job-s  verdict  key numbers`);
  for (const n of names) {
    const f = written[n];
    if (f) progress(`${n.padEnd(width)}  ${f.seconds.toFixed(1).padStart(6)}s ${f.jobSeconds.toFixed(1).padStart(6)}  ${(verdicts[n] ?? '–').padEnd(7)}  ${f.line}`);
  }
  progress(`total ${total}s (${quick ? 'quick' : 'full'}, ${jobs} worker${jobs === 1 ? '' : 's'}); report: ${join(out, 'index.html')}`);
  const summary = {
    out,
    quick,
    jobs,
    seed,
    seconds: total,
    report: ['index.html', 'report.md'],
    figures: Object.fromEntries(
      names
        .filter((n) => written[n])
        .map((n) => {
          const f = written[n] as (typeof written)[string];
          return [n, { files: f.files, doneAtSeconds: f.seconds, jobSeconds: f.jobSeconds, verdict: verdicts[n] ?? null, key: f.key }];
        }),
    ),
  };
  await writeFile(join(out, 'summary.json'), toJson(summary));
  return { json: summary };
}
