import { describe, expect, it } from 'vitest';
import { subsampleParticles } from './particles';

describe('subsampleParticles', () => {
  it('returns everything when under the cap', () => {
    const p = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(subsampleParticles(p, 2, 10))).toEqual([1, 2, 3, 4]);
  });

  it('keeps both members of each antithetic pair', () => {
    // 10 pairs in 1-D: + rows are i, − rows are −i.
    const N = 10;
    const p = new Float32Array(2 * N);
    for (let i = 0; i < N; i++) {
      p[i] = i + 1;
      p[N + i] = -(i + 1);
    }
    const s = subsampleParticles(p, 1, 4);
    expect(s.length).toBe(4);
    const plus = Array.from(s.subarray(0, 2));
    const minus = Array.from(s.subarray(2, 4));
    expect(minus).toEqual(plus.map((v) => -v));
    // Evenly spaced: pairs 0 and 5.
    expect(plus).toEqual([1, 6]);
  });
});
