import * as tf from '@tensorflow/tfjs-core';
import { gaussianRows, range, Stream } from '../noise';
import type { Pacer } from '../slices';
import { episodeLossSlices, type Task } from '../task';

/**
 * The meta-loss surface on a 1-D or 2-D grid, raw and σ-smoothed:
 *
 *   raw(θ)      = L(θ)                                       (one unperturbed episode per grid point)
 *   smoothed(θ) ≈ (1/2P) Σ_p [L(θ + σ z_p) + L(θ − σ z_p)]     (M samples per point as P = ⌈M/2⌉ ± pairs)
 *
 * The z_p are common random numbers, the same at every grid point, so the smoothed
 * picture is itself smooth instead of speckled. They come in antithetic ± pairs: with
 * one-sided samples the sample mean z̄ of the few z_m left a ramp σ∇L·z̄ that differs
 * across the grid (on linear-quadratic, 4 samples at σ = 0.5: smoothed − raw from −2.26 to
 * +1.64 where it must be constant), tilting the picture and moving its minimum. With
 * pairs the odd part cancels: on a quadratic smoothed − raw is exactly constant. An odd M
 * is rounded up to whole pairs (`samples` in the result says how many were taken). For θ of more than two dimensions the
 * grid is a 2-D slice through `center` along the coordinates `dims`; the noise
 * perturbs all coordinates, as the estimators do. Grid points are evaluated in
 * batches of at most `batchRows` episodes.
 */
export interface SurfaceOptions {
  task: Task;
  /** Points per axis. */
  grid: number;
  sigma: number;
  /** Samples per grid point for the smoothed surface (0: raw only). */
  samples: number;
  seed: number;
  /** Plot range per sliced axis; the task's bounds when omitted. */
  range?: readonly (readonly [number, number])[];
  /** Coordinates to slice along (default [0] for 1-D θ, [0, 1] otherwise). */
  dims?: readonly number[];
  /** Point the slice passes through (default θ₀). */
  center?: readonly number[];
  /**
   * Slice along these directions (one or two vectors of length d) instead of coordinates:
   * grid point (x, y) is center + x·u + y·v, with x, y over `range` (default [−1, 1]).
   * See slice.ts for random orthonormal directions.
   */
  directions?: readonly (readonly number[])[];
  batchRows?: number;
  /** Between batches; return false to cancel. */
  onProgress?: (done: number, total: number) => boolean | void;
  /**
   * Runs each batch's episodes as slices (yields between inner steps), so a long unroll
   * (a Lorenz row: 128 episodes × 2000 steps, seconds on the CPU backend) does not hold the
   * caller's thread. Without it a batch is one call.
   */
  pacer?: Pacer;
}

export interface SurfaceResult {
  x: number[];
  /** null for a 1-D surface. */
  y: number[] | null;
  /** Row-major values: raw[iy * nx + ix] (length nx for 1-D). */
  raw: number[];
  smoothed: number[] | null;
  dims: number[];
  sigma: number;
  samples: number;
  cancelled: boolean;
}

