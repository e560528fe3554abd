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

export function lossFigure(series: readonly SeriesStyle[], curves: Partial<Record<EstimatorId, readonly CurvePoint[]>>, mode: ViewOptions['curvesX'], logY: boolean): Figure {
  const data: PlotData[] = series.map((s) => {
    const pts = curves[s.id] ?? [];
    return {
      type: 'scatter',
      mode: pts.length === 1 ? 'markers' : 'lines',
      name: s.diverged ? `${s.title} (diverged)` : s.title,
      x: pts.map((p) => xOf(p, mode)),
      // Non-positive or non-finite losses have no place on a log axis: gaps, not zeros.
      y: pts.map((p) => (Number.isFinite(p.loss) && (!logY || p.loss > 0) ? p.loss : null)),
      line: { color: s.color, width: 2, dash: s.diverged ? 'dot' : 'solid' },
      marker: { color: s.color, size: 6 },
      hovertemplate: `${s.title}<br>${X_TITLES[mode]} = %{x:.4~g}<br>eval loss = %{y:.5g}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 56, r: 12, t: 30, b: 40 },
      xaxis: axis(X_TITLES[mode], { rangemode: 'tozero' }),
      yaxis: axis('evaluation loss', { type: logY ? 'log' : 'linear', exponentformat: 'power', ...(logY ? decadeTicks(Object.values(curves).flatMap((c) => (c ?? []).map((p) => p.loss))) : {}) }),
      hovermode: 'closest',
    }),
  };
}

/** The task's metric (e.g. MNIST test accuracy) at each estimator's θ, on the loss plot's x-axis. */
export function metricFigure(series: readonly SeriesStyle[], curves: Partial<Record<EstimatorId, readonly CurvePoint[]>>, mode: ViewOptions['curvesX'], info: MetricInfo): Figure {
  const label = info.unit ? `${info.name} (${info.unit})` : info.name;
  const data: PlotData[] = series.map((s) => {
    const pts = (curves[s.id] ?? []).filter((p) => p.metric !== undefined);
    return {
      type: 'scatter',
      mode: pts.length === 1 ? 'markers' : 'lines',
      name: s.diverged ? `${s.title} (diverged)` : s.title,
      x: pts.map((p) => xOf(p, mode)),
      y: pts.map((p) => (p.metric !== undefined && Number.isFinite(p.metric) ? p.metric : null)),
      line: { color: s.color, width: 2, dash: s.diverged ? 'dot' : 'solid' },
      marker: { color: s.color, size: 6 },
      hovertemplate: `${s.title}<br>${X_TITLES[mode]} = %{x:.4~g}<br>${info.name} = %{y:.4g}${info.unit ?? ''}<extra></extra>`,
    };
  });
  const percent = info.unit === '%';
  return {
    data,
    layout: baseLayout({
      // Colours are the estimators' everywhere; the loss plot carries the legend.
      showlegend: false,
      margin: { l: 52, r: 12, t: 10, b: 40 },
      xaxis: axis(X_TITLES[mode], { rangemode: 'tozero' }),
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
export function scheduleFigure(schedule: readonly SchedulePoint[], plan: SigmaSchedule, horizon: number): Figure {
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
      xaxis: axis('outer iteration', { rangemode: 'tozero', anchor: 'y2' }),
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
): Figure {
  const data: PlotData[] = [];
  for (const s of series) {
    const all = diag[s.id] ?? [];
    const xs = all.map((p) => xAtIteration(curves[s.id] ?? [], p.iteration, mode));
    const pts = all.filter((_, i) => xs[i] !== null);
    const x = xs.filter((v): v is number => v !== null);
    if (pts.length === 0) continue;
    const common = { type: 'scatter', mode: 'lines+markers', line: { color: s.color, width: 1.6 }, marker: { color: s.color, size: 4 } };
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
      xaxis: axis(X_TITLES[mode], { rangemode: 'tozero', anchor: 'y2' }),
      yaxis: axis('cosine', { domain: [0.55, 1], range: [-1.1, 1.1], zeroline: true, tickvals: [-1, 0, 1] }),
      yaxis2: axis('norm ratio', { domain: [0, 0.43], type: 'log', exponentformat: 'power', ...decadeTicks(Object.values(diag).flatMap((d) => (d ?? []).map((p) => p.normRatio))) }),
      shapes: [{ type: 'line', xref: 'paper', yref: 'y2', x0: 0, x1: 1, y0: 1, y1: 1, line: { color: '#9aa5b1', width: 1, dash: 'dot' } }],
      annotations: data.length === 0 ? [emptyNote('measured every ~20 updates or ~5 s')] : [],
      hovermode: 'closest',
    }),
  };
}
