import type { EstimatorId, TaskId, TrainConfig } from '../../core/config';
import { estimatorInfo } from '../../core/estimators/index';
import { runTraining } from '../../core/experiments/training';
import type { SigmaSchedule } from '../../core/sigma-schedule';
import { SIGMA_SCHEDULE_KINDS } from '../../core/sigma-schedule';
import type { OptimizerName } from '../../core/task';
import { DEFAULT_ADAM_BETAS } from '../../core/optimizers';
import { createTask } from '../../core/tasks/index';
import type { TrainSnapshot } from '../../core/trainer';
import { defaultTrainConfig } from '../../core/trainer';
import type { Options } from '../args';
import { parseNumber, UsageError } from '../args';
import type { CommandResult } from './common';
import { progress, seconds, taskIdOf, thetaOf } from './common';

/**
 * Largest finite horizon `train --T` may set per task, where the task itself bounds it:
 * lorenz compares step t with a stored ground-truth trajectory of 20 000 steps
 * (LorenzOptions.groundTruthSteps default).
 */
const MAX_TRAIN_T: Partial<Record<TaskId, number>> = { lorenz: 20_000 };

/** Parses `constant`, `exponential:GAMMA`, `linear:SIGMA1:STEPS`, `cosine:SIGMA1:STEPS`, `step:GAMMA:STEPS`. */
export function parseSigmaSchedule(spec: string, sigma0: number): SigmaSchedule {
  const [kind, ...params] = spec.split(':');
  const valid = 'constant, exponential:GAMMA, linear:SIGMA1:STEPS, cosine:SIGMA1:STEPS, step:GAMMA:STEPS';
  const expect = (n: number): void => {
    if (params.length !== n) throw new UsageError(`--sigma-schedule ${kind} takes ${n} parameter${n === 1 ? '' : 's'}, got "${spec}"; valid: ${valid}`);
  };
  const gamma = (raw: string | undefined): number => {
    const g = parseNumber(raw ?? '', '--sigma-schedule GAMMA');
    if (!(g > 0 && g <= 1)) throw new UsageError(`--sigma-schedule GAMMA must be in (0, 1], got ${g}`);
    return g;
  };
  const sigma1 = (raw: string | undefined): number => {
    const s = parseNumber(raw ?? '', '--sigma-schedule SIGMA1');
    if (!(s > 0 && s <= 100)) throw new UsageError(`--sigma-schedule SIGMA1 must be in (0, 100], got ${s}`);
    return s;
  };
  const steps = (raw: string | undefined): number => {
    const n = parseNumber(raw ?? '', '--sigma-schedule STEPS');
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new UsageError(`--sigma-schedule STEPS must be an integer in 1 … 1000000, got ${raw}`);
    return n;
  };
  switch (kind) {
    case 'constant':
      expect(0);
      return { kind: 'constant', sigma0 };
    case 'exponential':
      expect(1);
      return { kind: 'exponential', sigma0, gamma: gamma(params[0]) };
    case 'linear':
    case 'cosine':
      expect(2);
      return { kind, sigma0, sigma1: sigma1(params[0]), steps: steps(params[1]) };
    case 'step':
      expect(2);
      return { kind: 'step', sigma0, gamma: gamma(params[0]), steps: steps(params[1]) };
    default:
      throw new UsageError(`unknown sigma schedule "${kind ?? ''}"; valid: ${valid} (kinds: ${SIGMA_SCHEDULE_KINDS.join(', ')})`);
  }
}

