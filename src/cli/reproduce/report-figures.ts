/**
 * Plotly figures of the report, built on the page's figure builders (src/app/figures):
 * the page's own loss, variance and landscape figures where the report shows what the
 * page shows, and the page's layout helpers (baseLayout, axis) for the few report-only
 * plots (a quantity against R or the population, θ over training). Pure functions of data.
 */
import type { PlotData } from 'plotly.js-cartesian-dist-min';
import type { EstimatorId } from '../../core/config';
import { estimatorInfo } from '../../core/estimators/index';
import { ESTIMATOR_COLORS, withAlpha } from '../../content/colors';
import { axis, baseLayout } from '../../app/figures/common';
import { lossFigure, type SeriesStyle } from '../../app/figures/curves';
import type { Figure } from '../../app/usePlotly';
import type { CurvePoint } from '../../state/sim-store';

export function styleOf(id: EstimatorId, title?: string): SeriesStyle {
  return { id, title: title ?? estimatorInfo(id).title, color: ESTIMATOR_COLORS[id], diverged: false };
}

export interface CurveRun {
  style: SeriesStyle;
  points: CurvePoint[];
  /** Overrides of the page's line style (several runs of one estimator: K = 1, 10, 100). */
  dash?: string;
  color?: string;
}

/** Curve points from a figure's history (no wall time: the report's x-axes are iterations and inner steps). */
export function curvePoints(history: readonly { iter: number; innerSteps: number; loss: number; metric?: number }[]): CurvePoint[] {
  return history.map((h) => ({ iteration: h.iter, innerSteps: h.innerSteps, wallMs: 0, loss: h.loss, ...(h.metric !== undefined ? { metric: h.metric } : {}) }));
}

/**
 * The page's loss figure over several runs, one trace each (the page keys its curves by
 * estimator, so runs of one estimator are drawn one at a time and merged).
 */
export function runsLossFigure(runs: readonly CurveRun[], mode: 'iteration' | 'innerSteps', logY: boolean): Figure {
  const base = lossFigure(
    runs.map((r) => r.style),
    {},
    mode,
    logY,
  );
  const data: PlotData[] = runs.map((r) => {
    const [trace] = lossFigure([r.style], { [r.style.id]: r.points }, mode, logY).data;
    const t = { ...(trace as PlotData) };
    if (r.dash || r.color) t.line = { ...(t.line ?? {}), ...(r.dash ? { dash: r.dash } : {}), ...(r.color ? { color: r.color } : {}) } as PlotData['line'];
    return t;
  });
  return { data, layout: { ...base.layout, yaxis: yAxisOver(runs.flatMap((r) => r.points), mode, logY) } };
}

/**
 * Mean of several seeds (the page's loss figure) with a band from the lowest to the highest
 * seed at each logged point.
 */
export function bandLossFigure(
  groups: readonly { style: SeriesStyle; seeds: readonly (readonly CurvePoint[])[] }[],
  mode: 'iteration' | 'innerSteps',
  logY: boolean,
): Figure {
  const mean = (g: (typeof groups)[number]): CurvePoint[] => {
    const n = Math.min(...g.seeds.map((s) => s.length));
    return Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, i) => {
      const pts = g.seeds.map((s) => s[i] as CurvePoint);
      const losses = pts.map((p) => p.loss);
      return { ...(pts[0] as CurvePoint), innerSteps: avg(pts.map((p) => p.innerSteps)), loss: avg(losses) };
    });
  };
  const means = groups.map((g) => ({ g, m: mean(g) }));
  const base = lossFigure(
    groups.map((g) => g.style),
    Object.fromEntries(means.map(({ g, m }) => [g.style.id, m])),
    mode,
    logY,
  );
  const bands: PlotData[] = means.flatMap(({ g, m }) => {
    const lo = m.map((_, i) => Math.min(...g.seeds.map((s) => s[i]?.loss ?? Number.NaN)));
    const hi = m.map((_, i) => Math.max(...g.seeds.map((s) => s[i]?.loss ?? Number.NaN)));
    const x = m.map((p) => (mode === 'innerSteps' ? p.innerSteps : p.iteration));
    return [
      { type: 'scatter', mode: 'lines', x, y: lo, line: { width: 0, color: g.style.color }, hoverinfo: 'skip', showlegend: false },
      {
        type: 'scatter',
        mode: 'lines',
        x,
        y: hi,
        fill: 'tonexty',
        fillcolor: withAlpha(g.style.color, 0.16),
        line: { width: 0, color: g.style.color },
        hoverinfo: 'skip',
        showlegend: false,
      },
    ] as PlotData[];
  });
  return { data: [...bands, ...base.data], layout: { ...base.layout, yaxis: yAxisOver(groups.flatMap((g) => g.seeds.flat()), mode, logY) } };
}

