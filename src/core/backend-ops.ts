/**
 * Ops whose fastest formulation depends on the tfjs backend. Each pair of formulations
 * gives the same numbers (up to float rounding); only the speed differs, by up to 20×,
 * and not in the same direction on every backend — so the choice is made per backend
 * from measurements (`npm run bench:tasks` prints them as its `ops` table; figures for
 * this machine in docs/benchmarks.md), not assumed.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `row` [1, d] repeated as P rows [P, d]. On wasm `tf.tile` runs a per-element loop
 * (58 ms for 400 × 3,322) while an outer product with a ones column goes through
 * XNNPACK's GEMM (3 ms); on the cpu backend a concatenation of P views is fastest for a
 * few hundred rows (4 ms against tile's 32 and the outer product's 19), but every input
 * of a concatenation costs tfjs some bookkeeping, so past CONCAT_MAX_ROWS rows (the
 * variance sweep's 10,000 rows of two numbers: one 480 ms op) it tiles; GPU backends tile
 * in one shader.
 */
export function repeatRows(row: tf.Tensor2D, P: number): tf.Tensor2D {
  switch (tf.getBackend()) {
    case 'wasm':
      return tf.matMul(tf.ones([P, 1]), row);
    case 'cpu':
      if (P === 1) return tf.clone(row);
      return P <= CONCAT_MAX_ROWS ? (tf.concat(new Array<tf.Tensor2D>(P).fill(row)) as tf.Tensor2D) : tf.tile(row, [P, 1]);
    default:
      return tf.tile(row, [P, 1]);
  }
}

/** Rows up to which `repeatRows` concatenates on the cpu backend. */
export const CONCAT_MAX_ROWS = 512;

/**
 * tanh(x). On wasm as 2·sigmoid(2x) − 1 (the same function; sigmoid is XNNPACK's
 * vectorised kernel: 3.7 ms for 640k values against tanh's 11.7 ms), exact to an absolute
 * 1.2e-7 (one float32 step at ±1); elsewhere tf.tanh, faster there (cpu: 15 ms vs 44).
 */
export function tanh<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() !== 'wasm') return tf.tanh(x);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/**
 * Whether the particles on one minibatch (`rows` of them) should run their MLP layers as
 * one GEMM over all their weights (batched-mlp.ts `shared*`) rather than as per-particle
 * batched matmuls (`mlpLayers` + `logisticLossAndGrad`). Measured on wasm, one mlp-hpo
 * step (`npm run bench:tasks`, its `ops` table): 256 particles on one minibatch 4.6 ms
 * shared vs 18 per particle; 32 particles 7.1 vs 2.5; 256 spread over 8 minibatches (32
 * each) 11.6 vs 8.1 — the GEMM pays once a group is large enough to fill it, the
 * transposes and the extra ops cost more below. On the cpu backend the per-particle form
 * wins at every size measured (256 on one minibatch: 10k vs 4.6k particle-steps/s): its
 * matmul gains nothing from the shape. GPU backends take the GEMM from the same size.
 */
export function sharedGemmPays(rows: number): boolean {
  if (sharedGemmOverride !== null) return sharedGemmOverride;
  return tf.getBackend() !== 'cpu' && rows >= SHARED_GEMM_MIN_ROWS;
}

/** Particles on one minibatch from which the shared GEMM pays (see sharedGemmPays). */
export const SHARED_GEMM_MIN_ROWS = 128;

let sharedGemmOverride: boolean | null = null;

/** Forces (true / false) or restores (null) the choice of `sharedGemmPays`: for benchmarks and parity tests. */
export function forceSharedGemm(value: boolean | null): void {
  sharedGemmOverride = value;
}
