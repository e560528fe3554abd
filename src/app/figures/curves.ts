/** Figures of the training curves: evaluation loss, the task's metric, σ and learning rate, gradient diagnostics. */
import type { PlotData } from 'plotly.js-cartesian-dist-min';
import type { EstimatorId } from '../../core/config';
import type { ViewOptions } from '../../core/playground-config';
import { type SigmaSchedule, sigmaAt } from '../../core/sigma-schedule';
import type { MetricInfo } from '../../engine/protocol';
import type { CurvePoint, DiagnosticsPoint, SchedulePoint } from '../../state/sim-store';
import type { Figure } from '../usePlotly';
import { axis, baseLayout } from './common';

export interface SeriesStyle {
  id: EstimatorId;
  title: string;
  color: string;
  diverged: boolean;
  /** Line pattern (SERIES_DASHES, by the estimator's place in the run): curves lying on top of each other stay distinguishable. */
  dash?: string;
}

/**
 * One line pattern per estimator of a run, in order ('dot' is left out: it marks a diverged
 * estimator). Two estimators whose curves coincide (truncated ES under TBPTT on influence
 * balancing) then still show both: the later one, drawn on top, leaves gaps.
 */
export const SERIES_DASHES = ['solid', 'dash', 'dashdot', 'longdash', 'longdashdot', '8px,3px,2px,3px,2px,3px', '2px,3px,8px,3px'] as const;

export function dashFor(index: number): string {
  return SERIES_DASHES[index % SERIES_DASHES.length] ?? 'solid';
}

function lineDash(s: SeriesStyle): string {
  return s.diverged ? 'dot' : (s.dash ?? 'solid');
}

/** Options every training plot in a row shares. */
export interface CurveOptions {
  /** The x-range the row's plots share (`sharedXRange`); Plotly's own when absent. */
  xRange?: [number, number];
  /** Draw an exponential moving average of each curve over the raw one, which is drawn faint behind. */
  smoothed?: boolean;
}

/**
 * The x-range the training plots of a row share: from 0 to the furthest point of any curve
 * (loss and metric share the curves' points; diagnostics and σ/lr never run past them), so
 * "20" sits at the same place on every plot. Undefined before there is a range.
 */
export function sharedXRange(curves: Partial<Record<EstimatorId, readonly CurvePoint[]>>, mode: ViewOptions['curvesX']): [number, number] | undefined {
  let hi = 0;
  for (const c of Object.values(curves)) {
    const last = c?.[c.length - 1];
    if (last) hi = Math.max(hi, xOf(last, mode));
  }
  return hi > 0 && Number.isFinite(hi) ? [0, hi * 1.02] : undefined;
}

/**
 * An exponential moving average along a curve, with a time constant of `tau` in x units
 * (the points may be unevenly spaced: the history is thinned with age). Gaps (null) are
 * carried over, not averaged in; the average starts at the first finite value.
 */
export function emaOf(xs: readonly number[], ys: readonly (number | null)[], tau: number): (number | null)[] {
  let avg: number | null = null;
  let lastX = 0;
  return ys.map((y, i) => {
    const x = xs[i] ?? lastX;
    if (y === null || !Number.isFinite(y)) return null;
    if (avg === null || tau <= 0) avg = y;
    else avg += (1 - Math.exp(-Math.max(0, x - lastX) / tau)) * (y - avg);
    lastX = x;
    return avg;
  });
}

/** The smoothing time constant for a curve spanning `span` in x: about 1/40 of it (a few updates at least on the iteration axis). */
export function emaTau(span: number, mode: ViewOptions['curvesX']): number {
  return Math.max(mode === 'iteration' ? 3 : 0, span / 40);
}

/**
 * A curve's traces: the line itself, or with `smoothed` its moving average in the estimator's
 * style (in the legend, hover values raw and smoothed) over the raw line drawn faint.
 */
