import { describe, expect, it } from 'vitest';
import { appendBounded, appendDecimated, thinHalf } from './history';

describe('bounded histories', () => {
  it('appends until the cap', () => {
    let s: number[] = [];
    for (let i = 0; i < 10; i++) s = appendBounded(s, i, 10);
    expect(s).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('halves when full, keeping the first and the latest point', () => {
    let s: number[] = [];
    for (let i = 0; i < 11; i++) s = appendBounded(s, i, 10);
    expect(s[0]).toBe(0);
    expect(s[s.length - 1]).toBe(10);
    expect(s.length).toBeLessThanOrEqual(10);
  });

  it('stays bounded over a million points and keeps them in order', () => {
    let s: number[] = [];
    for (let i = 0; i < 100_000; i++) s = appendBounded(s, i, 200);
    expect(s.length).toBeLessThanOrEqual(200);
    expect(s[0]).toBe(0);
    expect(s[s.length - 1]).toBe(99_999);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
  });

  it('thinHalf keeps even indices plus the last', () => {
    expect(thinHalf([0, 1, 2, 3])).toEqual([0, 2, 3]);
    expect(thinHalf([0, 1, 2, 3, 4])).toEqual([0, 2, 4]);
  });
});

describe('histories decimated with a dense recent window', () => {
  const run = (n: number, cap: number, dense: number, batch = 1): number[] => {
    let s: number[] = [];
    for (let i = 0; i < n; i += batch) s = appendDecimated(s, Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k), cap, dense);
    return s;
  };

  it('keeps every point until the cap', () => {
    expect(run(50, 50, 25)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('stays bounded, in order, with the first and the latest point, however the points come in', () => {
    for (const batch of [1, 7, 64]) {
      const s = run(100_000, 200, 100, batch);
      expect(s.length).toBeLessThanOrEqual(200);
      expect(s[0]).toBe(0);
      expect(s.at(-1)).toBe(99_999);
      for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
    }
  });

  it('keeps the recent window at every update and thins older points more the older they are', () => {
    const s = run(10_000, 200, 100);
    // The last 100 updates, each one.
    expect(s.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 9_900 + i));
    // Gaps between kept points grow (never shrink) going back in time.
    const old = s.slice(0, -100);
    const gaps = old.slice(1).map((v, i) => v - old[i]!);
    expect(gaps.length).toBeGreaterThan(10);
    for (let i = 1; i < gaps.length - 1; i++) expect(gaps[i]!, `gap ${i}`).toBeLessThanOrEqual(gaps[i - 1]! );
    expect(gaps[0]!).toBeGreaterThan(gaps.at(-2)!);
  });

  it('never thins the recent window, whenever the series last filled up', () => {
    for (let n = 1000; n < 1010; n++) expect(run(n, 200, 100).slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => n - 100 + i));
  });
});
