import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient kernels, which tfjs-core registers only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Slices } from '../slices';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';

/**
 * Backpropagation through the whole episode (exact gradient of the unsmoothed
 * objective by tfjs autodiff):
 *
 *   ĝ = ∇_θ L(θ),   L = the task's episode objective from the initial state
 *
 * Exact on smooth problems; on chaotic unrolls (Lorenz, long horizons) the gradient
 * explodes and is useless — the contrast ES smoothing is there to show.
 */
class FullBackprop implements Estimator {
  readonly id = 'bptt' as const;

  constructor(private readonly ctx: EstimatorContext) {}

  estimate(theta: tf.Tensor1D, _sigma: number, options: EstimateOptions = {}): GradientEstimate {
    const { task } = this.ctx;
    const grad = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(task.episodeLoss(tf.expandDims(x, 0) as tf.Tensor2D)))(theta),
    ) as tf.Tensor1D;
    const perWorker = options.perWorker ? (tf.expandDims(grad, 0) as tf.Tensor2D) : undefined;
    // A NaN/±Inf gradient is counted; the trainer then skips the update (one worker, none usable).
    const excluded = tf.tidy(() => tf.sub(1, tf.cast(tf.all(tf.isFinite(grad)), 'float32')) as tf.Scalar);
    return { grad, perWorker, innerSteps: task.meta.evalSteps, excluded, workers: 1 };
  }

  // eslint-disable-next-line require-yield -- one tf.grad call: a single slice.
  *estimateSlices(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    return this.estimate(theta, sigma, options);
  }

  burnIn(): number {
    return 0;
  }

  // eslint-disable-next-line require-yield -- no burn-in; a generator for the interface.
  *burnInSlices(): Slices<number> {
    return 0;
  }

  particles(theta: tf.Tensor1D): tf.Tensor2D {
    return tf.expandDims(theta, 0) as tf.Tensor2D;
  }

  dispose(): void {}
}

export const createBptt: EstimatorFactory = (ctx) => new FullBackprop(ctx);
