import { describe, expect, it } from 'vitest';
import type { VarianceRow } from '../../core/experiments/variance';
import { growthFactor, METRIC_TITLES, referenceFloor, relativeToFirstTruncation, varianceFigure } from './variance';

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

describe('variance relative to J = 1', () => {
  const row = (estimator: VarianceRow['estimator'], J: number, v: number, lo: number, hi: number): VarianceRow => ({
    estimator,
    J,
    K: 100 / J,
    totalVariance: v,
    normalizedError: v / 10,
    ciLow: lo,
    ciHigh: hi,
    mean: [0, 0],
  });
  const rows = [row('pes', 10, 40, 20, 80), row('pes', 1, 4, 2, 8), row('nres', 1, 4, 3, 5), row('nres', 10, 5, 4, 6)];

  it('divides every estimator by its own J = 1 value; J = 1 is exactly 1 with no interval', () => {
    const rel = relativeToFirstTruncation(rows);
    const at = (e: string, J: number) => rel.find((r) => r.estimator === e && r.J === J);
    expect(at('pes', 1)).toMatchObject({ totalVariance: 1, ciLow: 1, ciHigh: 1 });
    expect(at('pes', 10)?.totalVariance).toBeCloseTo(10, 12);
    expect(at('nres', 10)?.totalVariance).toBeCloseTo(1.25, 12);
    // Untouched fields stay as measured.
    expect(at('pes', 10)).toMatchObject({ K: 10, normalizedError: 4 });
  });

  it("combines J's and J = 1's intervals on the log scale (upper with J = 1's lower half-width)", () => {
    const rel = relativeToFirstTruncation(rows);
    const pes10 = rel.find((r) => r.estimator === 'pes' && r.J === 10);
    // Both cells span a factor 2 each way: the ratio's 95 % interval spans 2^√2 each way.
    expect(pes10?.ciHigh).toBeCloseTo(10 * 2 ** Math.SQRT2, 9);
    expect(pes10?.ciLow).toBeCloseTo(10 / 2 ** Math.SQRT2, 9);
    // Asymmetric: NRES J = 1 is [3, 5] around 4, J = 10 is [4, 6] around 5.
    const nres10 = rel.find((r) => r.estimator === 'nres' && r.J === 10);
    const up = Math.hypot(Math.log(6 / 5), Math.log(4 / 3));
    const down = Math.hypot(Math.log(5 / 4), Math.log(5 / 4));
    expect(nres10?.ciHigh).toBeCloseTo(1.25 * Math.exp(up), 9);
    expect(nres10?.ciLow).toBeCloseTo(1.25 * Math.exp(-down), 9);
  });

  it('drops estimators without a usable J = 1 row; a lower bound ≤ 0 reaches 0', () => {
    const rel = relativeToFirstTruncation([row('tes', 10, 1, 0.5, 2), row('pes', 1, 0, 0, 0), row('pes', 10, 3, 2, 4), row('nres', 1, 2, 1, 3), row('nres', 5, 2, 0, 3)]);
    expect(rel.map((r) => r.estimator)).toEqual(['nres', 'nres']);
    expect(rel[1]?.ciLow).toBe(0);
  });

  it('labels the axis as relative, draws the J = 1 level, hides estimators and switches to a linear axis', () => {
    const series = (['pes', 'nres'] as const).map((id) => ({ id, title: id.toUpperCase(), color: '#000', diverged: false }));
    const fig = varianceFigure(series, rows, 'totalVariance', [1, 10], 0, { relative: true, logY: false, hidden: ['nres'] });
    expect(fig.data.map((d) => d.name)).toEqual(['PES']);
    expect(fig.data[0]?.y).toEqual([1, 10]);
    const yaxis = fig.layout.yaxis as { type: string; title: { text: string } };
    expect(yaxis.type).toBe('linear');
    expect(yaxis.title.text).toContain('÷ its value at J = 1');
    expect(fig.layout.shapes).toEqual([expect.objectContaining({ y0: 1, y1: 1 })]);
    // The normalized error is never shown relative.
    const err = varianceFigure(series, rows, 'normalizedError', [1, 10], 0, { relative: true, logY: true, hidden: [] });
    expect((err.layout.yaxis as { title: { text: string } }).title.text).toBe(METRIC_TITLES.normalizedError);
  });

  it('growth factor: largest J over J = 1', () => {
    expect(growthFactor(rows.filter((r) => r.estimator === 'pes'))).toBeCloseTo(10, 12);
    expect(Number.isNaN(growthFactor([row('pes', 10, 1, 1, 1)]))).toBe(true);
  });
});
