/** The variance-against-truncations figure (log-log by default), and its summary numbers. */
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

/**
 * How the figure shows the rows: the total variance as measured or divided by each
 * estimator's own value at J = 1 (`relative`), on a log or a linear y-axis, with some
 * estimators left out (a lecturer hides truncated ES, whose falling variance otherwise
 * sets the axis range).
 */
export interface VarianceView {
  relative: boolean;
  logY: boolean;
  hidden: readonly EstimatorId[];
}

export const DEFAULT_VARIANCE_VIEW: VarianceView = { relative: false, logY: true, hidden: [] };

/**
 * Each estimator's total variance divided by its own value at J = 1, so growth with the
 * number of truncations reads directly (at J = 1 every online estimator is full-unroll
 * ES, so all curves start at 1). The J = 1 row is 1 by definition and gets no interval.
 *
 * Intervals: every cell has its own percentile-bootstrap 95 % interval of tr Cov, and the
 * cells are separate measurements, so the ratio's interval combines both on the log scale
 * in quadrature (as if independent; where J and J = 1 share noise draws and so correlate
 * positively, that overstates the ratio's uncertainty rather than hiding it): the upper
 * end uses J's upper and J = 1's lower half-width, the lower end the other two. A lower
 * bound at or below 0 leaves the lower half-width unbounded (the ratio's interval reaches
 * 0). Estimators without a usable J = 1 row (missing, zero, non-finite) are left out.
 * Only the total variance and its interval change; the rest of each row is kept.
 */
export function relativeToFirstTruncation(rows: readonly VarianceRow[]): VarianceRow[] {
  const out: VarianceRow[] = [];
  for (const list of rowsByEstimator(rows).values()) {
    const first = list.find((r) => r.J === 1);
    if (!first || !(first.totalVariance > 0) || !Number.isFinite(first.totalVariance)) continue;
    const v1 = first.totalVariance;
    const up1 = logHalfWidth(first.ciHigh, v1);
    const down1 = logHalfWidth(v1, first.ciLow);
    for (const r of list) {
      const ratio = r.totalVariance / v1;
      if (r.J === 1) {
        out.push({ ...r, totalVariance: 1, ciLow: 1, ciHigh: 1 });
        continue;
      }
      const up = Math.hypot(logHalfWidth(r.ciHigh, r.totalVariance), down1);
      const down = Math.hypot(logHalfWidth(r.totalVariance, r.ciLow), up1);
      out.push({ ...r, totalVariance: ratio, ciLow: ratio * Math.exp(-down), ciHigh: ratio * Math.exp(up) });
    }
  }
  return out;
}

/** ln(a / b) for a ≥ b > 0 (a half-width on the log scale); ∞ when b ≤ 0, 0 when a ≤ b. */
function logHalfWidth(a: number, b: number): number {
  if (!(b > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.log(a / b));
}

/** Each estimator's total variance at its largest J over its value at J = 1 (NaN without both). */
export function growthFactor(rows: readonly VarianceRow[]): number {
  const first = rows.find((r) => r.J === 1);
  const last = rows.reduce<VarianceRow | undefined>((m, r) => (m === undefined || r.J > m.J ? r : m), undefined);
  if (!first || !last || last.J === 1 || !(first.totalVariance > 0)) return Number.NaN;
  return last.totalVariance / first.totalVariance;
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
  view: VarianceView = DEFAULT_VARIANCE_VIEW,
): Figure {
  // Relative to J = 1 applies to the total variance (the normalized error has no interval to carry).
  const relative = view.relative && metric === 'totalVariance';
  const by = rowsByEstimator(relative ? relativeToFirstTruncation(rows) : rows);
  const data: PlotData[] = [];
  for (const s of series) {
    const list = by.get(s.id);
    if (!list || list.length === 0 || view.hidden.includes(s.id)) continue;
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
      hovertemplate: relative
        ? `${s.title}<br>J = %{x} (K = %{customdata[0]})<br>tr Cov = %{y:.4g} × its value at J = 1<br>95% CI [%{customdata[1]:.3g}, %{customdata[2]:.3g}]<extra></extra>`
        : metric === 'totalVariance'
          ? `${s.title}<br>J = %{x} (K = %{customdata[0]})<br>tr Cov = %{y:.4g}<br>95% CI [%{customdata[1]:.3g}, %{customdata[2]:.3g}]<extra></extra>`
          : `${s.title}<br>J = %{x} (K = %{customdata[0]})<br>normalized error = %{y:.4g}<extra></extra>`,
    });
  }
  const showFloor = metric === 'normalizedError' && floor > 0 && Number.isFinite(floor) && data.length > 0;
  const lo = Math.min(...truncations, 1);
  const hi = Math.max(...truncations, 1);
  const yTitle = relative ? 'tr Cov(ĝ) ÷ its value at J = 1' : METRIC_TITLES[metric];
  const yType = view.logY ? 'log' : 'linear';
  // The level every curve starts from in the relative view: growth reads as the gap above it.
  const unitLine = relative && data.length > 0 ? [{ type: 'line' as const, xref: 'paper' as const, x0: 0, x1: 1, yref: 'y' as const, y0: 1, y1: 1, line: { color: '#9aa5b1', width: 1, dash: 'dot' as const } }] : [];
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 60, r: 12, t: 30, b: 42 },
      xaxis: axis('number of truncations J = T/K', { type: 'log', range: [Math.log10(lo) - 0.1, Math.log10(hi) + 0.1], tickvals: truncations }),
      yaxis: axis(yTitle, view.logY ? { type: yType, exponentformat: 'power' } : { type: yType, rangemode: 'tozero' }),
      annotations:
        data.length === 0
          ? [emptyNote('Press “Measure” to estimate the variance for every J')]
          : showFloor
            ? [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: view.logY ? Math.log10(floor) : floor, yanchor: 'bottom', text: 'reference’s own error (subtracted)', showarrow: false, font: { size: 10, color: '#6b7785' } }]
            : [],
      shapes: showFloor ? [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: floor, y1: floor, line: { color: '#9aa5b1', width: 1, dash: 'dot' } }] : unitLine,
      hovermode: 'closest',
    }),
  };
}
