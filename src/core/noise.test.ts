import { describe, expect, it } from 'vitest';
import { gaussian, gaussianRows, hash32, noiseKey, range, Stream, uniformInt } from './noise';

describe('counter-based noise', () => {
  it('hash32 is pinned (known answers shared with the WGSL twin)', () => {
    // lowbias32 reference values; a port (the WGSL twin) must reproduce them bit for bit.
    expect(hash32(0)).toBe(0);
    expect(hash32(1)).toBe(KNOWN_HASH_1);
    expect(noiseKey(1, Stream.perturbation, 0, 0, 0)).toBe(KNOWN_KEY);
  });

  it('gives identical noise for identical keys whatever the batch split or order', () => {
    const seed = 42;
    const particles = range(64);
    const ep = Int32Array.from(particles, (i) => i % 3);
    const blk = Int32Array.from(particles, (i) => i % 5);
    const whole = gaussianRows(seed, Stream.perturbation, particles, ep, blk, 7);
    // Two halves, second half first, in reverse particle order.
    const rev = Int32Array.from(particles).reverse();
    const reversed = gaussianRows(seed, Stream.perturbation, rev, Int32Array.from(rev, (i) => i % 3), Int32Array.from(rev, (i) => i % 5), 7);
    for (let r = 0; r < 64; r++) {
      const i = rev[r] ?? 0;
      expect(Array.from(reversed.subarray(r * 7, r * 7 + 7))).toEqual(Array.from(whole.subarray(i * 7, i * 7 + 7)));
    }
    // A single draw equals the batched one.
    expect(gaussian(seed, Stream.perturbation, 5, 2, 0, 3)).toBeCloseTo(whole[5 * 7 + 3] ?? NaN, 6);
  });

  it('gives different noise for different seeds, streams and indices', () => {
    const n = 4000;
    const a = gaussianRows(1, Stream.perturbation, range(n), new Int32Array(n), new Int32Array(n), 1);
    for (const b of [
      gaussianRows(2, Stream.perturbation, range(n), new Int32Array(n), new Int32Array(n), 1),
      gaussianRows(1, Stream.surface, range(n), new Int32Array(n), new Int32Array(n), 1),
      gaussianRows(1, Stream.perturbation, range(n), new Int32Array(n).fill(1), new Int32Array(n), 1),
    ]) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
      // Correlation of independent normals has sd 1/√n: 5 sd is a false alarm once in ~3.5 million.
      expect(Math.abs(dot / n)).toBeLessThan(5 / Math.sqrt(n));
    }
  });

  it('has standard normal moments', () => {
    const n = 200_000;
    const z = gaussianRows(7, Stream.perturbation, range(n / 4), new Int32Array(n / 4), new Int32Array(n / 4), 4);
    let m1 = 0, m2 = 0, m4 = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    // Standard errors: mean 1/√n, variance √(2/n), fourth moment √(96/n); 5 sd each.
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('draws uniform integers in range', () => {
    const n = 10, draws = 20_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) {
      const u = uniformInt(3, Stream.workerOffset, i, 0, n);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(n);
      counts[u] = (counts[u] ?? 0) + 1;
    }
    const e = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // χ²(9) exceeds 33.7 with probability 1e-4.
    expect(chi2).toBeLessThan(33.7);
  });
});

const KNOWN_HASH_1 = 1753845952;
const KNOWN_KEY = 2621600125;