function curveTraces(s: SeriesStyle, x: number[], y: (number | null)[], mode: ViewOptions['curvesX'], smoothed: boolean, hover: string, logY = false): PlotData[] {
  const name = s.diverged ? `${s.title} (diverged)` : s.title;
  const line: PlotData = {
    type: 'scatter',
    mode: x.length === 1 ? 'markers' : 'lines',
    name,
    x,
    y,
    line: { color: s.color, width: 2, dash: lineDash(s) },
    marker: { color: s.color, size: 6 },
    hovertemplate: hover,
  } as PlotData;
  if (!smoothed || x.length < 3) return [line];
  const span = (x[x.length - 1] ?? 0) - (x[0] ?? 0);
  // On a log axis the average is taken of log L (a geometric mean: a spike does not dominate).
  const ema = logY
    ? emaOf(x, y.map((v) => (v !== null && v > 0 ? Math.log(v) : null)), emaTau(span, mode)).map((v) => (v === null ? null : Math.exp(v)))
    : emaOf(x, y, emaTau(span, mode));
  return [
    { ...line, name: `${name} (raw)`, showlegend: false, opacity: 0.28, line: { color: s.color, width: 1, dash: 'solid' }, hoverinfo: 'skip' } as PlotData,
    { ...line, y: ema, hovertemplate: hover.replace('<extra>', ' (smoothed)<extra>') } as PlotData,
  ];
}

export const X_TITLES: Record<ViewOptions['curvesX'], string> = {
  iteration: 'outer iteration',
  innerSteps: 'inner steps (summed over particles)',
  wallTime: 'engine time (s)',
};

export function xOf(p: CurvePoint, mode: ViewOptions['curvesX']): number {
  if (mode === 'innerSteps') return p.innerSteps;
  if (mode === 'wallTime') return p.wallMs / 1000;
  return p.iteration;
}

export function lossFigure(series: readonly SeriesStyle[], curves: Partial<Record<EstimatorId, readonly CurvePoint[]>>, mode: ViewOptions['curvesX'], logY: boolean, options: CurveOptions = {}): Figure {
  const data: PlotData[] = series.flatMap((s) => {
    const pts = curves[s.id] ?? [];
    const x = pts.map((p) => xOf(p, mode));
    // Non-positive or non-finite losses have no place on a log axis: gaps, not zeros.
    const y = pts.map((p) => (Number.isFinite(p.loss) && (!logY || p.loss > 0) ? p.loss : null));
    return curveTraces(s, x, y, mode, options.smoothed === true, `${s.title}<br>${X_TITLES[mode]} = %{x:.4~g}<br>eval loss = %{y:.5g}<extra></extra>`, logY);
  });
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 56, r: 12, t: 30, b: 40 },
      xaxis: axis(X_TITLES[mode], options.xRange ? { range: options.xRange } : { rangemode: 'tozero' }),
      yaxis: axis('evaluation loss', { type: logY ? 'log' : 'linear', exponentformat: 'power', ...(logY ? decadeTicks(Object.values(curves).flatMap((c) => (c ?? []).map((p) => p.loss))) : {}) }),
      hovermode: 'closest',
    }),
  };
}

/** The task's metric (e.g. MNIST test accuracy) at each estimator's θ, on the loss plot's x-axis. */
export function metricFigure(series: readonly SeriesStyle[], curves: Partial<Record<EstimatorId, readonly CurvePoint[]>>, mode: ViewOptions['curvesX'], info: MetricInfo, options: CurveOptions = {}): Figure {
  const label = info.unit ? `${info.name} (${info.unit})` : info.name;
  const data: PlotData[] = series.flatMap((s) => {
    const pts = (curves[s.id] ?? []).filter((p) => p.metric !== undefined);
    const x = pts.map((p) => xOf(p, mode));
    const y = pts.map((p) => (p.metric !== undefined && Number.isFinite(p.metric) ? p.metric : null));
    return curveTraces(s, x, y, mode, options.smoothed === true, `${s.title}<br>${X_TITLES[mode]} = %{x:.4~g}<br>${info.name} = %{y:.4g}${info.unit ?? ''}<extra></extra>`);
  });
  const percent = info.unit === '%';
  return {
    data,
    layout: baseLayout({
      // Colours are the estimators' everywhere; the loss plot carries the legend.
      showlegend: false,
      margin: { l: 52, r: 12, t: 10, b: 40 },
      xaxis: axis(X_TITLES[mode], options.xRange ? { range: options.xRange } : { rangemode: 'tozero' }),
      yaxis: axis(label, percent ? { range: [0, 100] } : {}),
      hovermode: 'closest',
    }),
  };
}

