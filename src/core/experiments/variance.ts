import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, EstimatorSettings } from '../config';
import { gradientOnce } from '../estimators/estimator';
import { estimatorInfo } from '../estimators/index';
import { mixKey, noiseKey, Stream } from '../noise';
import { eagerPacer, type Pacer } from '../slices';
import type { Task } from '../task';
import { defaultSettings } from '../trainer';
import { linearQuadraticExact } from '../tasks/linear-quadratic';

/**
 * Gradient variance against the number of truncations J (the key figure of PES,
 * ES-Single and NRES). θ is fixed. For every estimator and J (K = T/J), `repeats`
 * independent estimates with N pairs each are taken under one of two protocols:
 *
 * - 'episode' (PES paper): lockstep workers run one whole episode and the J truncation
 *   estimates are combined into an estimate of ∇L (averaged for 'mean' tasks, summed
 *   for 'sum' tasks);
 * - 'update' (NRES paper): step-unlocked workers, one truncation's estimate from a
 *   uniformly random window — what one online update uses — scaled to estimate ∇L.
 *
 * Repeats are batched: one population of repeats × N pairs runs at once and its
 * pairs (i.i.d. by construction of the noise keys) are grouped into repeats.
 * Reported: total variance tr Cov(ĝ), normalized error E‖ĝ − g‖²/‖g_ref‖², and a
 * percentile bootstrap 95 % interval of the total variance over repeats.
 *
 * g is estimated by g_ref: exact on linear-quadratic, else a large full-unroll ES estimate,
 * which is itself noisy: E‖ĝ − g_ref‖² = E‖ĝ − g‖² + E‖g_ref − g‖² (independent noise), so
 * the reference's own error v = tr Cov(g_ref), estimated from its pairs, is subtracted from
 * the mean squared distance (`referenceVariance`). Uncorrected it added v/‖g_ref‖² to every
 * row (on Lorenz with a 512-pair reference, ~0.007: ~40 % of full ES's own value).
 */
export type VarianceProtocol = 'episode' | 'update';

export interface VarianceOptions {
  task: Task;
  theta: readonly number[];
  estimators: readonly EstimatorId[];
  /** Numbers of truncations J; each must divide T. */
  truncations: readonly number[];
  pairs: number;
  sigma: number;
  repeats: number;
  protocol: VarianceProtocol;
  seed: number;
  /** GPES resampling period as a multiple of K at every J (default 1: PES-like; the playground's figure). */
  gpesPeriodInTruncations?: number;
  /**
   * GPES resampling period in inner steps at every J (the CLI's --R); overrides
   * `gpesPeriodInTruncations`. Where K = T/J ≥ it, GPES resamples every truncation (R = K);
   * below, K must divide it. See `gpesPeriodAt`.
   */
  gpesPeriod?: number;
  /** Reference gradient; when omitted a 4096-pair full-unroll ES estimate is used. */
  reference?: readonly number[];
  /**
   * The reference's own expected squared error E‖g_ref − g‖² (its tr Cov), subtracted from
   * every row's mean squared distance; 0 (or omitted) for an exact reference.
   */
  referenceVariance?: number;
  bootstrapSamples?: number;
  /** Called after each (estimator, J) cell; return false to cancel. */
  onProgress?: (done: number, total: number) => boolean | void;
  /** Runs the reference and every estimate as slices (the engine's, so a pause is seen mid-cell); default: at once. */
  pacer?: Pacer;
}

export interface VarianceRow {
  estimator: EstimatorId;
  J: number;
  K: number;
  totalVariance: number;
  normalizedError: number;
  ciLow: number;
  ciHigh: number;
  /** Mean of the repeats' estimates (for bias checks). */
  mean: number[];
}

export interface VarianceResult {
  rows: VarianceRow[];
  reference: number[];
  /** E‖g_ref − g‖² of the reference (0: exact), already subtracted from the normalized errors. */
  referenceVariance: number;
  cancelled: boolean;
}

