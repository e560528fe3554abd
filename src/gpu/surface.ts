/**
 * `metaLossSurface` (src/core/experiments/surface.ts) through the fused rows kernel: the
 * same grid, the same common random numbers z_m (generated on the GPU by the WGSL noise
 * twin), one episode per row with the state in registers, the per-point mean over samples
 * reduced on the GPU, and one readback at the end.
 */
import { antitheticSamples, linspace, type SurfaceOptions, type SurfaceResult } from '../core/experiments/surface';
import { type GpuContext, gpuContext, webgpuDevice } from './device';
import { DISPATCH_BUDGET } from './fused-estimator';
import { MEAN_KERNEL, ROW_WORDS, rowsKernel, RW, WORKGROUP } from './kernels';
import { wgslTaskFor } from './tasks/index';

export interface FusedSurfaceOptions extends SurfaceOptions {
  /** The GPU context; the tfjs WebGPU backend's device when omitted. */
  ctx?: GpuContext;
  /** Smoothed grid only: no raw unrolls (`raw` comes back empty; the caller has it). Needs samples > 0. */
  skipRaw?: boolean;
}

/** Whether `fusedMetaLossSurface` can run these options now (coordinate slices of a task with a WGSL twin). */
export function fusedSurfaceSupported(options: Pick<SurfaceOptions, 'task' | 'directions'>): boolean {
  return webgpuDevice() !== null && wgslTaskFor(options.task) !== null && !options.directions;
}

export async function fusedMetaLossSurface(options: FusedSurfaceOptions): Promise<SurfaceResult> {
  const { task, grid, sigma, samples } = options;
  const wtask = wgslTaskFor(task);
  const device = options.ctx?.device ?? webgpuDevice();
  if (!wtask || !device) throw new Error(`no fused surface for task '${task.meta.id}'`);
  if (options.directions) throw new Error('the fused surface slices along coordinates only');
  const ctx = options.ctx ?? gpuContext(device);
  const d = wtask.dim;
  const dims = [...(options.dims ?? (d === 1 ? [0] : [0, 1]))];
  const center = [...(options.center ?? task.meta.theta0)];
  const ranges = dims.map((k, i) => options.range?.[i] ?? task.meta.bounds[k] ?? [-1, 1]);
  const axes = ranges.map(([lo, hi]) => linspace(lo, hi, grid));
  const x = axes[0] ?? [];
  const y = dims.length > 1 ? (axes[1] ?? []) : null;
  const points = x.length * (y?.length ?? 1);
  const thetas = new Float32Array(points * d);
  for (let p = 0; p < points; p++) {
    const ix = p % x.length;
    const iy = Math.floor(p / x.length);
    for (let k = 0; k < d; k++) thetas[p * d + k] = center[k] ?? 0;
    thetas[p * d + (dims[0] ?? 0)] = x[ix] ?? 0;
    if (y) thetas[p * d + (dims[1] ?? 1)] = y[iy] ?? 0;
  }
  // Whole antithetic ± pairs, as metaLossSurface takes them.
  const M = antitheticSamples(samples);
  const steps = wtask.evalSteps;
  // Samples per dispatch, within the per-dispatch work budget.
  const perDispatch = Math.max(1, Math.min(M, Math.floor(DISPATCH_BUDGET / Math.max(1, points * steps))));
  const chunks: number[] = [];
  for (let left = M; left > 0; left -= perDispatch) chunks.push(Math.min(perDispatch, left));

  const pipeline = ctx.pipeline(rowsKernel(wtask), `${wtask.id} rows`);
  const meanPipeline = ctx.pipeline(MEAN_KERNEL, 'surface mean');
  const base = ctx.storageFrom(thetas, 'surface grid');
  const raw = ctx.storage(points * 4, 'surface raw');
  const values = ctx.storage(points * Math.max(1, perDispatch) * 4, 'surface values');
  const sums = ctx.storage(points * 4, 'surface sums');
  const data = wtask.data ? ctx.storageFrom(wtask.data, `${wtask.id} data`) : null;
  const buffers: GPUBuffer[] = [base, raw, values, sums, ...(data ? [data] : [])];
  const skipRaw = options.skipRaw === true && M > 0;
  const total = points * ((skipRaw ? 0 : 1) + M);
  let done = 0;
  let cancelled = false;
  const progress = async (n: number): Promise<void> => {
    // Waiting for the queue (no data transfer) lets progress and cancellation track the GPU.
    await device.queue.onSubmittedWorkDone();
    done += n;
    if (options.onProgress?.(done, total) === false) cancelled = true;
  };
  try {
    const rowsDispatch = (rows: number, generate: boolean, sampleOffset: number, out: GPUBuffer, mean: number): void => {
      const p = new Uint32Array(ROW_WORDS);
      p[RW.rows] = rows;
      p[RW.steps] = steps;
      p[RW.points] = points;
      p[RW.seed] = options.seed >>> 0;
      p[RW.sampleOffset] = sampleOffset;
      p[RW.generate] = generate ? 1 : 0;
      new Float32Array(p.buffer)[RW.sigma] = sigma;
      const params = ctx.uniform(ROW_WORDS, 'surface params');
      ctx.writeWords(params, p);
      const encoder = device.createCommandEncoder();
      ctx.dispatch(encoder, pipeline, ctx.bindGroup(pipeline, [params, base, out, data], 'surface rows'), rows, WORKGROUP);
      if (mean > 0) {
        const mp = ctx.uniform(4, 'mean params');
        ctx.writeWords(mp, Uint32Array.of(points, mean, 0, 0));
        ctx.dispatch(encoder, meanPipeline, ctx.bindGroup(meanPipeline, [mp, values, sums], 'surface mean'), points, WORKGROUP);
        buffers.push(mp);
      }
      device.queue.submit([encoder.finish()]);
      buffers.push(params);
    };
    // The raw surface in dispatches of whole rows within the budget.
    if (!skipRaw) {
      rowsDispatch(points, false, 0, raw, 0);
      await progress(points);
    }
    let offset = 0;
    for (const m of chunks) {
      if (cancelled) break;
      rowsDispatch(points * m, true, offset, values, m);
      offset += m;
      await progress(points * m);
    }
    const out = await ctx.readBack([...(skipRaw ? [] : [{ buffer: raw, bytes: points * 4 }]), { buffer: sums, bytes: points * 4 }]);
    const rawValues = skipRaw ? [] : Array.from(out.subarray(0, points));
    const sumsAt = skipRaw ? 0 : points;
    const smoothed = M > 0 && !cancelled ? Array.from(out.subarray(sumsAt, sumsAt + points), (s) => s / M) : null;
    return { x, y, raw: rawValues, smoothed, dims, sigma, samples: M, cancelled };
  } finally {
    for (const b of buffers) b.destroy();
  }
}
