/**
 * Small datasets for the heavier tasks, generated in code from a seed (no downloads, the
 * same numbers in Node and in every browser), and the seeded random numbers the tasks use
 * for their fixed initial weights.
 *
 * The generator is mulberry32 (32-bit state, integer arithmetic only): not the
 * counter-based noise of noise.ts, which is reserved for the estimators' perturbations so
 * that data and initial weights never share numbers with them.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function uniformSource(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Standard normal numbers (Box–Muller on `uniformSource`). */
export function normalSource(seed: number): () => number {
  const u = uniformSource(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u1 = 1 - u(); // (0, 1]: log is finite
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** n normal numbers with standard deviation `scale`. */
export function normalArray(n: number, scale: number, seed: number): Float32Array {
  const g = normalSource(seed);
  return Float32Array.from({ length: n }, () => scale * g());
}

/** A binary classification set in the plane: points [n, 2] row-major, labels ±1. */
export interface PlaneDataset {
  n: number;
  x: Float32Array;
  y: Float32Array;
}

/**
 * Two interleaved spirals (classes ±1), n/2 points each, radius growing from 0.15 to 1
 * over `turns` turns, with Gaussian noise of standard deviation `noise` on each coordinate.
 * Points alternate between the classes, so every prefix is balanced.
 */
export function twoSpirals(n: number, options: { turns?: number; noise?: number; seed?: number } = {}): PlaneDataset {
  const turns = options.turns ?? 1.25;
  const noise = options.noise ?? 0.05;
  const u = uniformSource(options.seed ?? 1);
  const g = normalSource((options.seed ?? 1) ^ 0x5bd1e995);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 1 : -1;
    const s = u(); // position along the arm
    const r = 0.15 + 0.85 * s;
    const angle = 2 * Math.PI * turns * s + (label > 0 ? 0 : Math.PI);
    x[2 * i] = r * Math.cos(angle) + noise * g();
    x[2 * i + 1] = r * Math.sin(angle) + noise * g();
    y[i] = label;
  }
  return { n, x, y };
}

/**
 * Two interleaved half-moons (classes ±1), alternating, shifted and scaled to about
 * [−1, 1]², with Gaussian noise of standard deviation `noise`.
 */
export function twoMoons(n: number, options: { noise?: number; seed?: number } = {}): PlaneDataset {
  const noise = options.noise ?? 0.1;
  const u = uniformSource(options.seed ?? 1);
  const g = normalSource((options.seed ?? 1) ^ 0x27d4eb2f);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 1 : -1;
    const a = Math.PI * u();
    const [px, py] = label > 0 ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
    x[2 * i] = (px - 0.5) * 0.8 + noise * g();
    x[2 * i + 1] = (py - 0.25) * 0.8 + noise * g();
    y[i] = label;
  }
  return { n, x, y };
}
