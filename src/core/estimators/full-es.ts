import * as tf from '@tensorflow/tfjs-core';
import { gaussianRows, range, Stream } from '../noise';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';
import { tileTheta } from './estimator';

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
    const { N, d, ctx } = this;
    const z = gaussianRows(ctx.settings.seed, Stream.perturbation, range(N), new Int32Array(N).fill(this.updates), new Int32Array(N), d);
    this.updates++;
    this.lastEps = z.map((v) => v * sigma);
    const { grad, perWorker } = tf.tidy(() => {
      const zt = tf.tensor2d(z, [N, d]);
      const rows = tileTheta(theta, N);
      const eps = tf.mul(zt, sigma);
      let losses = ctx.task.episodeLoss(tf.concat([tf.add(rows, eps), tf.sub(rows, eps)]) as tf.Tensor2D);
      if (ctx.settings.rankShaping) losses = centredRanks(losses);
      const [lPlus, lMinus] = tf.split(losses, 2) as [tf.Tensor1D, tf.Tensor1D];
      const w = tf.div(tf.sub(lPlus, lMinus), 2 * sigma * N);
      const g = tf.reshape(tf.matMul(tf.reshape(w, [1, N]), zt), [d]) as tf.Tensor1D;
      const each = options.perWorker ? (tf.mul(tf.expandDims(tf.mul(w, N), 1), zt) as tf.Tensor2D) : undefined;
      return { grad: g, perWorker: each };
    });
    return { grad, perWorker, innerSteps: 2 * N * ctx.task.meta.evalSteps };
  }

  burnIn(): number {
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
