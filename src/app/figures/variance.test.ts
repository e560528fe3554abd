import { describe, expect, it } from 'vitest';
import type { VarianceRow } from '../../core/experiments/variance';
import { referenceFloor, varianceFigure } from './variance';

describe('variance figure', () => {
  const rows: VarianceRow[] = [
    { estimator: 'nres', J: 1, K: 100, totalVariance: 2, normalizedError: 0.02, ciLow: 1.5, ciHigh: 2.5, mean: [1, 1] },
    { estimator: 'nres', J: 10, K: 10, totalVariance: 2.1, normalizedError: 0.021, ciLow: 1.6, ciHigh: 2.6, mean: [1, 1] },
  ];
  const series = [{ id: 'nres' as const, title: 'NRES', color: '#000', diverged: false }];

  it("draws a sampled reference's own error as a dotted line on the normalized error (none when exact)", () => {
    const floor = referenceFloor([3, 4], 0.25);
    expect(floor).toBeCloseTo(0.01, 12);
    const fig = varianceFigure(series, rows, 'normalizedError', [1, 10], floor);
    expect(fig.layout.shapes).toEqual([expect.objectContaining({ y0: 0.01, y1: 0.01, line: expect.objectContaining({ dash: 'dot' }) })]);
    expect(varianceFigure(series, rows, 'normalizedError', [1, 10], referenceFloor([3, 4], 0)).layout.shapes).toEqual([]);
    expect(varianceFigure(series, rows, 'totalVariance', [1, 10], floor).layout.shapes).toEqual([]);
  });
});
