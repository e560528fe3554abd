import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient kernels, which tfjs-core registers only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { drain, type Slices } from '../slices';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';
import { tileTheta, truncationsPerEpisode } from './estimator';
import { type CheckpointedGrad, checkpointedGradSlices } from './checkpointed-grad';
import { finiteRows, replaceRows, type TruncationResult, unrollTruncationSlices } from './unroll';
import { WorkerClock } from './workers';

/**
 * Truncated backpropagation through time (the autodiff baseline): the gradient of the
 * truncation loss through its K steps only, the state entering the truncation held
 * constant, then the state moves on:
 *
 *   ĝ_j = ∂ℓ_j(s_{jK}, θ)/∂θ  with s_{jK} treated as a constant
 *
 * Deterministic, so lockstep uses one trajectory; step-unlocked workers average N
 * trajectories at their own offsets. Computed with tfjs autodiff over checkpointed segments
 * (checkpointed-grad.ts), so an update at the largest N and K can be paused.
 */
class TruncatedBackprop implements Estimator {
  readonly id = 'tbptt' as const;
  private states: tf.Tensor2D | null = null;
  private readonly clock: WorkerClock;
  private readonly P: number;
  private positioned = false;

  constructor(private readonly ctx: EstimatorContext) {
    this.P = ctx.settings.workers === 'lockstep' ? 1 : ctx.settings.pairs;
    this.clock = new WorkerClock(this.P, ctx.settings);
  }

  estimate(theta: tf.Tensor1D, sigma: number, options: EstimateOptions = {}): GradientEstimate {
    return drain(this.estimateSlices(theta, sigma, options));
  }

  /**
   * The gradient by checkpointed segments (checkpointed-grad.ts): a forward pass, then a
   * backward pass segment by segment, each a short slice. Positioning and burn-in are sliced.
   */
  *estimateSlices(theta: tf.Tensor1D, _sigma: number, options: EstimateOptions = {}): Slices<GradientEstimate> {
    let innerSteps = this.positioned ? 0 : yield* this.positionWorkers(theta);
    const truncationIndex = this.clock.truncationIndex().map((j) => (j >= this.clock.J ? 0 : j));
    this.resetEnded();
    const { P, ctx } = this;
    const entering = this.states as tf.Tensor2D;
    const t0 = Int32Array.from(this.clock.t);
    // Differentiate w.r.t. the tiled rows: row p's gradient is trajectory p's own estimate.
    const rows = tileTheta(theta, P);
    let result: CheckpointedGrad;
    try {
      result = yield* checkpointedGradSlices(ctx.task, entering, rows, t0, ctx.settings.K);
    } finally {
      rows.dispose();
    }
    result.loss.dispose();
    const each = result.grad;
    // Trajectories whose gradient or state became NaN/±Inf are left out (and counted); the
    // mask is [P, 1] so it broadcasts over the gradient's columns.
    const exitState = result.state;
    const { grad, masked, excluded } = tf.tidy(() => {
      const ok = tf.logicalAnd(finiteRows(each), finiteRows(exitState));
      const okCount = tf.sum(tf.cast(ok, 'float32'));
      const kept = tf.where(tf.reshape(ok, [P, 1]), each, tf.zerosLike(each)) as tf.Tensor2D;
      // Exactly the plain mean when every trajectory is finite (the factor is then 1).
      const g = tf.mul(tf.mean(kept, 0), tf.div(P, tf.maximum(okCount, 1))) as tf.Tensor1D;
      return { grad: g, masked: kept, excluded: tf.sub(P, okCount) as tf.Scalar };
    });
    each.dispose();
    const perWorker = options.perWorker ? masked : undefined;
    if (!perWorker) masked.dispose();
    entering.dispose();
    this.states = exitState;
    this.clock.advance();
    innerSteps += P * ctx.settings.K;
    return { grad, perWorker, innerSteps, truncationIndex, excluded, workers: P };
  }

  burnIn(theta: tf.Tensor1D): number {
    return drain(this.burnInSlices(theta));
  }

  *burnInSlices(theta: tf.Tensor1D): Slices<number> {
    if (!Number.isFinite(this.ctx.settings.T)) return 0;
    let steps = this.positioned ? 0 : yield* this.positionWorkers(theta);
    for (let j = 0; j < truncationsPerEpisode(this.ctx.settings); j++) steps += yield* this.advance(theta, null);
    return steps;
  }

  particles(theta: tf.Tensor1D): tf.Tensor2D {
    return tf.expandDims(theta, 0) as tf.Tensor2D;
  }

  dispose(): void {
    this.states?.dispose();
    this.states = null;
  }

  private resetEnded(): void {
    const ended = this.clock.startNewEpisodes();
    if (this.states === null) {
      this.states = this.ctx.task.initialState(this.P);
    } else if (ended.some(Boolean)) {
      const init = this.ctx.task.initialState(this.P);
      const next = replaceRows(this.states, init, ended);
      init.dispose();
      this.states.dispose();
      this.states = next;
    }
  }

  private *advance(theta: tf.Tensor1D, mask: boolean[] | null): Slices<number> {
    this.resetEnded();
    const prev = this.states as tf.Tensor2D;
    const rows = tileTheta(theta, this.P);
    let out: TruncationResult;
    try {
      out = yield* unrollTruncationSlices(this.ctx.task, prev, rows, this.clock.t, this.ctx.settings.K);
    } finally {
      rows.dispose();
    }
    out.loss.dispose();
    const next = mask === null ? out.state : replaceRows(prev, out.state, mask);
    if (next !== out.state) out.state.dispose();
    prev.dispose();
    this.states = next;
    this.clock.advance(mask ?? undefined);
    return (mask === null ? this.P : mask.filter(Boolean).length) * this.ctx.settings.K;
  }

  private *positionWorkers(theta: tf.Tensor1D): Slices<number> {
    let steps = 0;
    for (let mask = this.clock.positioning(); mask.some(Boolean); mask = this.clock.positioning()) {
      steps += yield* this.advance(theta, mask);
    }
    this.positioned = true;
    return steps;
  }
}

export const createTbptt: EstimatorFactory = (ctx) => new TruncatedBackprop(ctx);