export function linspace(lo: number, hi: number, n: number): number[] {
  if (n <= 1) return [(lo + hi) / 2];
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Samples per grid point actually taken for `samples` asked: whole ± pairs (0 stays 0). */
export function antitheticSamples(samples: number): number {
  const M = Math.max(0, Math.floor(samples));
  return 2 * Math.ceil(M / 2);
}

export async function metaLossSurface(options: SurfaceOptions): Promise<SurfaceResult> {
  const { task, grid, sigma, samples } = options;
  const dTheta = task.meta.theta0.length;
  const directions = options.directions;
  const dims = directions ? directions.map((_, i) => i) : [...(options.dims ?? (dTheta === 1 ? [0] : [0, 1]))];
  const center = [...(options.center ?? task.meta.theta0)];
  const ranges = dims.map((k, i) => options.range?.[i] ?? (directions ? undefined : task.meta.bounds[k]) ?? [-1, 1]);
  const axes = ranges.map(([lo, hi]) => linspace(lo, hi, grid));
  const x = axes[0] ?? [];
  const y = dims.length > 1 ? (axes[1] ?? []) : null;
  const points = x.length * (y?.length ?? 1);

  // Grid points as rows of θ.
  const thetas = new Float32Array(points * dTheta);
  for (let p = 0; p < points; p++) {
    const ix = p % x.length;
    const iy = Math.floor(p / x.length);
    if (directions) {
      const [u, v] = directions;
      const a = x[ix] ?? 0;
      const b = y?.[iy] ?? 0;
      for (let k = 0; k < dTheta; k++) thetas[p * dTheta + k] = (center[k] ?? 0) + a * (u?.[k] ?? 0) + b * (v?.[k] ?? 0);
      continue;
    }
    for (let k = 0; k < dTheta; k++) thetas[p * dTheta + k] = center[k] ?? 0;
    thetas[p * dTheta + (dims[0] ?? 0)] = x[ix] ?? 0;
    if (y) thetas[p * dTheta + (dims[1] ?? 1)] = y[iy] ?? 0;
  }
  const batchRows = Math.max(1, options.batchRows ?? 4096);
  const M = antitheticSamples(samples);
  const total = points * (1 + M);
  let done = 0;
  let cancelled = false;
  const progress = (n: number): void => {
    done += n;
    if (options.onProgress?.(done, total) === false) cancelled = true;
  };

  const raw = await evaluateRows(task, thetas, dTheta, batchRows, progress, () => cancelled, options.pacer);
  let smoothed: number[] | null = null;
  if (M > 0 && !cancelled) {
    const pairs = M / 2;
    const z = gaussianRows(options.seed, Stream.surface, range(pairs), new Int32Array(pairs), new Int32Array(pairs), dTheta);
    // Rows ordered (sample, point), so each batch shares few samples; sample m is
    // θ + σ z_{m/2} for even m and θ − σ z_{(m−1)/2} for odd m.
    const rows = new Float32Array(points * M * dTheta);
    for (let m = 0; m < M; m++) {
      const zp = (m >> 1) * dTheta;
      const sign = m % 2 === 0 ? sigma : -sigma;
      for (let p = 0; p < points; p++) {
        for (let k = 0; k < dTheta; k++) {
          rows[(m * points + p) * dTheta + k] = (thetas[p * dTheta + k] ?? 0) + sign * (z[zp + k] ?? 0);
        }
      }
    }
    const values = await evaluateRows(task, rows, dTheta, batchRows, progress, () => cancelled, options.pacer);
    if (!cancelled) {
      smoothed = new Array<number>(points).fill(0);
      for (let m = 0; m < M; m++) for (let p = 0; p < points; p++) smoothed[p] = (smoothed[p] ?? 0) + (values[m * points + p] ?? 0) / M;
    }
  }
  return { x, y, raw, smoothed, dims, sigma, samples: M, cancelled };
}

/** Episode losses of many θ rows, in batches, one readback per batch. */
async function evaluateRows(
  task: Task,
  rows: Float32Array,
  d: number,
  batchRows: number,
  progress: (n: number) => void,
  isCancelled: () => boolean,
  pacer?: Pacer,
): Promise<number[]> {
  const n = rows.length / d;
  const out: number[] = [];
  for (let start = 0; start < n && !isCancelled(); start += batchRows) {
    const count = Math.min(batchRows, n - start);
    let loss: tf.Tensor1D;
    if (pacer) {
      const batch = tf.tensor2d(rows.subarray(start * d, (start + count) * d), [count, d]);
      try {
        loss = await pacer.run(episodeLossSlices(task, batch));
      } finally {
        batch.dispose();
      }
    } else {
      loss = tf.tidy(() => task.episodeLoss(tf.tensor2d(rows.subarray(start * d, (start + count) * d), [count, d])));
    }
    const values = await loss.data();
    loss.dispose();
    for (const v of values) out.push(v);
    progress(count);
  }
  return out;
}
