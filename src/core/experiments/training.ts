import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config';
import { estimatorInfo } from '../estimators/index';
import { metricValues, type Task } from '../task';
import { createTask } from '../tasks/index';
import type { TrainSnapshot } from '../trainer';
import { Trainer } from '../trainer';

export interface TrainingResult {
  config: TrainConfig;
  /** One record every `logEvery` iterations, plus the start and the end. */
  history: TrainSnapshot[];
  final: TrainSnapshot;
  /** The task's metric (e.g. MNIST test accuracy) at each history entry's θ, when the task has one. */
  metric?: { name: string; unit?: string; values: number[] };
  /**
   * cos∠(ĝ, ∇L) of the latest estimate to the autodiff gradient at θ (BPTT through the
   * whole episode) at each history entry (NaN before the first update), when asked.
   */
  cosine?: number[];
}

export interface TrainingOptions {
  logEvery?: number;
  onProgress?: (snapshot: TrainSnapshot, extra: { metric?: number; cosine?: number }) => void;
  signal?: AbortSignal;
  /** Also measure the cosine of each logged estimate to the autodiff gradient (`TrainingResult.cosine`). */
  cosine?: boolean;
}

/**
 * A whole training run as plain data: θ trajectory, evaluation loss, inner steps spent
 * and wall time at every logged iteration.
 */
export async function runTraining(config: TrainConfig, options: TrainingOptions = {}): Promise<TrainingResult> {
  const logEvery = Math.max(1, options.logEvery ?? Math.max(1, Math.floor(config.iterations / 100)));
  const trainer = Trainer.create(config);
  const task = createTask(config.task);
  const metric: number[] = [];
  const cosine: number[] = [];
  const record = async (snap: TrainSnapshot): Promise<void> => {
    const m = (await metricValues(task, [snap.theta]))?.[0];
    if (m !== undefined) metric.push(m);
    const c = options.cosine ? await gradientCosine(task, config, trainer, snap.theta) : undefined;
    if (c !== undefined) cosine.push(c);
    options.onProgress?.(snap, { metric: m, cosine: c });
  };
  try {
    const history: TrainSnapshot[] = [await trainer.snapshot()];
    await record(history[0] as TrainSnapshot);
    while (trainer.iteration < config.iterations) {
      if (options.signal?.aborted) break;
      trainer.stepSync();
      if (trainer.iteration % logEvery === 0 || trainer.iteration === config.iterations) {
        const snap = await trainer.snapshot();
        history.push(snap);
        await record(snap);
      }
    }
    const last = history[history.length - 1] as TrainSnapshot;
    const final = last.iteration === trainer.iteration ? last : await trainer.snapshot();
    return {
      config,
      history,
      final,
      ...(task.metric ? { metric: { name: task.metric.name, ...(task.metric.unit ? { unit: task.metric.unit } : {}), values: metric } } : {}),
      ...(options.cosine ? { cosine } : {}),
    };
  } finally {
    trainer.dispose();
  }
}

/** cos∠ of the trainer's latest estimate to the autodiff (BPTT) gradient at θ; NaN before the first update. */
async function gradientCosine(task: Task, config: TrainConfig, trainer: Trainer, theta: readonly number[]): Promise<number> {
  const last = trainer.lastGradient();
  if (!last) return Number.NaN;
  const g = await last.data();
  const est = estimatorInfo('bptt').create({ task, settings: config.settings });
  const th = tf.tensor1d([...theta]);
  try {
    const { grad, excluded } = est.estimate(th, 0);
    excluded?.dispose();
    const ref = await grad.data();
    grad.dispose();
    let dot = 0;
    let gg = 0;
    let rr = 0;
    for (let k = 0; k < ref.length; k++) {
      dot += (g[k] ?? 0) * (ref[k] ?? 0);
      gg += (g[k] ?? 0) ** 2;
      rr += (ref[k] ?? 0) ** 2;
    }
    return gg > 0 && rr > 0 ? dot / Math.sqrt(gg * rr) : Number.NaN;
  } finally {
    th.dispose();
    est.dispose();
  }
}