export async function measureVariance(options: VarianceOptions): Promise<VarianceResult> {
  const { task } = options;
  const T = varianceHorizon(task);
  if (options.reference) return sweepVariance(options, T, [...options.reference], (estimator, K) => repeatEstimates(options, estimator, T, K));
  const ref = await referenceEstimate(task, options.theta, options.sigma, T, options.seed, undefined, options.pacer);
  const withRef = { ...options, referenceVariance: ref.variance };
  return sweepVariance(withRef, T, ref.gradient, (estimator, K) => repeatEstimates(withRef, estimator, T, K));
}

/** The horizon variance against J divides: the task's own T (it defines the episode objective and full-unroll ES). */
export function varianceHorizon(task: Task): number {
  const T = task.meta.defaults.T;
  if (!Number.isFinite(T)) throw new Error(`Task ${task.meta.id} never resets: variance against J needs a finite T`);
  return T;
}

/**
 * The (estimator, J) cells of a variance measurement, in order, each summarised against
 * `reference`, with progress (and cancellation) after every cell. `repeat` gives a cell's
 * `repeats` estimates: on tfjs (repeatEstimates) or through the fused kernels (src/gpu).
 */
export async function sweepVariance(
  options: VarianceOptions,
  T: number,
  reference: number[],
  repeat: (estimator: EstimatorId, K: number) => Promise<Float64Array>,
): Promise<VarianceResult> {
  const rows: VarianceRow[] = [];
  const total = options.estimators.length * options.truncations.length;
  let done = 0;
  for (const estimator of options.estimators) {
    for (const J of options.truncations) {
      if (T % J !== 0) throw new Error(`J = ${J} does not divide T = ${T}`);
      const K = T / J;
      rows.push(summarize(estimator, J, K, await repeat(estimator, K), reference, options));
      done++;
      if (options.onProgress?.(done, total) === false) return { rows, reference, referenceVariance: options.referenceVariance ?? 0, cancelled: true };
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return { rows, reference, referenceVariance: options.referenceVariance ?? 0, cancelled: false };
}

/**
 * The GPES resampling period R (inner steps) of the cell with truncation length K:
 * `gpesPeriod` when given (K when K ≥ it: at most one draw per truncation), else
 * `gpesPeriodInTruncations`·K.
 */
export function gpesPeriodAt(options: Pick<VarianceOptions, 'gpesPeriod' | 'gpesPeriodInTruncations'>, K: number): number {
  if (options.gpesPeriod !== undefined) return Math.max(K, options.gpesPeriod);
  return K * Math.max(1, options.gpesPeriodInTruncations ?? 1);
}

/** `repeats` estimates of ∇L (row-major [repeats, d]) for one estimator and K. */
export async function repeatEstimates(options: VarianceOptions, estimatorId: EstimatorId, T: number, K: number): Promise<Float64Array> {
  const { task, repeats, pairs, sigma, protocol } = options;
  const pacer = options.pacer ?? eagerPacer;
  const d = task.meta.theta0.length;
  const J = T / K;
  const info = estimatorInfo(estimatorId);
  const workers = repeats * pairs;
  const settings: EstimatorSettings = defaultSettings(task, {
    pairs: workers,
    K,
    T,
    R: gpesPeriodAt(options, K),
    workers: protocol === 'update' && info.online ? 'unlocked' : 'lockstep',
    seed: options.seed,
  });
  // AD estimators are deterministic per trajectory: one worker per repeat is enough.
  const estimator = info.create({ task, settings });
  const theta = tf.tensor1d([...options.theta]);
  const reduction = task.meta.reduction;
  let perWorker: tf.Tensor2D;
  try {
    if (protocol === 'episode' && info.online) {
      let acc: tf.Tensor2D | null = null;
      try {
        for (let j = 0; j < J; j++) {
          const est = await pacer.run(estimator.estimateSlices(theta, sigma, { perWorker: true }));
          est.grad.dispose();
          est.excluded?.dispose();
          const each = est.perWorker as tf.Tensor2D;
          const next: tf.Tensor2D = acc === null ? each : (tf.add(acc, each) as tf.Tensor2D);
          if (acc !== null) {
            acc.dispose();
            each.dispose();
          }
          acc = next;
        }
      } catch (e) {
        // Abandoned part-way (the engine's pacer on a cancel): free the running sum.
        acc?.dispose();
        throw e;
      }
      perWorker = tf.mul(acc as tf.Tensor2D, reduction === 'mean' ? 1 / J : 1) as tf.Tensor2D;
      acc?.dispose();
    } else {
      const est = await pacer.run(estimator.estimateSlices(theta, sigma, { perWorker: true }));
      est.grad.dispose();
      est.excluded?.dispose();
      const each = est.perWorker as tf.Tensor2D;
      // One window of a 'sum' objective estimates ∇L / J on average.
      const scale = info.online && reduction === 'sum' ? J : 1;
      perWorker = tf.mul(each, scale) as tf.Tensor2D;
      each.dispose();
    }
  } finally {
    estimator.dispose();
    theta.dispose();
  }
  const rowsOfWorkers = perWorker.shape[0];
  const values = await perWorker.data();
  perWorker.dispose();
  // Group workers into repeats of `pairs` (AD lockstep has one worker: every repeat equals it).
  const out = new Float64Array(repeats * d);
  const perRepeat = rowsOfWorkers >= repeats * pairs ? pairs : 1;
  for (let r = 0; r < repeats; r++) {
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let i = 0; i < perRepeat; i++) {
        const w = rowsOfWorkers >= repeats * pairs ? r * pairs + i : Math.min(r, rowsOfWorkers - 1);
        s += values[w * d + k] ?? 0;
      }
      out[r * d + k] = s / perRepeat;
    }
  }
  return out;
}

