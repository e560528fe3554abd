/**
 * A one-hidden-layer tanh MLP whose weights differ per particle: the inner model of the
 * MLP tasks (mlp-hpo, learned-optimizer, mnist). Every particle's weights are one row of a
 * [P, size] tensor, laid out as
 *
 *   [ W₁ (inputs × hidden, row-major) | b₁ (hidden) | W₂ (hidden × outputs) | b₂ (outputs) ]
 *
 * so that [W₁; b₁] and [W₂; b₂] are each one contiguous block: the biases are the last row
 * of an augmented weight matrix, and inputs carry a constant-1 column. The forward pass is
 * then two batched matmuls over the particle axis (P networks in one op per layer):
 *
 *   h = tanh([X 1] [W₁; b₁]),   z = [h 1] [W₂; b₂]        X: [P or 1, B, inputs]
 *
 * Why augmented: on the tfjs CPU backend a broadcasting add (the bias) costs ~10× a
 * same-shape op, more than the matmul itself; folding biases into the matmul avoids it.
 * For the same reason labels come in the logits' own shape [P, B, ·] (gathered per
 * particle), never broadcast.
 *
 * The logistic loss has its gradient written out by hand (inner SGD needs ∇_w of the inner
 * loss inside `step`, for all particles at once, without a tape); it is built from ordinary
 * ops, so tfjs autodiff can still differentiate a whole inner training run (BPTT/TBPTT).
 */
import * as tf from '@tensorflow/tfjs-core';
import { tanh } from '../backend-ops';
import { normalArray } from './datasets';

export interface MlpShape {
  inputs: number;
  hidden: number;
  outputs: number;
}

/** Augmented weight matrices: W1 = [W₁; b₁] [P, inputs+1, hidden], W2 = [W₂; b₂] [P, hidden+1, outputs]. */
export interface MlpLayers {
  W1: tf.Tensor3D;
  W2: tf.Tensor3D;
}

/** Number of weights of the MLP. */
export function mlpSize({ inputs, hidden, outputs }: MlpShape): number {
  return inputs * hidden + hidden + hidden * outputs + outputs;
}

/** Names of the flat weights, in layout order (`W1[i,j]`, `b1[j]`, …), with an optional prefix. */
export function mlpParamNames({ inputs, hidden, outputs }: MlpShape, prefix = ''): string[] {
  const names: string[] = [];
  for (let i = 0; i < inputs; i++) for (let j = 0; j < hidden; j++) names.push(`${prefix}W1[${i},${j}]`);
  for (let j = 0; j < hidden; j++) names.push(`${prefix}b1[${j}]`);
  for (let j = 0; j < hidden; j++) for (let k = 0; k < outputs; k++) names.push(`${prefix}W2[${j},${k}]`);
  for (let k = 0; k < outputs; k++) names.push(`${prefix}b2[${k}]`);
  return names;
}

/**
 * Fixed initial weights: W ~ N(0, gain²/fan_in) per layer (gain 1 keeps tanh units near
 * their linear range whatever the width; a larger first-layer gain gives more varied
 * features on 2-D inputs), biases 0. Deterministic in `seed`.
 */
export function initMlp(shape: MlpShape, seed: number, gain1 = 1, gain2 = 1): Float32Array {
  const { inputs, hidden, outputs } = shape;
  const out = new Float32Array(mlpSize(shape));
  out.set(normalArray(inputs * hidden, gain1 / Math.sqrt(inputs), seed), 0);
  out.set(normalArray(hidden * outputs, gain2 / Math.sqrt(hidden), seed + 1), inputs * hidden + hidden);
  return out;
}

/**
 * Splits the columns of x [P, n] into consecutive blocks of the given widths (summing to
 * n): [P, w₀], [P, w₁], ….
 *
 * Through the transpose, because on the tfjs CPU backend a column slice of a row-major
 * matrix takes a per-element path (~80 ms for 256 × 288 floats) while a row slice is a
 * subarray: transpose, split rows, transpose back is ~10× faster. Differentiable.
 */
export function splitColumns(x: tf.Tensor2D, widths: readonly number[]): tf.Tensor2D[] {
  if (x.shape[0] === 1) return tf.split(x, [...widths], 1) as tf.Tensor2D[];
  return (tf.split(tf.transpose(x), [...widths], 0) as tf.Tensor2D[]).map((part) => tf.transpose(part) as tf.Tensor2D);
}

