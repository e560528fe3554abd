import { describe, expect, it } from 'vitest';
import { dataPointAt, roundToSpan } from './plot-coordinates';

/** A linear axis from `lo` to `hi` drawn over `length` pixels starting at `offset` (y: top is hi). */
const axis = (offset: number, length: number, lo: number, hi: number, flip = false) => ({
  _offset: offset,
  _length: length,
  p2l: (px: number) => (flip ? hi - (px / length) * (hi - lo) : lo + (px / length) * (hi - lo)),
});

describe('a pointer on a plot, in data coordinates', () => {
  const plot = { _fullLayout: { xaxis: axis(50, 400, -5, 5), yaxis: axis(10, 300, -5, 5, true) } };

  it('maps pixels inside the plotting area, top to bottom as y decreases', () => {
    expect(dataPointAt(plot, 250, 160, 2)).toEqual([0, 0]);
    expect(dataPointAt(plot, 50, 10, 2)).toEqual([-5, 5]);
    expect(dataPointAt(plot, 450, 160, 1)).toEqual([5]);
  });

  it('nothing outside it (margins, colour bar) or before a drawing', () => {
    expect(dataPointAt(plot, 20, 160, 2)).toBeNull();
    expect(dataPointAt(plot, 470, 160, 2)).toBeNull();
    expect(dataPointAt(plot, 250, 320, 2)).toBeNull();
    expect(dataPointAt({}, 250, 160, 2)).toBeNull();
  });

  it('rounds to a thousandth of the span', () => {
    expect(roundToSpan(1.23456, 10)).toBe(1.23);
    expect(roundToSpan(-0.123456, 2)).toBe(-0.123);
    expect(roundToSpan(3.3333, 0)).toBe(3.3333);
  });
});
