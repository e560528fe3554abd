/**
 * The units of work of `reproduce`: plain-data descriptions (so they can cross a process
 * boundary) and the function that runs one. Each job is deterministic on its own, so
 * results do not depend on how jobs are spread over worker processes.
 */
import type { EstimatorId, TaskId, TrainConfig } from '../../core/config';
import { gradientOnce } from '../../core/estimators/estimator';
import { estimatorInfo } from '../../core/estimators/index';
import type { Task } from '../../core/task';
import { createMnist } from '../../core/tasks/mnist';
import { eagerPacer } from '../../core/slices';
import { defaultSettings } from '../../core/trainer';
import type { VarianceProtocol } from '../../core/experiments/variance';
import { measureVariance, type ReferenceEstimate, referenceEstimate } from '../../core/experiments/variance';
import { metaLossSurface } from '../../core/experiments/surface';
import { runTraining } from '../../core/experiments/training';
import { createTask } from '../../core/tasks/index';
import type { HistoryEntry } from '../commands/train';
import { formatVector, historyEntryWith } from '../commands/train';

/**
 * evostrats' gradient-quality measurement on MNIST: at logged θ, the cosine between a
 * full-unroll ES estimate with `pairs` pairs and the backprop gradient of the same loss,
 * the mean cross-entropy over the first `digits` training digits (evostrats: the current
 * minibatch of 100), averaged over `seeds` noise draws.
 */
export interface CosineProbe {
  pairs: number;
  digits: number;
  seeds: number;
  /** Probe every this many logged entries (and the last). */
  every: number;
}

export type Job =
  | {
      kind: 'train';
      label: string;
      config: TrainConfig;
      logEvery: number;
      /** Keep θ in every history entry (default true; off for large θ whose curves are all a figure needs). */
      keepTheta?: boolean;
      cosineProbe?: CosineProbe;
    }
  | { kind: 'reference'; label: string; task: TaskId; theta: number[]; sigma: number; seed: number; pairs: number }
  | {
      kind: 'variance';
      label: string;
      task: TaskId;
      theta: number[];
      estimators: EstimatorId[];
      truncations: number[];
      pairs: number;
      sigma: number;
      repeats: number;
      protocol: VarianceProtocol;
      seed: number;
      reference: number[];
      /** The reference's own error E‖g_ref − g‖² (0: exact), subtracted from the normalized errors. */
      referenceVariance: number;
      /** GPES's resampling period in inner steps (gpes only). */
      gpesPeriod?: number;
    }
  | { kind: 'surface'; label: string; task: TaskId; grid: number; sigma: number; samples: number; seed: number };

export interface TrainJobResult {
  theta: number[];
  loss: number;
  /** The task's metric at the final θ, when it has one. */
  metric?: number;
  history: HistoryEntry[];
  /** Cosine probes (with `cosineProbe`): the iteration and the mean cosine over the seeds. */
  cosines?: { iter: number; cosine: number }[];
}

export interface VarianceJobRow {
  estimator: EstimatorId;
  J: number;
  K: number;
  totalVariance: number;
  normalizedError: number;
  ciLow: number;
  ciHigh: number;
  mean: number[];
}

export interface SurfaceJobResult {
  x: number[];
  y: number[] | null;
  raw: number[];
  smoothed: number[] | null;
  dims: number[];
}

export interface JobResults {
  train: TrainJobResult;
  reference: ReferenceEstimate;
  variance: VarianceJobRow[];
  surface: SurfaceJobResult;
}

export type JobResultOf<J extends Job> = JobResults[J['kind']];