/** Views the columns [offset, offset + size) of `flat` [P, ·] as the augmented weight matrices. */
export function mlpLayers(flat: tf.Tensor2D, shape: MlpShape, offset = 0): MlpLayers {
  const { inputs, hidden, outputs } = shape;
  const P = flat.shape[0];
  const n1 = (inputs + 1) * hidden;
  const n2 = (hidden + 1) * outputs;
  const rest = flat.shape[1] - offset - n1 - n2;
  const widths = [...(offset > 0 ? [offset] : []), n1, n2, ...(rest > 0 ? [rest] : [])];
  const parts = splitColumns(flat, widths);
  const [a, b] = offset > 0 ? [parts[1], parts[2]] : [parts[0], parts[1]];
  if (!a || !b) throw new Error(`mlpLayers: ${flat.shape[1]} columns cannot hold ${n1 + n2} weights at offset ${offset}`);
  const W1 = tf.reshape(a, [P, inputs + 1, hidden]) as tf.Tensor3D;
  const W2 = tf.reshape(b, [P, hidden + 1, outputs]) as tf.Tensor3D;
  return { W1, W2 };
}

/** Flat rows [P, size] in layout order from augmented matrices (or their gradients). */
export function packLayers(l: MlpLayers): tf.Tensor2D {
  const P = l.W1.shape[0];
  return tf.concat([tf.reshape(l.W1, [P, -1]), tf.reshape(l.W2, [P, -1])], 1) as tf.Tensor2D;
}

/** Appends the constant-1 column: [·, B, n] → [·, B, n + 1]. */
export function withOnes(x: tf.Tensor3D): tf.Tensor3D {
  const [a, b] = x.shape;
  return tf.concat([x, tf.ones([a, b, 1])], 2) as tf.Tensor3D;
}

/** Hidden activations with their 1-column [P, B, hidden+1] and outputs [P, B, outputs], for X = [inputs 1]. */
export function mlpForward(l: MlpLayers, X: tf.Tensor3D): { h: tf.Tensor3D; hOnes: tf.Tensor3D; z: tf.Tensor3D } {
  const h = tf.tanh(tf.matMul(X, l.W1)) as tf.Tensor3D;
  const hOnes = withOnes(h);
  return { h, hOnes, z: tf.matMul(hOnes, l.W2) as tf.Tensor3D };
}