/** The TrainConfig the options describe: the task's defaults with the given overrides, validated. */
export function trainConfigOf(opts: Options): { config: TrainConfig; logEvery: number } {
  const taskId = taskIdOf(opts);
  const estimator = opts.string('estimator') as EstimatorId;
  const task = createTask(taskId);
  const info = estimatorInfo(estimator);
  const base = defaultTrainConfig(taskId, estimator);
  const taskT = task.meta.defaults.T;

  const T = opts.number('T') ?? base.settings.T;
  if (!Number.isFinite(T) && Number.isFinite(taskT)) {
    throw new UsageError(`--T inf: ${taskId} has a finite horizon (T = ${taskT}); only tasks that never reset take inf`);
  }
  if (task.meta.fixedHorizon && T !== taskT) {
    throw new UsageError(
      `--T ${T}: ${taskId}'s learning-rate schedule is built for T = ${taskT} (another T would extrapolate it); \`loss --T\` builds the task for other horizons`,
    );
  }
  const maxT = MAX_TRAIN_T[taskId];
  if (maxT !== undefined && T > maxT) throw new UsageError(`--T for ${taskId} must be ≤ ${maxT}, got ${T}`);
  const K = opts.number('K') ?? base.settings.K;
  if (Number.isFinite(T)) {
    if (K > T) throw new UsageError(`K = ${K} exceeds T = ${T}${opts.has('K') ? '' : ' (set --K)'}`);
    if (T % K !== 0) throw new UsageError(`K = ${K} must divide T = ${T}${opts.has('K') ? '' : ' (set --K)'}`);
  }
  if (opts.has('R') && estimator !== 'gpes') throw new UsageError(`--R (the GPES resampling period) applies to gpes only, not ${estimator}`);
  const R = opts.number('R') ?? K;
  if (R % K !== 0) throw new UsageError(`--R ${R} must be a multiple of K = ${K}`);
  if (opts.flag('rank-shaping') && estimator !== 'full-es') throw new UsageError(`--rank-shaping applies to full-es only, not ${estimator}`);
  if (!info.online) {
    const ignored = (['T', 'K', 'workers', 'burn-in'] as const).filter((o) => opts.given(o));
    if (ignored.length > 0) {
      progress(`note: ${ignored.map((o) => `--${o}`).join(', ')} only affect${ignored.length === 1 ? 's' : ''} online estimators; ${estimator} unrolls the task's whole horizon`);
    }
  }

  const optimizer = (opts.string('optimizer') as OptimizerName | undefined) ?? base.optimizer;
  const betas = (['beta1', 'beta2'] as const).filter((o) => opts.given(o));
  if (betas.length > 0 && optimizer !== 'adam') throw new UsageError(`${betas.map((o) => `--${o}`).join(', ')} (Adam's β) appl${betas.length === 1 ? 'ies' : 'y'} to --optimizer adam only, not ${optimizer}`);
  const sigma0 = opts.number('sigma') ?? base.sigma.sigma0;
  const sigma = parseSigmaSchedule(opts.string('sigma-schedule') ?? 'constant', sigma0);
  const iterations = opts.number('iters') ?? base.iterations;
  const config: TrainConfig = {
    task: taskId,
    estimator,
    settings: {
      ...base.settings,
      pairs: opts.number('pairs') ?? base.settings.pairs,
      T,
      K,
      R,
      workers: (opts.string('workers') as TrainConfig['settings']['workers'] | undefined) ?? base.settings.workers,
      burnIn: opts.flag('burn-in'),
      rankShaping: opts.flag('rank-shaping'),
      seed: opts.number('seed') ?? base.settings.seed,
      // What a σ change mid-episode does: the playground's setting when the experiment comes from a link.
      sigmaChange: opts.linked?.config.sigmaChange ?? base.settings.sigmaChange,
    },
    sigma,
    optimizer,
    ...(optimizer === 'adam' ? { adam: { beta1: opts.number('beta1') ?? DEFAULT_ADAM_BETAS.beta1, beta2: opts.number('beta2') ?? DEFAULT_ADAM_BETAS.beta2 } } : {}),
    lr: opts.number('lr') ?? base.lr,
    iterations,
    theta0: thetaOf(opts, task),
  };
  const logEvery = opts.number('log-every') ?? Math.max(1, Math.floor(iterations / 100));
  return { config, logEvery };
}