/** Runs one job in this process; `log` gets a few progress lines. */
export async function runJob(job: Job, log: (message: string) => void): Promise<JobResults[Job['kind']]> {
  const started = performance.now();
  const secs = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  switch (job.kind) {
    case 'train': {
      const { config, logEvery } = job;
      const every = Math.max(1, Math.round(config.iterations / 10));
      let next = every;
      const result = await runTraining(config, {
        logEvery,
        onProgress: (s, extra) => {
          if (s.iteration >= next || s.iteration === config.iterations) {
            next = s.iteration + every;
            const metric = extra.metric !== undefined ? ` metric=${extra.metric.toFixed(2)}` : '';
            log(`[${job.label}] iter ${s.iteration}/${config.iterations} θ=${formatVector(s.theta)} loss=${s.evalLoss.toExponential(3)}${metric} ${secs()}`);
          }
        },
      });
      const keep = job.keepTheta ?? true;
      const history = result.history.map((h, i) => {
        const e = historyEntryWith(h, result.metric?.values[i]);
        return keep ? e : { ...e, theta: [] };
      });
      const probe = job.cosineProbe;
      let cosines: { iter: number; cosine: number }[] | undefined;
      if (probe) {
        cosines = [];
        for (const [i, h] of result.history.entries()) {
          if (i % probe.every === 0 || i === result.history.length - 1) cosines.push({ iter: h.iteration, cosine: await probeCosine(config, probe, h.theta) });
        }
      }
      if (cosines) log(`[${job.label}] cosine to backprop (${probe?.pairs} pairs): ${cosines.map((c) => c.cosine.toFixed(3)).join(' ')} ${secs()}`);
      const last = history[history.length - 1];
      return {
        theta: result.final.theta,
        loss: result.final.evalLoss,
        ...(last?.metric !== undefined ? { metric: last.metric } : {}),
        history,
        ...(cosines ? { cosines } : {}),
      };
    }
    case 'reference': {
      const task = createTask(job.task);
      const r = await referenceEstimate(task, job.theta, job.sigma, task.meta.defaults.T, job.seed, job.pairs);
      log(`[${job.label}] ${job.pairs} pairs: ${formatVector(r.gradient)} (own error ${r.variance.toPrecision(3)}) ${secs()}`);
      return r;
    }
    case 'variance': {
      const task = createTask(job.task);
      const result = await measureVariance({
        task,
        theta: job.theta,
        estimators: job.estimators,
        truncations: job.truncations,
        pairs: job.pairs,
        sigma: job.sigma,
        repeats: job.repeats,
        protocol: job.protocol,
        seed: job.seed,
        reference: job.reference,
        referenceVariance: job.referenceVariance,
        ...(job.gpesPeriod !== undefined ? { gpesPeriod: job.gpesPeriod } : {}),
        onProgress: (done, total) => log(`[${job.label}] cell ${done}/${total} ${secs()}`),
      });
      return result.rows.map(({ estimator, J, K, totalVariance, normalizedError, ciLow, ciHigh, mean }) => ({
        estimator,
        J,
        K,
        totalVariance,
        normalizedError,
        ciLow,
        ciHigh,
        mean,
      }));
    }
    case 'surface': {
      let reported = 0;
      const s = await metaLossSurface({
        task: createTask(job.task),
        grid: job.grid,
        sigma: job.sigma,
        samples: job.samples,
        seed: job.seed,
        onProgress: (done, total) => {
          if (done === total || done - reported >= total / 4) {
            reported = done;
            log(`[${job.label}] ${done}/${total} episodes ${secs()}`);
          }
        },
      });
      return { x: s.x, y: s.y, raw: s.raw, smoothed: s.smoothed, dims: s.dims };
    }
  }
}

/** Small MNIST tasks for the cosine probe, one per digit count (created once per process). */
const probeTasks = new Map<number, Task>();

/**
 * Mean over `probe.seeds` noise draws of cos∠(ĝ_ES, ∇L) at θ, where L is the mean
 * cross-entropy over the first `probe.digits` training digits, ĝ_ES a full-unroll ES
 * estimate with `probe.pairs` pairs (σ of the run) and ∇L backprop (BPTT) on the same digits.
 */
export async function probeCosine(config: TrainConfig, probe: CosineProbe, theta: readonly number[]): Promise<number> {
  let task = probeTasks.get(probe.digits);
  if (!task) {
    task = createMnist({ train: probe.digits });
    probeTasks.set(probe.digits, task);
  }
  const probeTask = task;
  const sigma = config.sigma.sigma0;
  const gradient = (estimator: EstimatorId, seed: number): Promise<number[]> =>
    gradientOnce(estimatorInfo(estimator).create({ task: probeTask, settings: defaultSettings(probeTask, { pairs: probe.pairs, seed }) }), theta, sigma, eagerPacer);
  const ref = await gradient('bptt', 1);
  let sum = 0;
  for (let s = 0; s < probe.seeds; s++) sum += cosine(await gradient('full-es', 1000 + s), ref);
  return sum / probe.seeds;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += (a[k] ?? 0) * (b[k] ?? 0);
    aa += (a[k] ?? 0) ** 2;
    bb += (b[k] ?? 0) ** 2;
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : Number.NaN;
}
