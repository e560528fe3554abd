/**
 * Learned-optimizer meta-training (the NRES and ES-Single papers' learned-optimizer
 * experiments, at playground size): θ = the weights of a tiny per-parameter optimizer
 * that trains a 2 → 8 → 1 tanh MLP on two half-moons generated in code.
 *
 *   per inner weight w_i, with g_i = ∂ℓ_train/∂w_i on minibatch b_t and momentum
 *   m_i ← 0.9 m_i + 0.1 g_i:   features f_i = (g_i, m_i, w_i)
 *   update   u_i = s_g g_i + s_m m_i + v·tanh(f_i U)        (SGD with momentum + a 3 → H → 1 MLP)
 *   w_i ← clip(w_i − u_i, ±w_max)
 *   L_t = min(ℓ(w_{t+1}; v_t), L_max)  on validation minibatch v_t,   L(θ) = (1/T) Σ_t L_t
 *   θ = (s_g, s_m, U [3×H, row-major], v [H]),  d = 2 + 4H  (34 for H = 8)
 *
 * The MLP has no biases, so it is odd (u(−f) = −u(f)) and proposes no update where
 * gradient, momentum and weight are all zero: a bias would be a constant drift on every
 * weight, 200 steps long, and make the meta-loss needlessly sensitive to one coordinate.
 *
 * The same optimizer (one θ) is applied to every weight of the inner network; each
 * particle's optimizer acts on its own copy of the network, so P optimizers × 33 weights
 * run as one batched matmul per optimizer layer. θ₀ is plain SGD with learning rate 0.1
 * (s = (0.1, 0)) plus a small random MLP term, so meta-training starts from a working
 * optimizer and has to discover momentum, a better step size and whatever the MLP term
 * can add. The state is [w, m] per particle; the loss cap and the weight clip keep
 * unstable optimizers finite (as in mlp-hpo).
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';
import { sharedGemmPays } from '../backend-ops';
import { initMlp, logisticLoss, logisticLossAndGrad, mlpLayers, type MlpShape, mlpSize, sharedInputLayers, sharedLogisticLoss, sharedLogisticLossAndGrad, splitColumns, withOnes } from './batched-mlp';
import { commonPeriod, largestGroup, perTimeGroup } from './time-groups';
import { normalArray, twoMoons } from './datasets';

export interface LearnedOptimizerOptions {
  /** Inner steps T (default 200). */
  T?: number;
  /** Hidden units of the optimizer MLP (default 8). */
  optimizerHidden?: number;
  /** Hidden units of the inner network (default 8). */
  hidden?: number;
  /** Seed of the data, the inner initial weights and θ₀'s MLP term (default 1). */
  seed?: number;
}

/** Momentum decay of the optimizer's momentum feature. */
export const LEARNED_OPT_MOMENTUM = 0.9;
/** Inner weights are clipped to ±W_MAX after every update. */
export const LEARNED_OPT_W_MAX = 20;
/** Per-step loss cap. */
export const LEARNED_OPT_L_MAX = 2;
/** Learning rate of θ₀'s SGD term. */
export const LEARNED_OPT_SGD_LR = 0.1;
const FEATURES = 3;
/** Linear coefficients (on g and m) before the MLP weights in θ. */
const LINEAR = 2;

/** Number of meta-parameters for an optimizer MLP with H hidden units. */
export function learnedOptimizerSize(H: number): number {
  return LINEAR + FEATURES * H + H;
}