export interface HistoryEntry {
  iter: number;
  theta: number[];
  loss: number;
  innerSteps: number;
  sigma: number;
  /** The task's metric at θ (mnist: test accuracy, %), for a task with one. */
  metric?: number;
  /** cos∠ of the latest estimate to the autodiff gradient (with --cosine; null before the first update). */
  cosine?: number | null;
}

/** A snapshot without its wall time (outputs must be identical across runs of one seed). */
export function historyEntry(s: TrainSnapshot): HistoryEntry {
  return historyEntryWith(s);
}

/** `historyEntry` with the task's metric and the gradient cosine when they were measured. */
export function historyEntryWith(s: TrainSnapshot, metric?: number, cosine?: number): HistoryEntry {
  return {
    iter: s.iteration,
    theta: s.theta,
    loss: s.evalLoss,
    innerSteps: s.innerSteps,
    sigma: s.sigma,
    ...(metric !== undefined ? { metric } : {}),
    ...(cosine !== undefined ? { cosine: Number.isFinite(cosine) ? cosine : null } : {}),
  };
}

/** θ for a progress line: every entry up to 8, else the first 4 and the count (RNN-sized θ). */
export function formatVector(v: readonly number[]): string {
  if (v.length <= 8) return `[${v.map((x) => x.toPrecision(5)).join(', ')}]`;
  return `[${v
    .slice(0, 4)
    .map((x) => x.toPrecision(5))
    .join(', ')}, … (${v.length} values)]`;
}

export async function trainCommand(opts: Options): Promise<CommandResult> {
  const { config, logEvery } = trainConfigOf(opts);
  const started = performance.now();
  const width = String(config.iterations).length;
  const cosine = opts.flag('cosine');
  const result = await runTraining(config, {
    logEvery,
    cosine,
    onProgress: (s, extra) =>
      progress(
        `[train ${config.estimator}] iter ${String(s.iteration).padStart(width)}/${config.iterations}  θ=${formatVector(s.theta)}  ` +
          `loss=${s.evalLoss.toExponential(4)}  σ=${s.sigma.toPrecision(3)}  inner=${s.innerSteps}` +
          (extra.metric !== undefined ? `  ${metricShortName(config.task)}=${extra.metric.toFixed(2)}` : '') +
          (extra.cosine !== undefined ? `  cos=${extra.cosine.toFixed(3)}` : '') +
          `  ${seconds(started)}s`,
      ),
  });
  const history = result.history.map((s, i) => historyEntryWith(s, result.metric?.values[i], result.cosine?.[i]));
  const d = config.theta0?.length ?? 0;
  const last = history[history.length - 1];
  const atFinal = last?.iter === result.final.iteration ? last : undefined;
  const metricOut = result.metric ? { metric: { name: result.metric.name, ...(result.metric.unit ? { unit: result.metric.unit } : {}), final: atFinal?.metric ?? null } } : {};
  const cosineOut = cosine ? { cosine: atFinal?.cosine ?? null } : {};
  return {
    json: { config: { ...config, logEvery }, theta: result.final.theta, loss: result.final.evalLoss, ...metricOut, ...cosineOut, history },
    table: {
      header: ['iter', 'sigma', 'innerSteps', 'loss', ...(result.metric ? ['metric'] : []), ...(cosine ? ['cosine'] : []), ...Array.from({ length: d }, (_, i) => `theta_${i}`)],
      rows: history.map((h) => [h.iter, h.sigma, h.innerSteps, h.loss, ...(result.metric ? [h.metric ?? Number.NaN] : []), ...(cosine ? [h.cosine ?? Number.NaN] : []), ...h.theta]),
    },
  };
}

/** Short name of a task's metric for progress lines ('test accuracy' → 'test_accuracy'). */
function metricShortName(task: TaskId): string {
  return (createTask(task).metric?.name ?? 'metric').replace(/\s+/g, '_');
}