/** One row of the figure from repeated estimates (also used by the fused sweep, src/gpu/variance.ts). */
export function summarize(
  estimator: EstimatorId,
  J: number,
  K: number,
  samples: Float64Array,
  reference: readonly number[],
  options: VarianceOptions,
): VarianceRow {
  const d = reference.length;
  const n = samples.length / d;
  const all = Array.from({ length: n }, (_, i) => i);
  const { totalVariance, mean } = totalVarianceOf(samples, d, all);
  const refNorm2 = reference.reduce((s, g) => s + g * g, 0);
  let err = 0;
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < d; k++) err += ((samples[r * d + k] ?? 0) - (reference[k] ?? 0)) ** 2;
  }
  // The reference's own error is part of every squared distance: subtract it (see above).
  const normalizedError = (err / n - (options.referenceVariance ?? 0)) / Math.max(refNorm2, 1e-300);
  const B = options.bootstrapSamples ?? 200;
  const boot: number[] = [];
  const key = noiseKey(options.seed, Stream.bootstrap, J, K, estimatorWord(estimator));
  for (let b = 0; b < B; b++) {
    const pick = all.map((i) => mixKey(mixKey(key, b), i) % n);
    boot.push(totalVarianceOf(samples, d, pick).totalVariance);
  }
  boot.sort((a, c) => a - c);
  return {
    estimator,
    J,
    K,
    totalVariance,
    normalizedError,
    ciLow: boot[Math.floor(0.025 * (B - 1))] ?? totalVariance,
    ciHigh: boot[Math.ceil(0.975 * (B - 1))] ?? totalVariance,
    mean,
  };
}

/**
 * A 32-bit word per estimator id (FNV-1a of its name) that keys its bootstrap resampling:
 * every estimator resamples its own rows (keyed by the name's length, pes/tes and
 * nres/gpes used to resample the same indices).
 */
export function estimatorWord(id: EstimatorId): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** tr of the sample covariance (unbiased, n − 1) of the chosen rows. */
export function totalVarianceOf(samples: Float64Array, d: number, rows: readonly number[]): { totalVariance: number; mean: number[] } {
  const n = rows.length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k] = (mean[k] ?? 0) + (samples[r * d + k] ?? 0) / n;
  let ss = 0;
  for (const r of rows) for (let k = 0; k < d; k++) ss += ((samples[r * d + k] ?? 0) - (mean[k] ?? 0)) ** 2;
  return { totalVariance: ss / Math.max(1, n - 1), mean };
}

