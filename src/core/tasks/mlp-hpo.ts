/**
 * MLP hyper-parameter optimization (the ES-Single / PES papers' "real" meta-learning
 * setting, at playground size): θ = (log η, log λ) of the inner SGD training a
 * 2 → H → 1 tanh MLP on two noisy half-moons generated in code.
 *
 *   w₀ fixed (seeded);  b_t = training minibatch (t mod n_b),  v_t = validation minibatch (t mod n_v)
 *   w_{t+1} = clip( w_t − η (∇_w ℓ(w_t; b_t) + λ w_t), ±w_max ),   η = e^{θ₀}, λ = e^{θ₁}
 *   L_t = min( ℓ(w_{t+1}; v_t), L_max ),   ℓ = mean logistic loss softplus(−y f_w(x))
 *   L(θ) = (1/T) Σ_t L_t   (reduction 'mean', T = 200)
 *
 * The meta-objective is the validation loss along the whole run, so it rewards training
 * fast *and* generalising: the 64 training points overlap, a fast learning rate overfits
 * them, and weight decay pays off there. The state is the flattened MLP weights of every
 * particle; one step trains all particles' networks at once with batched matmuls. Too
 * large an η makes the inner run unstable: the weight clip and the loss cap keep such
 * runs finite (the L_max plateau) and the surface is rough near that edge of stability,
 * as in the lr-schedule toy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';
import { initMlp, logisticLoss, logisticLossAndGrad, mlpLayers, type MlpShape, mlpSize, sharedInputLayers, sharedLogisticLoss, sharedLogisticLossAndGrad } from './batched-mlp';
import { commonPeriod, largestGroup, perTimeGroup } from './time-groups';
import { sharedGemmPays } from '../backend-ops';
import { twoMoons } from './datasets';

export interface MlpHpoOptions {
  /** Inner SGD steps T (default 200). */
  T?: number;
  /** Hidden units H (default 16). */
  hidden?: number;
  /** Training points (default 64) in minibatches of `batch` (default 16). */
  train?: number;
  batch?: number;
  /** Validation points (default 128), also in minibatches of `batch`. */
  validation?: number;
  /** Seed of the data and of the initial weights (default 1). */
  seed?: number;
}

/** Standard deviation of the input noise of the two-moons data (the classes overlap). */
export const MLP_HPO_NOISE = 0.3;
/** Weights are clipped to ±W_MAX after every update (keeps unstable runs finite). */
export const MLP_HPO_W_MAX = 50;
/** Per-step loss cap: a diverged or saturated run costs this much per step. */
export const MLP_HPO_L_MAX = 2;

