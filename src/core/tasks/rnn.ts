/**
 * RNN training by online ES (ES-Single / PES papers' recurrent-network experiments, at
 * playground size): θ = all weights of a small tanh RNN that predicts the next value of a
 * noisy two-tone signal generated in code.
 *
 *   x_t = sin(2πt/25) + ½ sin(2πt/9.3 + 1) + 0.1 ξ_t   (ξ_t ~ N(0, 1), fixed seed; t = 0 … T)
 *   h_{t+1} = tanh(h_t W_h + x_t w_x + b),   ŷ_t = h_{t+1}·w_o + b_o,   h_0 = 0
 *   L_t = (ŷ_t − x_{t+1})²,   L(θ) = (1/T) Σ_t L_t   (reduction 'mean', T = 200)
 *   θ = (W_h [H×H, row-major], w_x [H], b [H], w_o [H], b_o), d = H² + 3H + 1 (305 for H = 16)
 *
 * Predicting the next sample needs memory (the phase of both tones), so the gradient
 * flows through many steps of the recurrence: truncated BPTT sees only K of them, while
 * PES and NRES estimate the gradient of the whole run directly on the weights. The state
 * is h, one row per particle; W_h, w_x and b form one augmented matrix so the
 * pre-activation is a single batched matmul [h x 1]·[W_h; w_x; b].
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';
import { splitColumns } from './batched-mlp';
import { normalArray, normalSource } from './datasets';

export interface RnnOptions {
  /** Episode horizon T (default 200). */
  T?: number;
  /** Hidden units H (default 16). */
  hidden?: number;
  /** Seed of the signal's noise and of θ₀ (default 1). */
  seed?: number;
}

/** The signal x_0 … x_{n−1} (float64 before the upload). */
export function rnnSignal(n: number, seed = 1): Float64Array {
  const g = normalSource(seed);
  return Float64Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * t) / 25) + 0.5 * Math.sin((2 * Math.PI * t) / 9.3 + 1) + 0.1 * g());
}

/** Number of weights of an RNN with H hidden units. */
export function rnnSize(H: number): number {
  return H * H + 3 * H + 1;
}

export function createRnn(options: RnnOptions = {}): Task {
  const T = options.T ?? 200;
  const H = options.hidden ?? 16;
  const seed = options.seed ?? 1;
  const d = rnnSize(H);
  // Time indices of step-unlocked workers stay below T; x_{t+1} needs one more sample.
  const signal = tf.keep(tf.tensor1d(Float32Array.from(rnnSignal(T + 1, seed))));

  // θ₀: recurrent weights of spectral radius ≈ 0.8 (a fading memory to start from), unit
  // input weights, small readout, zero biases.
  const theta0 = new Float32Array(d);
  theta0.set(normalArray(H * H, 0.8 / Math.sqrt(H), seed + 100), 0);
  theta0.set(normalArray(H, 1, seed + 101), H * H);
  theta0.set(normalArray(H, 0.3 / Math.sqrt(H), seed + 102), H * H + 2 * H);
  const names: string[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) names.push(`W_h[${i},${j}]`);
  for (let j = 0; j < H; j++) names.push(`w_x[${j}]`);
  for (let j = 0; j < H; j++) names.push(`b[${j}]`);
  for (let j = 0; j < H; j++) names.push(`w_o[${j}]`);
  names.push('b_o');

  const meta: TaskMeta = {
    id: 'rnn',
    title: 'RNN training',
    formula: `h ← tanh(h W_h + x_t w_x + b),  ŷ_t = h·w_o + b_o,  L = (1/T) Σ_t (ŷ_t − x_{t+1})²,  θ = all ${d} weights (H = ${H})`,
    description:
      `θ is every weight of a ${H}-unit tanh RNN reading a noisy two-tone signal one sample per step and predicting the ` +
      `next one, over T = ${T} steps. The gradient runs back through the recurrence: truncated BPTT sees K steps of it, ` +
      'PES and NRES estimate the whole-run gradient directly on the weights.',
    paramNames: names,
    logScale: names.map(() => false),
    theta0: Array.from(theta0),
    bounds: Array.from(theta0, (v) => [v - 2, v + 2] as const),
    optimum: null,
    reduction: 'mean',
    defaults: { T, K: 10, sigma: 0.02, pairs: 64, optimizer: 'adam', lr: 0.01, iterations: 1000 },
    evalSteps: T,
  };

  const task: Task = {
    meta,
    stateSize: H,
    initialState: (P) => tf.zeros([P, H]),
    step(state, theta, t) {
      const P = state.shape[0];
      const tt = tf.mod(t, tf.scalar(T, 'int32'));
      const x = tf.reshape(tf.gather(signal, tt), [P, 1]);
      const target = tf.gather(signal, tf.add(tt, tf.scalar(1, 'int32')));
      const [u, v] = splitColumns(theta, [(H + 2) * H, H + 1]) as [tf.Tensor2D, tf.Tensor2D];
      const U = tf.reshape(u, [P, H + 2, H]) as tf.Tensor3D;
      const V = tf.reshape(v, [P, H + 1, 1]) as tf.Tensor3D;
      const input = tf.reshape(tf.concat([state, x, tf.ones([P, 1])], 1), [P, 1, H + 2]) as tf.Tensor3D;
      const h = tf.reshape(tf.tanh(tf.matMul(input, U)), [P, H]) as tf.Tensor2D;
      const yHat = tf.reshape(tf.matMul(tf.reshape(tf.concat([h, tf.ones([P, 1])], 1), [P, 1, H + 1]), V), [P]);
      return { state: h, loss: tf.square(tf.sub(yHat, target)) as tf.Tensor1D };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
