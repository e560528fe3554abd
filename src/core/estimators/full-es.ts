import * as tf from '@tensorflow/tfjs-core';
import { gaussianRows, range, Stream } from '../noise';
import { drain, type Slices } from '../slices';
import { episodeLossSlices } from '../task';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';
import { tileTheta } from './estimator';
import { maskedWeights, pairGuard } from './unroll';

/**
 * Full-unroll antithetic ES: every particle unrolls a whole episode from the initial state.
 *
 *   ĝ = (1/N) Σ_i ε_i (L(θ + ε_i) − L(θ − ε_i)) / (2σ²)
 *
 * Unbiased for ∇L_σ; cost 2NT per update. Noise of update u is keyed by
 * (seed, pair, u, 0) — the key PES/NRES use for episode u's first block, so with one
 * truncation per episode they all see the same ε.
 *
 * Optional rank fitness shaping (evostrats): the 2N losses are replaced by their centred
 * ranks u ∈ linspace(−0.5, 0.5) (lowest loss → −0.5) before the same formula; the result
 * then points along the gradient but its scale is not the gradient's.
 */
class FullUnrollEs implements Estimator {
  readonly id = 'full-es' as const;
  private updates = 0;
  private lastEps: Float32Array;
  private readonly N: number;
  private readonly d: number;

  constructor(private readonly ctx: EstimatorContext) {
    this.N = ctx.settings.pairs;
    this.d = ctx.task.meta.theta0.length;
    this.lastEps = new Float32Array(this.N * this.d);
  }

  estimate(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): GradientEstimate {
    return drain(this.estimateSlices(theta, sigma, options));
  }

  *estimateSlices(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    const { N, d, ctx } = this;
    const z = gaussianRows(ctx.settings.seed, Stream.perturbation, range(N), new Int32Array(N).fill(this.updates), new Int32Array(N), d);
    this.updates++;
    this.lastEps = z.map((v) => v * sigma);
    const particles = tf.tidy(() => {
      const rows = tileTheta(theta, N);
      const eps = tf.mul(tf.tensor2d(z, [N, d]), sigma);
      return tf.concat([tf.add(rows, eps), tf.sub(rows, eps)]) as tf.Tensor2D;
    });
    let raw: tf.Tensor1D;
    try {
      raw = yield* episodeLossSlices(ctx.task, particles);
    } finally {
      particles.dispose();
    }
    const episodeLosses = raw;
    const { grad, perWorker, excluded } = tf.tidy(() => {
      const zt = tf.tensor2d(z, [N, d]);
      // Pairs with a NaN/±Inf episode loss are left out (and counted); ranks are taken with
      // those losses as +Inf, the worst, so the ranks of the others stay a permutation.
      const [rawPlus, rawMinus] = tf.split(episodeLosses, 2) as [tf.Tensor1D, tf.Tensor1D];
      const guard = pairGuard(rawPlus, rawMinus, null, null, null);
      let losses: tf.Tensor1D = episodeLosses;
      if (ctx.settings.rankShaping) {
        losses = centredRanks(tf.where(tf.isFinite(episodeLosses), episodeLosses, tf.fill(episodeLosses.shape, Number.POSITIVE_INFINITY)) as tf.Tensor1D);
      }
      const [lPlus, lMinus] = tf.split(losses, 2) as [tf.Tensor1D, tf.Tensor1D];
      const w = maskedWeights(tf.div(tf.sub(lPlus, lMinus), 2 * sigma * N) as tf.Tensor1D, guard.usable, guard.renormalise);
      const g = tf.reshape(tf.matMul(tf.reshape(w, [1, N]), zt), [d]) as tf.Tensor1D;
      const each = options.perWorker ? (tf.mul(tf.expandDims(tf.mul(w, N), 1), zt) as tf.Tensor2D) : undefined;
      return { grad: g, perWorker: each, excluded: guard.excluded };
    });
    episodeLosses.dispose();
    return { grad, perWorker, innerSteps: 2 * N * ctx.task.meta.evalSteps, excluded, workers: N };
  }

  burnIn(): number {
    return 0;
  }

  // eslint-disable-next-line require-yield -- full-unroll ES has no burn-in; a generator for the interface.
  *burnInSlices(): Slices<number> {
    return 0;
  }

  particles(theta: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const eps = tf.tensor2d(this.lastEps, [this.N, this.d]);
      return tf.concat([tf.add(theta, eps), tf.sub(theta, eps)]) as tf.Tensor2D;
    });
  }

  dispose(): void {}
}

/**
 * Centred ranks of a vector: rank r ∈ {0…n−1} (ascending loss) ↦ r/(n−1) − 0.5.
 * Sorted on the device with top-k (O(n log n), no n×n matrix).
 */
export function centredRanks(x: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = x.shape[0];
    if (n < 2) return tf.zerosLike(x);
    const order = tf.topk(tf.neg(x), n, true).indices; // ascending x
    const ranks = tf.scatterND(tf.reshape(order, [n, 1]), tf.range(0, n, 1, 'float32'), [n]);
    return tf.sub(tf.div(ranks, n - 1), 0.5) as tf.Tensor1D;
  });
}

export const createFullEs: EstimatorFactory = (ctx) => new FullUnrollEs(ctx);