/**
 * x of a diagnostics point measured at `iteration`, on the curves' axis: linear between
 * the estimator's curve points around it (inner steps and time grow with the iteration).
 */
export function xAtIteration(points: readonly CurvePoint[], iteration: number, mode: ViewOptions['curvesX']): number | null {
  if (mode === 'iteration') return iteration;
  let before: CurvePoint | undefined;
  let after: CurvePoint | undefined;
  for (const p of points) {
    if (p.iteration <= iteration) before = p;
    else {
      after = p;
      break;
    }
  }
  if (!before) return null;
  if (!after || before.iteration === iteration) return xOf(before, mode);
  const w = (iteration - before.iteration) / (after.iteration - before.iteration);
  return xOf(before, mode) + w * (xOf(after, mode) - xOf(before, mode));
}

/**
 * σ (top, log) and learning rate (bottom, log) against the outer iteration: what
 * happened so far, and σ's planned schedule ahead of the run as a dashed line.
 */
export function scheduleFigure(schedule: readonly SchedulePoint[], plan: SigmaSchedule, horizon: number, xRange?: [number, number]): Figure {
  const data: PlotData[] = [
    {
      type: 'scatter',
      mode: schedule.length === 1 ? 'markers' : 'lines',
      name: 'σ',
      x: schedule.map((p) => p.iteration),
      y: schedule.map((p) => p.sigma),
      line: { color: '#6a3d9a', width: 2 },
      marker: { color: '#6a3d9a', size: 6 },
      hovertemplate: 'iteration %{x}<br>σ = %{y:.4g}<extra></extra>',
    },
    {
      type: 'scatter',
      mode: schedule.length === 1 ? 'markers' : 'lines',
      name: 'learning rate',
      x: schedule.map((p) => p.iteration),
      y: schedule.map((p) => p.lr),
      yaxis: 'y2',
      line: { color: '#b15928', width: 2 },
      marker: { color: '#b15928', size: 6 },
      hovertemplate: 'iteration %{x}<br>learning rate = %{y:.4g}<extra></extra>',
    },
  ];
  const from = schedule.length > 0 ? (schedule[schedule.length - 1]?.iteration ?? 0) : 0;
  if (plan.kind !== 'constant' && horizon > from) {
    const n = 120;
    const xs = Array.from({ length: n + 1 }, (_, i) => Math.round(from + ((horizon - from) * i) / n));
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'σ planned',
      x: xs,
      y: xs.map((k) => sigmaAt(plan, k)),
      line: { color: '#6a3d9a', width: 1.5, dash: 'dash' },
      hovertemplate: 'iteration %{x}<br>planned σ = %{y:.4g}<extra></extra>',
    });
  }
  const sigmas = [...schedule.map((p) => p.sigma), ...((data[2]?.y as number[] | undefined) ?? [])];
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 52, r: 12, t: 26, b: 40 },
      // Stacked, not overlaid: two flat lines on twin axes would sit on top of each other.
      xaxis: axis('outer iteration', xRange ? { range: xRange, anchor: 'y2' } : { rangemode: 'tozero', anchor: 'y2' }),
      yaxis: axis('σ', { domain: [0.55, 1], type: 'log', exponentformat: 'power', dtick: 1, color: '#6a3d9a', range: logRange(sigmas) }),
      yaxis2: axis('learning rate', { domain: [0, 0.43], type: 'log', exponentformat: 'power', dtick: 1, color: '#b15928', range: logRange(schedule.map((p) => p.lr)) }),
      hovermode: 'closest',
    }),
  };
}