/** The full-unroll ES estimator of a reference gradient: N pairs over one whole episode, its own noise keys. */
function referenceEstimator(task: Task, T: number, seed: number, pairs: number) {
  return estimatorInfo('full-es').create({ task, settings: defaultSettings(task, { pairs, T, K: T, seed: mixKey(seed, 0x7e4) }) });
}

/** Large-population full-unroll ES estimate of ∇L_σ at θ: the reference when no exact gradient exists. */
export async function referenceGradient(
  task: Task,
  theta: readonly number[],
  sigma: number,
  T: number,
  seed: number,
  pairs = 4096,
  pacer: Pacer = eagerPacer,
): Promise<number[]> {
  return gradientOnce(referenceEstimator(task, T, seed, pairs), theta, sigma, pacer);
}

/** A sampled reference gradient and its own uncertainty. */
export interface ReferenceEstimate {
  gradient: number[];
  /** E‖g_ref − ∇L_σ‖² estimated as tr Cov of its pairs' own estimates / pairs. */
  variance: number;
  pairs: number;
}

/**
 * `referenceGradient` (the same estimate, the same keys) with its own uncertainty: the
 * pairs' single-pair estimates give tr Cov of one pair, and the reference, their mean,
 * has 1/pairs of it.
 */
export async function referenceEstimate(
  task: Task,
  theta: readonly number[],
  sigma: number,
  T: number,
  seed: number,
  pairs = 4096,
  pacer: Pacer = eagerPacer,
): Promise<ReferenceEstimate> {
  const est = referenceEstimator(task, T, seed, pairs);
  const th = tf.tensor1d([...theta]);
  try {
    const { grad, perWorker, excluded } = await pacer.run(est.estimateSlices(th, sigma, { perWorker: true }));
    excluded?.dispose();
    const gradient = Array.from(await grad.data());
    grad.dispose();
    const each = perWorker ? Float64Array.from(await perWorker.data()) : new Float64Array(0);
    perWorker?.dispose();
    const d = gradient.length;
    const rows = each.length / Math.max(1, d);
    const { totalVariance } = totalVarianceOf(each, d, Array.from({ length: rows }, (_, i) => i));
    return { gradient, variance: rows > 1 ? totalVariance / rows : Number.NaN, pairs };
  } finally {
    th.dispose();
    est.dispose();
  }
}

export type ReferenceKind = 'exact' | 'full-es';

/** The reference of a variance measurement: what it is, and its own error (0 when exact). */
export interface VarianceReference {
  reference: number[];
  referenceKind: ReferenceKind;
  /** Pairs of a full-ES reference (0 when exact). */
  referencePairs: number;
  /** E‖g_ref − g‖² (0 when exact); pass it on as `VarianceOptions.referenceVariance`. */
  referenceVariance: number;
}

/**
 * The exact gradient on the default linear-quadratic task (L is quadratic, so ∇L_σ = ∇L),
 * else a `pairs`-pair full-unroll ES estimate of ∇L_σ over the task's horizon with its own
 * uncertainty.
 */
export async function varianceReferenceFor(
  task: Task,
  theta: readonly number[],
  sigma: number,
  seed: number,
  pairs: number,
  pacer: Pacer = eagerPacer,
): Promise<VarianceReference> {
  if (task.meta.id === 'linear-quadratic') {
    return { reference: linearQuadraticExact().gradient(theta), referenceKind: 'exact', referencePairs: 0, referenceVariance: 0 };
  }
  const r = await referenceEstimate(task, theta, sigma, varianceHorizon(task), seed, pairs, pacer);
  return { reference: r.gradient, referenceKind: 'full-es', referencePairs: pairs, referenceVariance: r.variance };
}
