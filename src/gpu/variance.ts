/**
 * `measureVariance` (src/core/experiments/variance.ts) through the fused kernels: the
 * same populations (repeats × N pairs, the same noise keys and worker offsets), each
 * (estimator, J) cell one fused update — or J accumulating ones under the episode
 * protocol — writing every worker's own estimate on the GPU, one readback per cell. The
 * sweep over cells and its summary (total variance, normalised error, bootstrap interval)
 * are the core's (sweepVariance); e2e/fused-parity.spec.ts checks the rows against
 * `measureVariance` on tfjs.
 */
import type { EstimatorId } from '../core/config';
import { estimatorInfo } from '../core/estimators/index';
import { gpesPeriodAt, sweepVariance, type VarianceOptions, type VarianceResult, varianceHorizon } from '../core/experiments/variance';
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
  const T = varianceHorizon(task);
  if (!options.reference) throw new Error('the fused variance measurement needs the reference gradient');
  return sweepVariance(options, T, [...options.reference], (estimator, K) => fusedRepeatEstimates(gpu, options, estimator, T, K));
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
    R: gpesPeriodAt(options, K),
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

