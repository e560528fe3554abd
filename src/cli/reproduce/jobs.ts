/**
 * The units of work of `reproduce`: plain-data descriptions (so they can cross a process
 * boundary) and the function that runs one. Each job is deterministic on its own, so
 * results do not depend on how jobs are spread over worker processes.
 */
import type { EstimatorId, TaskId, TrainConfig } from '../../core/config';
import type { VarianceProtocol } from '../../core/experiments/variance';
import { measureVariance, type ReferenceEstimate, referenceEstimate } from '../../core/experiments/variance';
import { metaLossSurface } from '../../core/experiments/surface';
import { runTraining } from '../../core/experiments/training';
import { createTask } from '../../core/tasks/index';
import type { HistoryEntry } from '../commands/train';
import { formatVector, historyEntry } from '../commands/train';

export type Job =
  | { kind: 'train'; label: string; config: TrainConfig; logEvery: number }
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
    }
  | { kind: 'surface'; label: string; task: TaskId; grid: number; sigma: number; samples: number; seed: number };

export interface TrainJobResult {
  theta: number[];
  loss: number;
  history: HistoryEntry[];
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
        onProgress: (s) => {
          if (s.iteration >= next || s.iteration === config.iterations) {
            next = s.iteration + every;
            log(`[${job.label}] iter ${s.iteration}/${config.iterations} θ=${formatVector(s.theta)} loss=${s.evalLoss.toExponential(3)} ${secs()}`);
          }
        },
      });
      return { theta: result.final.theta, loss: result.final.evalLoss, history: result.history.map(historyEntry) };
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
