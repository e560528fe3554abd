/**
 * MNIST by ES (evostrats' benchmark, at playground size): θ = every weight of a small
 * 196 → H → 10 tanh classifier of 14×14 MNIST digits (a vendored subset, src/data/mnist.ts).
 *
 *   z = [tanh([x 1] [W₁; b₁]) 1] [W₂; b₂],   ℓ(θ; b) = mean over minibatch b of CE(softmax z, y)
 *   L_t = ℓ(θ; b_t),  b_t = training minibatch (t mod n_b),   L(θ) = (1/T) Σ_t L_t   (reduction 'mean')
 *   θ = (W₁, b₁, W₂, b₂),  d = 197H + 10(H + 1)  (3,322 for H = 16)
 *
 * Not an unrolled system: the state is a dummy and step t only evaluates minibatch t, so
 * an episode of T = n_b steps is one pass over the training set and L(θ) is the
 * training-set cross-entropy. Full-unroll ES is then evostrats' antithetic ES (with rank
 * shaping if chosen) on the training loss; BPTT is plain backprop, the autodiff baseline;
 * the online estimators see K minibatches per truncation. The test accuracy on held-out
 * digits is the task's `metric`.
 *
 * Batched over particles for throughput (batched-mlp.ts): the particles on one minibatch
 * (all of them in lockstep; a group per offset for step-unlocked workers, time-groups.ts)
 * run the first layer — 197 × H of the ~200 × H multiply-adds per digit — as one GEMM
 * [B, 197] × [197, P·H] over every particle's weights, the second as a batched matmul.
 * θ₀ is a seeded Glorot-like initialisation, W ~ N(0, 1/fan_in), biases 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MNIST_PIXELS, MNIST_TEST, MNIST_TRAIN, mnistSubset, type DigitSet } from '../../data/mnist';
import { drain, type Slices } from '../slices';
import type { Task, TaskMeta } from '../task';
import { initMlp, mlpParamNames, type MlpShape, mlpSize, sharedForward, type SharedInputLayers, sharedInputLayers } from './batched-mlp';
import { perTimeGroup } from './time-groups';

export interface MnistOptions {
  /** Hidden units H (default 16). */
  hidden?: number;
  /** Training digits the episode passes over (default: all 500 vendored ones; the first `train` are used). */
  train?: number;
  /** Training digits per minibatch (default 50; a multiple of 10 dividing `train`, so minibatches are class-balanced). */
  batch?: number;
  /** Seed of θ₀ (default 1). */
  seed?: number;
  /** First-layer outputs (digits × particles × H) per GEMM of the episode loss (default 2²¹): sets how many minibatches go in one call. */
  gemmValues?: number;
}

export const MNIST_CLASSES = 10;

