/**
 * `measureVariance` (src/core/experiments/variance.ts) through the fused kernels: the
 * same populations (repeats × N pairs, the same noise keys and worker offsets), each
 * (estimator, J) cell one fused update — or J accumulating ones under the episode
 * protocol — writing every worker's own estimate on the GPU, one readback per cell. The
 * summary (total variance, normalised error, bootstrap interval) is the core's, restated
 * here because it is not exported; e2e/fused-parity.spec.ts checks the rows against
 * `measureVariance` on tfjs.
 */
import type { EstimatorId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { summarize, type VarianceOptions, type VarianceResult, type VarianceRow } from '../core/experiments/variance';
import { defaultSettings } from '../core/trainer';
import { type GpuContext, gpuContext, webgpuDevice } from './device';
import { FusedEstimator, truncationKindOf } from './fused-estimator';
import { wgslTaskFor } from './tasks/index';

/** Whether `fusedMeasureVariance` can run these options now (every estimator has a fused kernel). */
export function fusedVarianceSupported(options: Pick<VarianceOptions, 'task' | 'estimators'>): boolean {
  return webgpuDevice() !== null && wgslTaskFor(options.task) !== null && options.estimators.every((id) => truncationKindOf(id) !== null);
}

export async function fusedMeasureVariance(options: VarianceOptions, ctx?: GpuContext): Promise<VarianceResult> {
  const { task } = options;
  const device = ctx?.device ?? webgpuDevice();
  if (!device || !fusedVarianceSupported(options)) throw new Error('the fused variance measurement is not available here');
  const gpu = ctx ?? gpuContext(device);
  const T = task.meta.defaults.T;
  if (!Number.isFinite(T)) throw new Error(`Task ${task.meta.id} never resets: variance against J needs a finite T`);
  if (!options.reference) throw new Error('the fused variance measurement needs the reference gradient');
  const reference = [...options.reference];
  const rows: VarianceRow[] = [];
  const total = options.estimators.length * options.truncations.length;
  let done = 0;
  for (const estimator of options.estimators) {
    for (const J of options.truncations) {
      if (T % J !== 0) throw new Error(`J = ${J} does not divide T = ${T}`);
      const K = T / J;
      const samples = await fusedRepeatEstimates(gpu, options, estimator, T, K);
      rows.push(summarize(estimator, J, K, samples, reference, options));
      done++;
      if (options.onProgress?.(done, total) === false) return { rows, reference, cancelled: true };
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return { rows, reference, cancelled: false };
}

/** As `repeatEstimates`: `repeats` estimates of ∇L, row-major [repeats, d]. */
async function fusedRepeatEstimates(ctx: GpuContext, options: VarianceOptions, estimatorId: EstimatorId, T: number, K: number): Promise<Float64Array> {
  const { task, repeats, pairs, sigma, protocol } = options;
  const wtask = wgslTaskFor(task);
  if (!wtask) throw new Error(`task '${task.meta.id}' has no WGSL twin`);
  const d = wtask.dim;
  const J = T / K;
  const online = estimatorInfo(estimatorId).online;
  const workers = repeats * pairs;
  const settings = defaultSettings(task, {
    pairs: workers,
    K,
    T,
    R: K * Math.max(1, options.gpesPeriodInTruncations ?? 1),
    workers: protocol === 'update' && online ? 'unlocked' : 'lockstep',
    seed: options.seed,
  });
  const est = new FusedEstimator({ ctx, task: wtask, id: estimatorId, settings, theta0: options.theta });
  let values: Float32Array;
  let scale: number;
  try {
    if (protocol === 'episode' && online) {
      for (let j = 0; j < J; j++) est.update({ sigma, optimizer: null, perWorker: true, accumulate: j > 0 });
      scale = task.meta.reduction === 'mean' ? 1 / J : 1;
    } else {
      est.update({ sigma, optimizer: null, perWorker: true });
      // One window of a 'sum' objective estimates ∇L / J on average.
      scale = online && task.meta.reduction === 'sum' ? J : 1;
    }
    values = await ctx.readBack([{ buffer: est.perWorker, bytes: workers * d * 4 }]);
  } finally {
    est.dispose();
  }
  const out = new Float64Array(repeats * d);
  for (let r = 0; r < repeats; r++) {
    for (let k = 0; k < d; k++) {
      let s = 0;
      // Math.fround: the tfjs path scales in float32 (tf.mul) before the float64 mean.
      for (let i = 0; i < pairs; i++) s += Math.fround((values[(r * pairs + i) * d + k] ?? 0) * Math.fround(scale));
      out[r * d + k] = s / pairs;
    }
  }
  return out;
}

