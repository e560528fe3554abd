import { describe, expect, it } from 'vitest';
import type { CurvePoint, DiagnosticsPoint } from '../../state/sim-store';
import { dashFor, diagnosticsFigure, emaOf, lossFigure, metricFigure, scheduleFigure, SERIES_DASHES, type SeriesStyle, sharedXRange, xAtIteration } from './curves';

const series: SeriesStyle[] = [{ id: 'full-es', title: 'Full ES', color: '#123456', diverged: false }];
const curve: CurvePoint[] = [
  { iteration: 0, innerSteps: 0, wallMs: 0, loss: 2.3, metric: 9.4 },
  { iteration: 10, innerSteps: 1000, wallMs: 2000, loss: 1.5, metric: 55 },
  { iteration: 20, innerSteps: 2000, wallMs: 5000, loss: 1.0, metric: 71 },
];

describe('training figures', () => {
  it('plots the task metric on the loss plot’s x-axis, in percent from 0 to 100', () => {
    const fig = metricFigure(series, { 'full-es': curve }, 'wallTime', { name: 'test accuracy', unit: '%', higherIsBetter: true });
    expect(fig.data[0]?.x).toEqual([0, 2, 5]);
    expect(fig.data[0]?.y).toEqual([9.4, 55, 71]);
    const layout = fig.layout as { yaxis: { range?: number[]; title?: { text?: string } } };
    expect(layout.yaxis.range).toEqual([0, 100]);
  });

  it('places diagnostics measured between frames on the curves’ axis by interpolation', () => {
    expect(xAtIteration(curve, 15, 'innerSteps')).toBe(1500);
    expect(xAtIteration(curve, 15, 'wallTime')).toBe(3.5);
    expect(xAtIteration(curve, 25, 'wallTime')).toBe(5);
    expect(xAtIteration([], 5, 'wallTime')).toBeNull();
    expect(xAtIteration([], 5, 'iteration')).toBe(5);
    const diag: DiagnosticsPoint[] = [{ iteration: 10, cosine: 0.3, normRatio: 2 }];
    const fig = diagnosticsFigure(series, { 'full-es': diag }, { 'full-es': curve }, 'innerSteps');
    expect(fig.data[0]?.x).toEqual([1000]);
    expect(fig.data[0]?.y).toEqual([0.3]);
    // Without the curves, against the outer iteration as before.
    expect(diagnosticsFigure(series, { 'full-es': diag }).data[0]?.x).toEqual([10]);
  });
});

describe('a row of training plots', () => {
  const two: SeriesStyle[] = [
    { id: 'tes', title: 'Truncated ES', color: '#f00', diverged: false, dash: dashFor(0) },
    { id: 'tbptt', title: 'TBPTT', color: '#00f', diverged: false, dash: dashFor(1) },
  ];
  const same: CurvePoint[] = [0, 1, 2, 3].map((i) => ({ iteration: i, innerSteps: 10 * i, wallMs: 0, loss: 1 }));

  it('shares one x-range: from 0 to the furthest curve point, on the chosen axis', () => {
    expect(sharedXRange({ 'full-es': curve }, 'iteration')).toEqual([0, 20 * 1.02]);
    expect(sharedXRange({ 'full-es': curve, tes: same }, 'innerSteps')).toEqual([0, 2000 * 1.02]);
    expect(sharedXRange({}, 'iteration')).toBeUndefined();
    const range: [number, number] = [0, 500];
    const xaxisOf = (f: { layout: unknown }): { range?: number[] } => (f.layout as { xaxis: { range?: number[] } }).xaxis;
    expect(xaxisOf(lossFigure(series, { 'full-es': curve }, 'iteration', true, { xRange: range })).range).toEqual(range);
    expect(xaxisOf(diagnosticsFigure(series, {}, {}, 'iteration', range)).range).toEqual(range);
    expect(xaxisOf(scheduleFigure([], { kind: 'constant', sigma0: 1 }, 10, range)).range).toEqual(range);
  });

  it('draws coinciding curves in different line patterns, the legend showing each', () => {
    const fig = lossFigure(two, { tes: same, tbptt: same }, 'iteration', false);
    const dashes = fig.data.map((t) => (t.line as { dash?: string }).dash);
    expect(dashes).toEqual(['solid', 'dash']);
    expect(new Set(SERIES_DASHES).size).toBe(SERIES_DASHES.length);
    expect(SERIES_DASHES).not.toContain('dot');
  });

  it('moving average: a hand-computed case, unevenly spaced points, gaps carried over', () => {
    const tau = 1;
    const ema = emaOf([0, 1, 3, 4], [0, 1, null, 1], tau);
    const a1 = 1 - Math.exp(-1);
    expect(ema[0]).toBe(0);
    expect(ema[1]).toBeCloseTo(a1);
    expect(ema[2]).toBeNull();
    // From x = 1 to x = 4 (the gap is skipped): weight 1 − e⁻³ on the new value.
    expect(ema[3]).toBeCloseTo(a1 + (1 - Math.exp(-3)) * (1 - a1));
  });

  it('smoothed: the average in the legend, the raw curve faint behind with its values untouched', () => {
    const noisy: CurvePoint[] = Array.from({ length: 50 }, (_, i) => ({ iteration: i, innerSteps: i, wallMs: 0, loss: i % 2 === 0 ? 1 : 3 }));
    const fig = lossFigure([two[0]!], { tes: noisy }, 'iteration', false, { smoothed: true });
    expect(fig.data).toHaveLength(2);
    const [raw, avg] = fig.data as { y: (number | null)[]; showlegend?: boolean; opacity?: number }[];
    expect(raw!.y).toEqual(noisy.map((p) => p.loss));
    expect(raw!.showlegend).toBe(false);
    expect(raw!.opacity).toBeLessThan(0.5);
    const late = avg!.y.slice(-10) as number[];
    // The average sits between the two alternating values, far from either.
    for (const v of late) expect(Math.abs(v - 2)).toBeLessThan(0.5);
  });
});
