/** The variance-against-truncations figure (log-log), and its summary numbers. */
import type { PlotData } from 'plotly.js-cartesian-dist-min';
import type { EstimatorId } from '../../core/config';
import type { VarianceRow } from '../../core/experiments/variance';
import type { Figure } from '../usePlotly';
import { axis, baseLayout } from './common';
import { emptyNote, type SeriesStyle } from './curves';

export type VarianceMetric = 'totalVariance' | 'normalizedError';

export const METRIC_TITLES: Record<VarianceMetric, string> = {
  totalVariance: 'total variance tr Cov(ĝ)',
  normalizedError: 'normalized error E‖ĝ − g‖² / ‖g‖²',
};

/**
 * Least-squares slope of log(metric) against log(J): 0 is flat in the number of
 * truncations, 1 is proportional to it. NaN with fewer than two usable points.
 */
export function logLogSlope(rows: readonly VarianceRow[], metric: VarianceMetric): number {
  const pts = rows.filter((r) => r[metric] > 0 && Number.isFinite(r[metric])).map((r) => [Math.log(r.J), Math.log(r[metric])] as const);
  if (pts.length < 2) return Number.NaN;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

export function rowsByEstimator(rows: readonly VarianceRow[]): Map<EstimatorId, VarianceRow[]> {
  const by = new Map<EstimatorId, VarianceRow[]>();
  for (const r of rows) by.set(r.estimator, [...(by.get(r.estimator) ?? []), r]);
  for (const list of by.values()) list.sort((a, b) => a.J - b.J);
  return by;
}

/**
 * The reference's own normalized error E‖g_ref − g‖²/‖g_ref‖² (0 for an exact reference):
 * already subtracted from every row's normalized error, drawn as a dotted line so the rows
 * can be read against what the reference itself can resolve.
 */
export function referenceFloor(reference: readonly number[], referenceVariance: number | undefined): number {
  const n2 = reference.reduce((s, g) => s + g * g, 0);
  return referenceVariance && n2 > 0 ? referenceVariance / n2 : 0;
}

export function varianceFigure(
  series: readonly SeriesStyle[],
  rows: readonly VarianceRow[],
  metric: VarianceMetric,
  truncations: readonly number[],
  floor = 0,
): Figure {
  const by = rowsByEstimator(rows);
  const data: PlotData[] = [];
  for (const s of series) {
    const list = by.get(s.id);
    if (!list || list.length === 0) continue;
    const y = list.map((r) => r[metric]);
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.title,
      x: list.map((r) => r.J),
      y,
      line: { color: s.color, width: 2 },
      marker: { color: s.color, size: 7 },
      // Bootstrap 95 % interval of the total variance (the error has no interval).
      error_y:
        metric === 'totalVariance'
          ? { type: 'data', symmetric: false, array: list.map((r) => Math.max(0, r.ciHigh - r.totalVariance)), arrayminus: list.map((r) => Math.max(0, r.totalVariance - r.ciLow)), color: s.color, thickness: 1.2, width: 4 }
          : undefined,
      customdata: list.map((r) => [r.K, r.ciLow, r.ciHigh]),
      hovertemplate:
        metric === 'totalVariance'
          ? `${s.title}<br>J = %{x} (K = %{customdata[0]})<br>tr Cov = %{y:.4g}<br>95% CI [%{customdata[1]:.3g}, %{customdata[2]:.3g}]<extra></extra>`
          : `${s.title}<br>J = %{x} (K = %{customdata[0]})<br>normalized error = %{y:.4g}<extra></extra>`,
    });
  }
  const showFloor = metric === 'normalizedError' && floor > 0 && Number.isFinite(floor) && data.length > 0;
  const lo = Math.min(...truncations, 1);
  const hi = Math.max(...truncations, 1);
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 60, r: 12, t: 30, b: 42 },
      xaxis: axis('number of truncations J = T/K', { type: 'log', range: [Math.log10(lo) - 0.1, Math.log10(hi) + 0.1], tickvals: truncations }),
      yaxis: axis(METRIC_TITLES[metric], { type: 'log', exponentformat: 'power' }),
      annotations:
        data.length === 0
          ? [emptyNote('Press “Measure” to estimate the variance for every J')]
          : showFloor
            ? [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: Math.log10(floor), yanchor: 'bottom', text: 'reference’s own error (subtracted)', showarrow: false, font: { size: 10, color: '#6b7785' } }]
            : [],
      shapes: showFloor ? [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: floor, y1: floor, line: { color: '#9aa5b1', width: 1, dash: 'dot' } }] : [],
      hovermode: 'closest',
    }),
  };
}
