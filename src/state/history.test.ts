import { describe, expect, it } from 'vitest';
import { appendBounded, thinHalf } from './history';

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