/** Mean logistic loss softplus(−y z) over the batch, per particle: [P]. y: ±1, shaped like z [P, B, 1]. */
export function logisticLoss(l: MlpLayers, X: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor1D {
  const { z } = mlpForward(l, X);
  return tf.mean(tf.reshape(tf.softplus(tf.neg(tf.mul(y, z))), [z.shape[0], -1]), 1) as tf.Tensor1D;
}

/**
 * The mean logistic loss and its gradient with respect to the flat weights, by hand:
 *
 *   ∂ℓ/∂z = −y σ(−y z) / B,   ∂[W₂; b₂] = [h 1]ᵀ ∂z,
 *   ∂a = (∂z W₂ᵀ) ⊙ (1 − h²),  ∂[W₁; b₁] = [X 1]ᵀ ∂a.
 *
 * X = [inputs 1] ([P or 1, B, inputs+1]), y shaped like z. Returns loss [P] and grad [P, size].
 */
export function logisticLossAndGrad(l: MlpLayers, X: tf.Tensor3D, y: tf.Tensor3D, shape: MlpShape): { loss: tf.Tensor1D; grad: tf.Tensor2D } {
  const P = l.W1.shape[0];
  const B = X.shape[1];
  const { h, hOnes, z } = mlpForward(l, X);
  const yz = tf.mul(y, z);
  const loss = tf.mean(tf.reshape(tf.softplus(tf.neg(yz)), [P, -1]), 1) as tf.Tensor1D;
  const dz = tf.mul(y, tf.mul(tf.sigmoid(tf.neg(yz)), -1 / B)) as tf.Tensor3D;
  const dW2 = tf.matMul(hOnes, dz, true, false) as tf.Tensor3D;
  // W₂ without its bias row (a column split of the flat rows: see splitColumns).
  const [w2] = splitColumns(tf.reshape(l.W2, [P, -1]) as tf.Tensor2D, [shape.hidden * shape.outputs, shape.outputs]);
  const W2 = tf.reshape(w2 as tf.Tensor2D, [P, shape.hidden, shape.outputs]);
  const da = tf.mul(tf.matMul(dz, W2, false, true), tf.sub(1, tf.square(h))) as tf.Tensor3D;
  const dW1 = tf.matMul(X, da, true, false) as tf.Tensor3D;
  return { loss, grad: packLayers({ W1: dW1, W2: dW2 }) };
}

/**
 * The layers of P networks arranged for a minibatch that all of them share (the usual
 * case: lockstep particles and evaluations see the same minibatch at a time index, see
 * time-groups.ts): the first layer of every particle side by side as one matrix, so
 * [X 1]·W1 is a single GEMM [B, n+1] × [n+1, P·H] instead of P small matmuls — the
 * formulation BLAS-like kernels (XNNPACK on the wasm backend, a GPU's tiled matmul) run
 * at full speed; the second layer stays a batched matmul.
 */
export type SharedInputLayers = {
  /** [W₁; b₁] of every particle, [n+1, P·H]: column block p is particle p's. */
  W1: tf.Tensor2D;
  /** [W₂; b₂] per particle, [P, H+1, outputs]. */
  W2: tf.Tensor3D;
  /** W₂ without its bias row, [P, H, outputs] (for the backward pass). */
  W2NoBias: tf.Tensor3D;
};

/**
 * `SharedInputLayers` from the columns [offset, offset + size) of `flat` [P, ·]: the
 * first layer's block transposed from particle-major to input-major ([P, n+1, H] →
 * [n+1, P, H], the H-wide rows move whole), the second layer's block as it is.
 */
export function sharedInputLayers(flat: tf.Tensor2D, shape: MlpShape, offset = 0): SharedInputLayers {
  const { inputs, hidden, outputs } = shape;
  const P = flat.shape[0];
  const n1 = (inputs + 1) * hidden;
  const n2 = (hidden + 1) * outputs;
  const w1 = tf.reshape(tf.slice(flat, [0, offset], [P, n1]), [P, inputs + 1, hidden]);
  const W1 = tf.reshape(tf.transpose(w1, [1, 0, 2]), [inputs + 1, P * hidden]) as tf.Tensor2D;
  const W2 = tf.reshape(tf.slice(flat, [0, offset + n1], [P, n2]), [P, hidden + 1, outputs]) as tf.Tensor3D;
  const W2NoBias = tf.slice(W2, [0, 0, 0], [P, hidden, outputs]);
  return { W1, W2, W2NoBias };
}

/**
 * Forward pass of P networks on one minibatch X = [inputs 1] [B, n+1] they all share:
 * hidden activations [P, B, H] (and with their 1-column) and outputs [P, B, outputs].
 */
export function sharedForward(l: SharedInputLayers, X: tf.Tensor2D): { h: tf.Tensor3D; hOnes: tf.Tensor3D; z: tf.Tensor3D } {
  const B = X.shape[0];
  const [P, hidden1] = l.W2.shape;
  const hidden = hidden1 - 1;
  const a = tf.reshape(tf.matMul(X, l.W1), [B, P, hidden]);
  const h = tf.transpose(tanh(a), [1, 0, 2]) as tf.Tensor3D;
  const hOnes = withOnes(h);
  return { h, hOnes, z: tf.matMul(hOnes, l.W2) as tf.Tensor3D };
}

/** `logisticLoss` for a minibatch shared by all P networks: X [B, n+1], y ±1 [B, 1] → [P]. */
export function sharedLogisticLoss(l: SharedInputLayers, X: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const { z } = sharedForward(l, X);
  return tf.mean(tf.softplus(tf.neg(tf.mul(tf.reshape(z, [z.shape[0], -1]), tf.reshape(y, [1, -1])))), 1) as tf.Tensor1D;
}

/**
 * `logisticLossAndGrad` for a minibatch shared by all P networks (X [B, n+1], y ±1
 * [B, 1], one output): the same loss [P] and flat gradient [P, size], with the first
 * layer's forward and backward passes as single GEMMs:
 *
 *   ∂[W₁; b₁] (all particles) = [X 1]ᵀ ∂A,   ∂A = [B, P·H]
 */
export function sharedLogisticLossAndGrad(l: SharedInputLayers, X: tf.Tensor2D, y: tf.Tensor2D, shape: MlpShape): { loss: tf.Tensor1D; grad: tf.Tensor2D } {
  const { inputs, hidden } = shape;
  const B = X.shape[0];
  const P = l.W2.shape[0];
  const { h, hOnes, z } = sharedForward(l, X);
  const yz = tf.mul(tf.reshape(z, [P, B]), tf.reshape(y, [1, B]));
  const loss = tf.mean(tf.softplus(tf.neg(yz)), 1) as tf.Tensor1D;
  const dz = tf.reshape(tf.mul(tf.mul(tf.sigmoid(tf.neg(yz)), tf.reshape(y, [1, B])), -1 / B), [P, B, 1]) as tf.Tensor3D;
  const dW2 = tf.matMul(hOnes, dz, true, false) as tf.Tensor3D; // [P, H+1, 1]
  const da = tf.mul(tf.matMul(dz, l.W2NoBias, false, true), tf.sub(1, tf.square(h))) as tf.Tensor3D; // [P, B, H]
  const dA = tf.reshape(tf.transpose(da, [1, 0, 2]), [B, P * hidden]);
  const dW1 = tf.matMul(X, dA, true, false); // [n+1, P·H]
  const dW1Rows = tf.reshape(tf.transpose(tf.reshape(dW1, [inputs + 1, P, hidden]), [1, 0, 2]), [P, (inputs + 1) * hidden]);
  return { loss, grad: tf.concat([dW1Rows, tf.reshape(dW2, [P, -1])], 1) as tf.Tensor2D };
}