/** A log-axis range around positive values with some headroom (constant series get a readable span). */
export function logRange(values: readonly number[]): [number, number] | undefined {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return undefined;
  const lo = Math.log10(Math.min(...v));
  const hi = Math.log10(Math.max(...v));
  // At least half a decade either side, so a log axis always shows a labelled power of ten.
  const pad = Math.max(0.5, 0.1 * (hi - lo));
  return [lo - pad, hi + pad];
}

/**
 * Log axes spanning more than about a decade get one tick per power of ten (Plotly's
 * default adds 2 and 5 between, which crowds a small plot); narrower ones keep the default.
 */
export function decadeTicks(values: readonly number[]): { dtick?: number } {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length < 2) return {};
  return Math.log10(Math.max(...v)) - Math.log10(Math.min(...v)) > 1.2 ? { dtick: 1 } : {};
}

/** A centred note inside an empty plot. */
export function emptyNote(text: string): Record<string, unknown> {
  return { text, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { size: 12, color: '#5e6b78' } };
}

/**
 * Cosine similarity (top) and norm ratio (bottom, log) of each estimate to the reference
 * gradient, against the outer iteration or (given the curves) the loss plot's x-axis.
 */
export function diagnosticsFigure(
  series: readonly SeriesStyle[],
  diag: Partial<Record<EstimatorId, readonly DiagnosticsPoint[]>>,
  curves: Partial<Record<EstimatorId, readonly CurvePoint[]>> = {},
  mode: ViewOptions['curvesX'] = 'iteration',
  xRange?: [number, number],
): Figure {
  const data: PlotData[] = [];
  for (const s of series) {
    const all = diag[s.id] ?? [];
    const xs = all.map((p) => xAtIteration(curves[s.id] ?? [], p.iteration, mode));
    const pts = all.filter((_, i) => xs[i] !== null);
    const x = xs.filter((v): v is number => v !== null);
    if (pts.length === 0) continue;
    const common = { type: 'scatter', mode: 'lines+markers', line: { color: s.color, width: 1.6, dash: lineDash(s) }, marker: { color: s.color, size: 4 } };
    data.push({
      ...common,
      name: s.title,
      x,
      y: pts.map((p) => (Number.isFinite(p.cosine) ? p.cosine : null)),
      hovertemplate: `${s.title}<br>${X_TITLES[mode]} %{x:.4~g}<br>cos = %{y:.3f}<extra></extra>`,
    });
    data.push({
      ...common,
      name: s.title,
      showlegend: false,
      x,
      y: pts.map((p) => (Number.isFinite(p.normRatio) && p.normRatio > 0 ? p.normRatio : null)),
      yaxis: 'y2',
      hovertemplate: `${s.title}<br>${X_TITLES[mode]} %{x:.4~g}<br>‖ĝ‖/‖g_ref‖ = %{y:.3g}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout({
      // Colours are the estimators' everywhere; the loss plot carries the legend.
      showlegend: false,
      margin: { l: 52, r: 12, t: 10, b: 40 },
      xaxis: axis(X_TITLES[mode], xRange ? { range: xRange, anchor: 'y2' } : { rangemode: 'tozero', anchor: 'y2' }),
      yaxis: axis('cosine', { domain: [0.55, 1], range: [-1.1, 1.1], zeroline: true, tickvals: [-1, 0, 1] }),
      yaxis2: axis('norm ratio', { domain: [0, 0.43], type: 'log', exponentformat: 'power', ...decadeTicks(Object.values(diag).flatMap((d) => (d ?? []).map((p) => p.normRatio))) }),
      shapes: [{ type: 'line', xref: 'paper', yref: 'y2', x0: 0, x1: 1, y0: 1, y1: 1, line: { color: '#9aa5b1', width: 1, dash: 'dot' } }],
      annotations: data.length === 0 ? [emptyNote('measured every ~20 updates or ~5 s')] : [],
      hovermode: 'closest',
    }),
  };
}