export function createLearnedOptimizer(options: LearnedOptimizerOptions = {}): Task {
  const T = options.T ?? 200;
  const H = options.optimizerHidden ?? 8;
  const seed = options.seed ?? 1;
  const shape: MlpShape = { inputs: 2, hidden: options.hidden ?? 8, outputs: 1 };
  const size = mlpSize(shape);
  const d = learnedOptimizerSize(H);
  const B = 16;
  const nTrain = 64;
  const nVal = 128;
  const nb = nTrain / B;
  const nbVal = nVal / B;

  const train = twoMoons(nTrain, { noise: 0.15, seed: seed + 10 });
  const val = twoMoons(nVal, { noise: 0.15, seed: seed + 1010 });
  const xTrain = tf.keep(withOnes(tf.tensor3d(train.x, [nb, B, 2])));
  const yTrain = tf.keep(tf.tensor3d(train.y, [nb, B, 1]));
  const xVal = tf.keep(withOnes(tf.tensor3d(val.x, [nbVal, B, 2])));
  const yVal = tf.keep(tf.tensor3d(val.y, [nbVal, B, 1]));
  // Initial state: fixed inner weights, zero momentum.
  const s0 = new Float32Array(2 * size);
  s0.set(initMlp(shape, seed + 2010, 1.5), 0);
  const s0T = tf.keep(tf.tensor2d(s0, [1, 2 * size]));
  // The same minibatches as [B, ·] matrices, for the GEMM formulation.
  const xTrainRows = tf.unstack(xTrain).map((x) => tf.keep(x as tf.Tensor2D));
  const yTrainRows = tf.unstack(yTrain).map((x) => tf.keep(x as tf.Tensor2D));
  const xValRows = tf.unstack(xVal).map((x) => tf.keep(x as tf.Tensor2D));
  const yValRows = tf.unstack(yVal).map((x) => tf.keep(x as tf.Tensor2D));

  // θ₀: SGD (s = (η, 0)), a random first optimizer layer, a small random readout.
  const theta0 = new Float32Array(d);
  theta0[0] = LEARNED_OPT_SGD_LR;
  theta0.set(normalArray(FEATURES * H, 1 / Math.sqrt(FEATURES), seed + 3010), LINEAR);
  theta0.set(normalArray(H, 0.01, seed + 3011), LINEAR + FEATURES * H);
  const names = ['s_g', 's_m'];
  for (const f of ['g', 'm', 'w']) for (let j = 0; j < H; j++) names.push(`U[${f},${j}]`);
  for (let j = 0; j < H; j++) names.push(`v[${j}]`);

  const meta: TaskMeta = {
    id: 'learned-optimizer',
    title: 'Learned optimizer',
    formula: `w ← w − (s_g g + s_m m + v·tanh((g, m, w) U)) per weight of a 2→${shape.hidden}→1 MLP (two moons),  L = (1/T) Σ_t ℓ_val(w_t),  θ = (s, U, v): ${d} weights`,
    description:
      `θ is a tiny per-parameter optimizer: for each weight of a 2→${shape.hidden}→1 tanh network it maps the gradient, a momentum ` +
      `and the weight itself to an update: SGD with momentum plus a 3→${H}→1 MLP (${d} meta-parameters). The meta-loss is the ` +
      `validation loss averaged over ${T} inner steps. θ₀ is SGD with learning rate ${LEARNED_OPT_SGD_LR}; meta-training can learn a ` +
      'larger step, momentum and a nonlinear correction.',
    paramNames: names,
    logScale: names.map(() => false),
    theta0: Array.from(theta0),
    bounds: Array.from(theta0, (v) => [v - 1, v + 1] as const),
    optimum: null,
    reduction: 'mean',
    defaults: { T, K: 20, sigma: 0.01, pairs: 16, optimizer: 'adam', lr: 0.003, iterations: 300 },
    evalSteps: T,
  };

  /** The learned optimizer's update of weights w with momentum m, given the gradient, for θ rows [P, d]. */
  const optimizerStep = (w: tf.Tensor2D, m: tf.Tensor2D, grad: tf.Tensor2D, theta: tf.Tensor2D): { w1: tf.Tensor2D; m1: tf.Tensor2D } => {
    const P = w.shape[0];
    const m1 = tf.add(tf.mul(m, LEARNED_OPT_MOMENTUM), tf.mul(grad, 1 - LEARNED_OPT_MOMENTUM)) as tf.Tensor2D;
    const f = tf.stack([grad, m1, w], 2) as tf.Tensor3D; // [P, size, 3]
    // [s_g, s_m, 0] so the linear term is one batched matmul with the features.
    const [sCols, uCols, vCols] = splitColumns(theta, [LINEAR, FEATURES * H, H]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const s = tf.reshape(tf.concat([sCols, tf.zeros([P, 1])], 1), [P, FEATURES, 1]) as tf.Tensor3D;
    const U = tf.reshape(uCols, [P, FEATURES, H]) as tf.Tensor3D;
    const v = tf.reshape(vCols, [P, H, 1]) as tf.Tensor3D;
    const hidden = tf.tanh(tf.matMul(f, U)) as tf.Tensor3D;
    const update = tf.reshape(tf.add(tf.matMul(f, s), tf.matMul(hidden, v)), [P, size]);
    const w1 = tf.clipByValue(tf.sub(w, update), -LEARNED_OPT_W_MAX, LEARNED_OPT_W_MAX) as tf.Tensor2D;
    return { w1, m1 };
  };

  const task: Task = {
    meta,
    stateSize: 2 * size,
    initialState: (P) => tf.tile(s0T, [P, 1]),
    step(state, theta, t, times) {
      // Particles on one minibatch run the inner network as one GEMM per layer where that is faster (sharedGemmPays).
      if (sharedGemmPays(largestGroup(times, commonPeriod(nb, nbVal)))) {
        const [next, loss] = perTimeGroup(times, commonPeriod(nb, nbVal), [state, theta], (time, [s, th]) => {
          const b = time % nb;
          const v = time % nbVal;
          const [w, m] = splitColumns(s as tf.Tensor2D, [size, size]) as [tf.Tensor2D, tf.Tensor2D];
          const { grad } = sharedLogisticLossAndGrad(sharedInputLayers(w, shape), xTrainRows[b] as tf.Tensor2D, yTrainRows[b] as tf.Tensor2D, shape);
          const { w1, m1 } = optimizerStep(w, m, grad, th as tf.Tensor2D);
          const valLoss = sharedLogisticLoss(sharedInputLayers(w1, shape), xValRows[v] as tf.Tensor2D, yValRows[v] as tf.Tensor2D);
          return [tf.concat([w1, m1], 1), valLoss];
        });
        return { state: next as tf.Tensor2D, loss: tf.minimum(loss as tf.Tensor1D, LEARNED_OPT_L_MAX) as tf.Tensor1D };
      }
      const [w, m] = splitColumns(state, [size, size]) as [tf.Tensor2D, tf.Tensor2D];
      const tb = tf.mod(t, tf.scalar(nb, 'int32'));
      const { grad } = logisticLossAndGrad(mlpLayers(w, shape), tf.gather(xTrain, tb) as tf.Tensor3D, tf.gather(yTrain, tb) as tf.Tensor3D, shape);
      const { w1, m1 } = optimizerStep(w, m, grad, theta);
      const vb = tf.mod(t, tf.scalar(nbVal, 'int32'));
      const valLoss = logisticLoss(mlpLayers(w1, shape), tf.gather(xVal, vb) as tf.Tensor3D, tf.gather(yVal, vb) as tf.Tensor3D);
      return { state: tf.concat([w1, m1], 1) as tf.Tensor2D, loss: tf.minimum(valLoss, LEARNED_OPT_L_MAX) as tf.Tensor1D };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
