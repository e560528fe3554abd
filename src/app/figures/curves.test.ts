import { describe, expect, it } from 'vitest';
import type { CurvePoint, DiagnosticsPoint } from '../../state/sim-store';
import { diagnosticsFigure, metricFigure, type SeriesStyle, xAtIteration } from './curves';

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