export function createMnist(options: MnistOptions = {}): Task {
  const hidden = options.hidden ?? 16;
  const B = options.batch ?? 50;
  const seed = options.seed ?? 1;
  const nTrain = options.train ?? MNIST_TRAIN;
  if (!(nTrain > 0 && nTrain <= MNIST_TRAIN)) throw new Error(`mnist: train (${nTrain}) must be in 1 … ${MNIST_TRAIN}`);
  if (B < 10 || B % 10 !== 0 || nTrain % B !== 0) throw new Error(`mnist: batch (${B}) must be a multiple of 10 dividing train (${nTrain})`);
  const train = { n: nTrain };
  const test = { n: MNIST_TEST };
  const nb = train.n / B;
  const T = nb;
  const shape: MlpShape = { inputs: MNIST_PIXELS, hidden, outputs: MNIST_CLASSES };
  const d = mlpSize(shape);
  const theta0 = initMlp(shape, seed + 3000);

  // Constants, built on first use (the page creates tasks only for their metadata and is
  // built without the digits, see vite.config.ts) and kept across tf.tidy scopes: inputs in
  // [0, 1] with the constant-1 column of the augmented layout, one-hot labels.
  // The training digits [n, 197] and one-hot labels [1, n, 10]; minibatch b is rows [bB, (b+1)B).
  let data: { xTrain: tf.Tensor2D; yTrain: tf.Tensor3D; xTest: tf.Tensor2D; labelsTest: tf.Tensor2D } | null = null;
  const tensors = (): NonNullable<typeof data> => {
    if (data) return data;
    const subset = mnistSubset();
    const digits: DigitSet = { n: nTrain, images: subset.train.images.subarray(0, nTrain * MNIST_PIXELS), labels: subset.train.labels.subarray(0, nTrain) };
    const x = inputsWithOnes(digits);
    const y = oneHot(digits);
    const w = MNIST_PIXELS + 1;
    data = {
      xTrain: tf.keep(tf.tensor2d(x, [nTrain, w])),
      yTrain: tf.keep(tf.tensor3d(y, [1, nTrain, MNIST_CLASSES])),
      xTest: tf.keep(tf.tensor2d(inputsWithOnes(subset.test), [subset.test.n, w])),
      labelsTest: tf.keep(tf.tensor2d(Int32Array.from(subset.test.labels), [1, subset.test.n], 'int32')),
    };
    return data;
  };

  /**
   * Mean cross-entropy over minibatches [b, b + count) for the networks `layers` (one per
   * row of θ) → [P]. Several minibatches in one call make a larger, more efficient GEMM.
   */
  const minibatchLoss = (layers: SharedInputLayers, b: number, count = 1): tf.Tensor1D => {
    const { xTrain, yTrain } = tensors();
    const X = count === nb ? xTrain : tf.slice(xTrain, [b * B, 0], [count * B, MNIST_PIXELS + 1]);
    const Y = count === nb ? yTrain : tf.slice(yTrain, [0, b * B, 0], [1, count * B, MNIST_CLASSES]);
    const { z } = sharedForward(layers, X);
    // CE = logsumexp(z) − z_y, averaged over the digits.
    const ce = tf.sub(tf.logSumExp(z, 2), tf.sum(tf.mul(z, Y), 2));
    return tf.mean(ce, 1) as tf.Tensor1D;
  };
  // Minibatches per call of the episode loss: a first-layer output of about 2M values.
  const gemmValues = options.gemmValues ?? 2 ** 21;
  const chunkFor = (P: number): number => Math.max(1, Math.min(nb, Math.floor(gemmValues / (B * P * hidden))));

  /**
   * The episode (one pass over the training set) with θ's layers arranged once, not at
   * every step (θ does not change within an episode and the state is a dummy), and
   * several minibatches per GEMM; a yield between calls. Equal to unrolling `step` (tested).
   */
  function* episodeLossSlices(theta: tf.Tensor2D): Slices<tf.Tensor1D> {
    const layers = tf.tidy(() => sharedInputLayers(theta, shape));
    let acc: tf.Tensor1D = tf.zeros([theta.shape[0]]);
    try {
      const chunk = chunkFor(theta.shape[0]);
      for (let b = 0; b < nb; b += chunk) {
        const count = Math.min(chunk, nb - b);
        // The mean over `count` minibatches of equal size, times count: their summed means.
        const next = tf.tidy(() => tf.add(acc, tf.mul(minibatchLoss(layers, b, count), count)) as tf.Tensor1D);
        acc.dispose();
        acc = next;
        if (b + count < nb) yield;
      }
      const mean = tf.div(acc, nb) as tf.Tensor1D;
      acc.dispose();
      return mean;
    } catch (e) {
      acc.dispose();
      throw e;
    } finally {
      tf.dispose([layers.W1, layers.W2, layers.W2NoBias]);
    }
  }

  const meta: TaskMeta = {
    id: 'mnist',
    title: 'MNIST classifier',
    formula: `z = MLP_θ(x) (196→${hidden}→10, tanh),  L = (1/T) Σ_t mean_{(x,y)∈b_t} CE(softmax z, y),  θ = all ${d} weights`,
    description:
      `θ is every weight of a 196→${hidden}→10 tanh network classifying 14×14 MNIST digits (${train.n} training, ` +
      `${test.n} test, a fixed subset). Step t of an episode is the cross-entropy of minibatch t (${B} digits), so an ` +
      `episode (T = ${T}) is one pass over the training set: full-unroll ES is evostrats' antithetic ES on the training ` +
      'loss and BPTT is ordinary backprop. The test accuracy is measured on the held-out digits.',
    paramNames: mlpParamNames(shape),
    logScale: new Array<boolean>(d).fill(false),
    theta0: Array.from(theta0),
    bounds: Array.from(theta0, (v) => [v - 1, v + 1] as const),
    optimum: null,
    reduction: 'mean',
    defaults: { T, K: T % 2 === 0 ? T / 2 : T, sigma: 0.05, pairs: 50, optimizer: 'adam', lr: 0.01, iterations: 300 },
    evalSteps: T,
    // B digits × d weights multiply-adds per particle step, over a toy step's ~128.
    stepCost: Math.max(1, Math.round((B * d) / 128)),
  };

  const task: Task = {
    meta,
    stateSize: 1,
    initialState: (P) => tf.zeros([P, 1]),
    step(state, theta, _t, times) {
      const [loss] = perTimeGroup(times, nb, [theta], (t, [th]) => [minibatchLoss(sharedInputLayers(th as tf.Tensor2D, shape), t % nb)]);
      // A fresh state tensor (not the input) so callers may dispose the old one.
      return { state: tf.clone(state), loss: loss as tf.Tensor1D };
    },
    episodeLoss: (theta) => drain(episodeLossSlices(theta)),
    episodeLossSlices,
    metric: {
      name: 'test accuracy',
      unit: '%',
      higherIsBetter: true,
      evaluate: (theta) =>
        tf.tidy(() => {
          const { xTest, labelsTest } = tensors();
          const { z } = sharedForward(sharedInputLayers(theta, shape), xTest);
          const predicted = tf.argMax(z, 2);
          const correct = tf.cast(tf.equal(predicted, tf.tile(labelsTest, [theta.shape[0], 1])), 'float32');
          return tf.mul(tf.mean(correct, 1), 100) as tf.Tensor1D;
        }),
    },
  };
  return task;
}

/** Digits as floats in [0, 1] followed by the constant 1: n × 197. */
function inputsWithOnes(set: DigitSet): Float32Array {
  const out = new Float32Array(set.n * (MNIST_PIXELS + 1));
  for (let i = 0; i < set.n; i++) {
    const row = i * (MNIST_PIXELS + 1);
    for (let j = 0; j < MNIST_PIXELS; j++) out[row + j] = (set.images[i * MNIST_PIXELS + j] ?? 0) / 255;
    out[row + MNIST_PIXELS] = 1;
  }
  return out;
}

function oneHot(set: DigitSet): Float32Array {
  const out = new Float32Array(set.n * MNIST_CLASSES);
  for (let i = 0; i < set.n; i++) out[i * MNIST_CLASSES + (set.labels[i] ?? 0)] = 1;
  return out;
}
