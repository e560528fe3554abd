import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient kernels, which tfjs-core registers only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { drain, type Slices } from '../slices';
import { type CheckpointedGrad, checkpointedGradSlices } from './checkpointed-grad';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';

/**
 * Backpropagation through the whole episode (exact gradient of the unsmoothed
 * objective by tfjs autodiff):
 *
 *   ĝ = ∇_θ L(θ),   L = the task's episode objective from the initial state
 *
 * Computed by autodiff over checkpointed segments (checkpointed-grad.ts), so a long
 * episode is many short slices rather than one call the engine cannot pause.
 * Exact on smooth problems; on chaotic unrolls (Lorenz, long horizons) the gradient
 * explodes and is useless — the contrast ES smoothing is there to show.
 */
class FullBackprop implements Estimator {
  readonly id = 'bptt' as const;

  constructor(private readonly ctx: EstimatorContext) {}

  estimate(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): GradientEstimate {
    return drain(this.estimateSlices(theta, sigma, options));
  }

  /**
   * The episode gradient by checkpointed segments (checkpointed-grad.ts): the unroll of
   * `evalSteps` steps from the initial state, reduced as the task says — what every task's
   * `episodeLoss` is (autodiff.test.ts checks the two agree for each registered task).
   */
  *estimateSlices(theta: tf.Tensor1D, _sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    const { task } = this.ctx;
    const rows = tf.expandDims(theta, 0) as tf.Tensor2D;
    const initial = task.initialState(1);
    let result: CheckpointedGrad;
    try {
      result = yield* checkpointedGradSlices(task, initial, rows, new Int32Array(1), task.meta.evalSteps);
    } finally {
      rows.dispose();
      initial.dispose();
    }
    result.state.dispose();
    result.loss.dispose();
    const grad = tf.reshape(result.grad, [-1]) as tf.Tensor1D;
    const perWorker = options.perWorker ? result.grad : undefined;
    if (!perWorker) result.grad.dispose();
    // A NaN/±Inf gradient is counted; the trainer then skips the update (one worker, none usable).
    const excluded = tf.tidy(() => tf.sub(1, tf.cast(tf.all(tf.isFinite(grad)), 'float32')) as tf.Scalar);
    return { grad, perWorker, innerSteps: task.meta.evalSteps, excluded, workers: 1 };
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