export function createMlpHpo(options: MlpHpoOptions = {}): Task {
  const T = options.T ?? 200;
  const hidden = options.hidden ?? 16;
  const nTrain = options.train ?? 64;
  const B = options.batch ?? 16;
  const nVal = options.validation ?? 128;
  const seed = options.seed ?? 1;
  if (nTrain % B !== 0) throw new Error(`mlp-hpo: train (${nTrain}) must be a multiple of batch (${B})`);
  if (nVal % B !== 0) throw new Error(`mlp-hpo: validation (${nVal}) must be a multiple of batch (${B})`);
  const nb = nTrain / B;
  const nbVal = nVal / B;
  const shape: MlpShape = { inputs: 2, hidden, outputs: 1 };
  const size = mlpSize(shape);

  const train = twoMoons(nTrain, { noise: MLP_HPO_NOISE, seed });
  const val = twoMoons(nVal, { noise: MLP_HPO_NOISE, seed: seed + 1000 });
  // A large first-layer gain: varied features from the start, so a fast learning rate can
  // fit (and overfit) the 64 noisy points within the run and weight decay has a job.
  const w0 = initMlp(shape, seed + 2000, 5);
  // Constants, created once per task instance (kept across tf.tidy scopes). Inputs carry
  // the constant-1 column of the augmented layout; batches are gathered per particle by
  // time index, so labels arrive in the logits' shape (no broadcasting).
  const xTrain = tf.keep(tf.tensor3d(withOnesColumn(train.x, nTrain), [nb, B, 3]));
  const yTrain = tf.keep(tf.tensor3d(train.y, [nb, B, 1]));
  const xVal = tf.keep(tf.tensor3d(withOnesColumn(val.x, nVal), [nbVal, B, 3]));
  const yVal = tf.keep(tf.tensor3d(val.y, [nbVal, B, 1]));
  const w0T = tf.keep(tf.tensor2d(w0, [1, size]));
  // The same minibatches as [B, ·] matrices, for the GEMM formulation.
  const xTrainRows = tf.unstack(xTrain).map((x) => tf.keep(x as tf.Tensor2D));
  const yTrainRows = tf.unstack(yTrain).map((x) => tf.keep(x as tf.Tensor2D));
  const xValRows = tf.unstack(xVal).map((x) => tf.keep(x as tf.Tensor2D));
  const yValRows = tf.unstack(yVal).map((x) => tf.keep(x as tf.Tensor2D));

  /** w ← clip(w − η(∇ℓ + λw), ±w_max) with η = e^{θ₀}, λ = e^{θ₁} per row. */
  const sgdStep = (w: tf.Tensor2D, grad: tf.Tensor2D, theta: tf.Tensor2D): tf.Tensor2D => {
    const [logEta, logLambda] = tf.split(theta, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const update = tf.mul(tf.exp(logEta), tf.add(grad, tf.mul(tf.exp(logLambda), w)));
    return tf.clipByValue(tf.sub(w, update), -MLP_HPO_W_MAX, MLP_HPO_W_MAX) as tf.Tensor2D;
  };

  const meta: TaskMeta = {
    id: 'mlp-hpo',
    title: 'MLP hyper-parameters',
    formula: `w ← w − η(∇ℓ_train(w) + λw) on a 2→${hidden}→1 MLP (two moons),  η = e^{θ₀}, λ = e^{θ₁},  L = (1/T) Σ_t ℓ_val(w_t)`,
    description:
      `θ = (log learning rate, log weight decay) of ${T} SGD steps training a small tanh MLP on two noisy half-moons ` +
      `(${nTrain} training points in minibatches of ${B}); the meta-loss is the validation loss averaged over the run. ` +
      'Too small a learning rate barely trains, a large one overfits (weight decay helps there), and beyond the edge ' +
      'of stability training diverges: the meta-loss is rough along that edge.',
    paramNames: ['log η (learning rate)', 'log λ (weight decay)'],
    logScale: [true, true],
    theta0: [-4, 0],
    bounds: [
      [-5, 3],
      [-9, 1],
    ],
    optimum: null,
    reduction: 'mean',
    defaults: { T, K: 20, sigma: 0.3, pairs: 16, optimizer: 'adam', lr: 0.05, iterations: 300 },
    evalSteps: T,
  };

  const task: Task = {
    meta,
    stateSize: size,
    initialState: (P) => tf.tile(w0T, [P, 1]),
    step(state, theta, t, times) {
      // Particles on one minibatch train as one GEMM per layer where that is faster (sharedGemmPays).
      if (sharedGemmPays(largestGroup(times, commonPeriod(nb, nbVal)))) {
        const [next, loss] = perTimeGroup(times, commonPeriod(nb, nbVal), [state, theta], (time, [w, th]) => {
          const b = time % nb;
          const v = time % nbVal;
          const { grad } = sharedLogisticLossAndGrad(sharedInputLayers(w as tf.Tensor2D, shape), xTrainRows[b] as tf.Tensor2D, yTrainRows[b] as tf.Tensor2D, shape);
          const next = sgdStep(w as tf.Tensor2D, grad, th as tf.Tensor2D);
          return [next, sharedLogisticLoss(sharedInputLayers(next, shape), xValRows[v] as tf.Tensor2D, yValRows[v] as tf.Tensor2D)];
        });
        // A NaN here can only come from a non-finite θ; tf.minimum keeps it visible.
        return { state: next as tf.Tensor2D, loss: tf.minimum(loss as tf.Tensor1D, MLP_HPO_L_MAX) as tf.Tensor1D };
      }
      const trainBatch = tf.mod(t, tf.scalar(nb, 'int32'));
      const { grad } = logisticLossAndGrad(mlpLayers(state, shape), tf.gather(xTrain, trainBatch) as tf.Tensor3D, tf.gather(yTrain, trainBatch) as tf.Tensor3D, shape);
      const next = sgdStep(state, grad, theta);
      const valBatch = tf.mod(t, tf.scalar(nbVal, 'int32'));
      const valLoss = logisticLoss(mlpLayers(next, shape), tf.gather(xVal, valBatch) as tf.Tensor3D, tf.gather(yVal, valBatch) as tf.Tensor3D);
      return { state: next, loss: tf.minimum(valLoss, MLP_HPO_L_MAX) as tf.Tensor1D };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}

/** Rows (x₀, x₁) → (x₀, x₁, 1): the constant input of the augmented layout. */
function withOnesColumn(x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = x[2 * i] ?? 0;
    out[3 * i + 1] = x[2 * i + 1] ?? 0;
    out[3 * i + 2] = 1;
  }
  return out;
}
