import type { TrainConfig } from '../config';
import type { TrainSnapshot } from '../trainer';
import { Trainer } from '../trainer';

export interface TrainingResult {
  config: TrainConfig;
  /** One record every `logEvery` iterations, plus the start and the end. */
  history: TrainSnapshot[];
  final: TrainSnapshot;
}

export interface TrainingOptions {
  logEvery?: number;
  onProgress?: (snapshot: TrainSnapshot) => void;
  signal?: AbortSignal;
}

/**
 * A whole training run as plain data: θ trajectory, evaluation loss, inner steps spent
 * and wall time at every logged iteration.
 */
export async function runTraining(config: TrainConfig, options: TrainingOptions = {}): Promise<TrainingResult> {
  const logEvery = Math.max(1, options.logEvery ?? Math.max(1, Math.floor(config.iterations / 100)));
  const trainer = Trainer.create(config);
  try {
    const history: TrainSnapshot[] = [await trainer.snapshot()];
    options.onProgress?.(history[0] as TrainSnapshot);
    while (trainer.iteration < config.iterations) {
      if (options.signal?.aborted) break;
      trainer.stepSync();
      if (trainer.iteration % logEvery === 0 || trainer.iteration === config.iterations) {
        const snap = await trainer.snapshot();
        history.push(snap);
        options.onProgress?.(snap);
      }
    }
    const last = history[history.length - 1] as TrainSnapshot;
    const final = last.iteration === trainer.iteration ? last : await trainer.snapshot();
    return { config, history, final };
  } finally {
    trainer.dispose();
  }
}