/** The page's loss axis (its decade ticks) over every point drawn, not one estimator's. */
function yAxisOver(points: readonly CurvePoint[], mode: 'iteration' | 'innerSteps', logY: boolean): unknown {
  return lossFigure([], { pes: [...points] }, mode, logY).layout.yaxis;
}

function avg(v: readonly number[]): number {
  const f = v.filter((x) => Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}

/** θ (one coordinate) over training for several runs, with the optimum as a dashed line. */
export function thetaFigure(
  runs: readonly { title: string; color: string; dash?: string; points: { iter: number; theta: number }[] }[],
  optimum: number | null,
  name: string,
  range?: [number, number],
): Figure {
  const data: PlotData[] = runs.map((r) => ({
    type: 'scatter',
    mode: 'lines',
    name: r.title,
    x: r.points.map((p) => p.iter),
    y: r.points.map((p) => p.theta),
    line: { color: r.color, width: 2, dash: r.dash ?? 'solid' },
    hovertemplate: `${r.title}<br>iteration %{x}<br>${name} = %{y:.4f}<extra></extra>`,
  }));
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 56, r: 12, t: 30, b: 40 },
      xaxis: axis('outer iteration', { rangemode: 'tozero' }),
      yaxis: axis(name, range ? { range } : {}),
      shapes:
        optimum === null
          ? []
          : [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: optimum, y1: optimum, line: { color: '#b8860b', width: 1.5, dash: 'dash' } }],
      annotations: optimum === null ? [] : [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: optimum, yanchor: 'bottom', text: `θ* = ${optimum.toFixed(4)}`, showarrow: false, font: { size: 10, color: '#8a6500' } }],
      hovermode: 'closest',
    }),
  };
}

export interface XYSeries {
  name: string;
  color: string;
  x: number[];
  y: (number | null)[];
  /** Asymmetric error bars (distance below / above y). */
  errorMinus?: number[];
  errorPlus?: number[];
  dash?: string;
  mode?: 'lines+markers' | 'lines' | 'markers';
  /** Hover label of y. */
  label?: string;
}

/** Quantities against a swept setting (R, population size), on log or linear axes. */
export function sweepFigure(series: readonly XYSeries[], opts: { xTitle: string; yTitle: string; logX?: boolean; logY?: boolean; tickvals?: number[]; yRange?: [number, number] }): Figure {
  const data: PlotData[] = series.map((s) => ({
    type: 'scatter',
    mode: s.mode ?? 'lines+markers',
    name: s.name,
    x: s.x,
    y: s.y,
    line: { color: s.color, width: 2, dash: s.dash ?? 'solid' },
    marker: { color: s.color, size: 7 },
    error_y: s.errorMinus && s.errorPlus ? { type: 'data', symmetric: false, array: s.errorPlus, arrayminus: s.errorMinus, color: s.color, thickness: 1.2, width: 4 } : undefined,
    hovertemplate: `${s.name}<br>${opts.xTitle} = %{x}<br>${s.label ?? opts.yTitle} = %{y:.4g}<extra></extra>`,
  })) as PlotData[];
  return {
    data,
    layout: baseLayout({
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 10 } },
      margin: { l: 60, r: 12, t: 30, b: 42 },
      xaxis: axis(opts.xTitle, { type: opts.logX ? 'log' : 'linear', ...(opts.tickvals ? { tickvals: opts.tickvals } : {}) }),
      yaxis: axis(opts.yTitle, { type: opts.logY ? 'log' : 'linear', exponentformat: 'power', ...(opts.yRange ? { range: opts.yRange } : {}) }),
      hovermode: 'closest',
    }),
  };
}

/** A palette for runs of one estimator at different sizes (population), light to dark. */
export function ramp(i: number, n: number): string {
  const from = [166, 206, 227];
  const to = [8, 48, 107];
  const w = n > 1 ? i / (n - 1) : 1;
  const c = from.map((f, k) => Math.round(f + w * ((to[k] ?? 0) - f)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
