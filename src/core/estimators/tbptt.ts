import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient kernels, which tfjs-core registers only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { EstimateOptions, Estimator, EstimatorContext, EstimatorFactory, GradientEstimate } from './estimator';
import { tileTheta, truncationsPerEpisode } from './estimator';
import { replaceRows, unrollTruncation } from './unroll';
import { WorkerClock } from './workers';

/**
 * Truncated backpropagation through time (the autodiff baseline): the gradient of the
 * truncation loss through its K steps only, the state entering the truncation held
 * constant, then the state moves on:
 *
 *   ĝ_j = ∂ℓ_j(s_{jK}, θ)/∂θ  with s_{jK} treated as a constant
 *
 * Deterministic, so lockstep uses one trajectory; step-unlocked workers average N
 * trajectories at their own offsets. Computed with tfjs autodiff.
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

  estimate(theta: tf.Tensor1D, _sigma: number, options: EstimateOptions = {}): GradientEstimate {
    let innerSteps = this.positioned ? 0 : this.positionWorkers(theta);
    const truncationIndex = this.clock.truncationIndex().map((j) => (j >= this.clock.J ? 0 : j));
    this.resetEnded();
    const { P, ctx } = this;
    const entering = this.states as tf.Tensor2D;
    const t0 = Int32Array.from(this.clock.t);
    let exiting: tf.Tensor2D | null = null;
    // Differentiate w.r.t. the tiled rows: row p's gradient is trajectory p's own estimate.
    const rows = tileTheta(theta, P);
    const each = tf.grad((x: tf.Tensor) => {
      const out = unrollTruncation(ctx.task, entering, x as tf.Tensor2D, t0, ctx.settings.K);
      exiting = tf.keep(out.state);
      return tf.sum(out.loss);
    })(rows) as tf.Tensor2D;
    rows.dispose();
    const grad = tf.mean(each, 0) as tf.Tensor1D;
    const perWorker = options.perWorker ? each : undefined;
    if (!perWorker) each.dispose();
    entering.dispose();
    this.states = exiting as unknown as tf.Tensor2D;
    this.clock.advance();
    innerSteps += P * ctx.settings.K;
    return { grad, perWorker, innerSteps, truncationIndex };
  }

  burnIn(theta: tf.Tensor1D): number {
    if (!Number.isFinite(this.ctx.settings.T)) return 0;
    let steps = this.positioned ? 0 : this.positionWorkers(theta);
    for (let j = 0; j < truncationsPerEpisode(this.ctx.settings); j++) steps += this.advance(theta, null);
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

  private advance(theta: tf.Tensor1D, mask: boolean[] | null): number {
    this.resetEnded();
    const prev = this.states as tf.Tensor2D;
    const next = tf.tidy(() => {
      const out = unrollTruncation(this.ctx.task, prev, tileTheta(theta, this.P), this.clock.t, this.ctx.settings.K);
      return mask === null ? out.state : replaceRows(prev, out.state, mask);
    });
    prev.dispose();
    this.states = next;
    this.clock.advance(mask ?? undefined);
    return (mask === null ? this.P : mask.filter(Boolean).length) * this.ctx.settings.K;
  }

  private positionWorkers(theta: tf.Tensor1D): number {
    let steps = 0;
    for (let mask = this.clock.positioning(); mask.some(Boolean); mask = this.clock.positioning()) {
      steps += this.advance(theta, mask);
    }
    this.positioned = true;
    return steps;
  }
}

export const createTbptt: EstimatorFactory = (ctx) => new TruncatedBackprop(ctx);
