import * as tf from '@tensorflow/tfjs-core';

/**
 * Counter-based Gaussian noise. The value for a key
 *   (seed, stream, particle, index0, index1, dimension)
 * is a pure function of the key, so it is the same whatever the batch size, the order
 * particles are processed in, or the backend. Only 32-bit unsigned integer arithmetic
 * (xor, shifts, wrapping multiply) is used before the final conversion to floats, so a
 * WGSL twin gives the same integers bit for bit and the same normals up to float32
 * rounding of log/cos.
 *
 * Construction: the key words are folded into one 32-bit key with a strong integer
 * finaliser (Wellons' "lowbias32"); each dimension then draws two words (2·dim and
 * 2·dim + 1 hashed with the key), maps each to a uniform in (0, 1) from its top 24 bits
 * (exactly representable in float32) and applies Box–Muller.
 */

/** Streams keep independent uses of one seed apart. */
export const Stream = {
  /** Perturbation noise of the ES estimators (shared by all of them: common random numbers). */
  perturbation: 1,
  /** Truncation-aligned start offsets of step-unlocked workers. */
  workerOffset: 2,
  /** Common random numbers of the smoothed meta-loss surface. */
  surface: 3,
  /** Bootstrap resampling of variance measurements. */
  bootstrap: 4,
  /** Repeat-to-repeat seeds of variance measurements. */
  repeat: 5,
} as const;

const GOLDEN = 0x9e3779b9;

/** Wellons' lowbias32 integer hash (bias ≈ 0.17): a bijection on uint32. */
export function hash32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Folds one more word into a running key. */
export function mixKey(key: number, word: number): number {
  return hash32((key ^ hash32((word + GOLDEN) >>> 0)) >>> 0);
}

/** The 32-bit key of (seed, stream, particle, index0, index1). */
export function noiseKey(seed: number, stream: number, particle: number, index0: number, index1: number): number {
  let k = hash32(seed >>> 0);
  k = mixKey(k, stream);
  k = mixKey(k, particle);
  k = mixKey(k, index0);
  k = mixKey(k, index1);
  return k;
}

/** A uniform in (0, 1) from the top 24 bits of a word: exact in float32, never 0 or 1. */
export function unitFromWord(word: number): number {
  return ((word >>> 8) + 0.5) / 16777216;
}

/** Standard normal for dimension `dim` under a key from `noiseKey`. */
export function gaussianAt(key: number, dim: number): number {
  const u1 = unitFromWord(mixKey(key, 2 * dim));
  const u2 = unitFromWord(mixKey(key, 2 * dim + 1));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function gaussian(
  seed: number,
  stream: number,
  particle: number,
  index0: number,
  index1: number,
  dim: number,
): number {
  return gaussianAt(noiseKey(seed, stream, particle, index0, index1), dim);
}

/** A uniform integer in [0, n) for a key (tiny modulo bias for n ≪ 2³²). */
export function uniformInt(seed: number, stream: number, particle: number, index0: number, n: number): number {
  return mixKey(noiseKey(seed, stream, particle, index0, 0), 0x5bd1e995) % n;
}

/** A uniform in (0, 1) for a key. */
export function uniform01(seed: number, stream: number, particle: number, index0: number, index1: number): number {
  return unitFromWord(mixKey(noiseKey(seed, stream, particle, index0, index1), 0x27d4eb2f));
}

/**
 * Rows of standard normals: row r is the noise of (seed, stream, particles[r],
 * index0[r], index1[r]) over dimensions 0…dim−1. Returns a row-major Float32Array.
 */
export function gaussianRows(
  seed: number,
  stream: number,
  particles: ArrayLike<number>,
  index0: ArrayLike<number>,
  index1: ArrayLike<number>,
  dim: number,
): Float32Array {
  const rows = particles.length;
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const key = noiseKey(seed, stream, particles[r] ?? 0, index0[r] ?? 0, index1[r] ?? 0);
    for (let j = 0; j < dim; j++) out[r * dim + j] = gaussianAt(key, j);
  }
  return out;
}

/** `gaussianRows` as a [rows, dim] tensor. */
export function gaussianTensor(
  seed: number,
  stream: number,
  particles: ArrayLike<number>,
  index0: ArrayLike<number>,
  index1: ArrayLike<number>,
  dim: number,
): tf.Tensor2D {
  return tf.tensor2d(gaussianRows(seed, stream, particles, index0, index1, dim), [particles.length, dim]);
}

/** 0, 1, …, n−1. */
export function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
