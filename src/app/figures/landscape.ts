/**
 * Figures of the meta-loss landscape: a heatmap (+ contour lines) of L or L_σ over a 2-D
 * θ, or curves over a 1-D θ, with every estimator's particles, current θ, trail and
 * gradient direction on top, and the known optimum marked.
 */
import type { PlotData, PlotLayout } from 'plotly.js-cartesian-dist-min';
import type { EstimatorId } from '../../core/config';
import { withAlpha } from '../../content/colors';
import type { Figure } from '../usePlotly';
import { axis, baseLayout, finite, fmt, quantile } from './common';

export interface LandscapeEstimator {
  id: EstimatorId;
  title: string;
  color: string;
  theta: number[];
  grad: number[];
  evalLoss: number;
  particles: Float32Array;
  diverged: boolean;
  /** 2-D: θ path; 1-D: (θ, L(θ)) path. */
  trail: readonly (readonly [number, number])[];
}

export interface LandscapeAxes {
  paramNames: readonly string[];
  bounds: readonly (readonly [number, number])[];
  optimum: readonly number[] | null;
}

export type ColorScale = 'log' | 'linear';

/** Light (low loss) to slate (high loss): the estimators' colours stay readable on top. */
export const LOSS_COLORSCALE: [number, string][] = [
  [0, '#fbfcfd'],
  [0.25, '#dfe6ec'],
  [0.5, '#b3c0cc'],
  [0.75, '#74869a'],
  [1, '#2e3c4c'],
];

/** Background behind the heatmap: what shows where an unroll diverged (NaN/∞ loss, no colour). */
export const DIVERGED_COLOR = '#7a2e3b';

/** Loss → colour coordinate. */
export function displayValue(v: number, scale: ColorScale): number {
  if (!Number.isFinite(v)) return Number.NaN;
  if (scale === 'linear') return v;
  return v > 0 ? Math.log10(v) : Number.NaN;
}

/**
 * Colour range shared by the raw and the smoothed panel (so they compare), from the raw
 * grid's 1st–99th percentile so a few blown-up unrolls do not wash the picture out.
 */
export function colorRange(raw: readonly number[], scale: ColorScale): [number, number] {
  const d = raw.map((v) => displayValue(v, scale));
  const lo = quantile(d, 0.01);
  const hi = quantile(d, 0.99);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

/** Row-major values → Plotly's z[iy][ix] in colour coordinates, and matching hover text. */
export function gridOf(values: readonly number[], nx: number, ny: number, scale: ColorScale): { z: number[][]; text: string[][] } {
  const z: number[][] = [];
  const text: string[][] = [];
  for (let iy = 0; iy < ny; iy++) {
    const zr: number[] = [];
    const tr: string[] = [];
    for (let ix = 0; ix < nx; ix++) {
      const v = values[iy * nx + ix] ?? Number.NaN;
      zr.push(displayValue(v, scale));
      tr.push(fmt(v, 5));
    }
    z.push(zr);
    text.push(tr);
  }
  return { z, text };
}

/** Arrow of the descent direction −ĝ, of a fixed length (direction only; ‖ĝ‖ is in the hover). */
function arrowAnnotation(e: LandscapeEstimator, length: number, xref: string, yref: string, oneD: boolean): Record<string, unknown> | null {
  const g0 = e.grad[0] ?? 0;
  const g1 = oneD ? 0 : (e.grad[1] ?? 0);
  const norm = Math.hypot(g0, g1);
  if (!(norm > 0) || !Number.isFinite(norm) || e.diverged) return null;
  const x0 = e.theta[0] ?? 0;
  const y0 = oneD ? e.evalLoss : (e.theta[1] ?? 0);
  if (!Number.isFinite(x0) || !Number.isFinite(y0)) return null;
  return {
    x: x0 - (length * g0) / norm,
    y: oneD ? y0 : y0 - (length * g1) / norm,
    ax: x0,
    ay: y0,
    xref,
    yref,
    axref: xref,
    ayref: yref,
    showarrow: true,
    arrowhead: 2,
    arrowsize: 1.1,
    arrowwidth: 2,
    arrowcolor: e.color,
    text: '',
    hovertext: `${e.title}: −ĝ, ‖ĝ‖ = ${fmt(norm)}`,
  };
}

export interface Landscape2dInput {
  axes: LandscapeAxes;
  /** Dimension of θ (particle rows have this many entries; the plot shows the first two). */
  dim: number;
  x: readonly number[];
  y: readonly number[];
  /** The grid in colour coordinates, from `gridOf` (memoised by the caller). */
  grid: { z: number[][]; text: string[][] };
  zRange: [number, number];
  scale: ColorScale;
  contours: boolean;
  title: string;
  showColorbar: boolean;
  estimators: readonly LandscapeEstimator[];
  uirevision: string;
}

export function landscape2dFigure(input: Landscape2dInput): Figure {
  const { axes, x, y, grid, zRange, scale, estimators } = input;
  const names = axes.paramNames;
  const [xlo, xhi] = axes.bounds[0] ?? [0, 1];
  const [ylo, yhi] = axes.bounds[1] ?? [0, 1];
  const dx = x.length > 1 ? ((x[x.length - 1] ?? 0) - (x[0] ?? 0)) / (x.length - 1) : 0;
  const dy = y.length > 1 ? ((y[y.length - 1] ?? 0) - (y[0] ?? 0)) / (y.length - 1) : 0;
  const n0 = names[0] ?? 'θ₀';
  const n1 = names[1] ?? 'θ₁';
  const hasGrid = grid.z.length > 0;
  const data: PlotData[] = [];
  if (hasGrid) {
    data.push({
      type: 'heatmap',
      x,
      y,
      z: grid.z,
      text: grid.text,
      zmin: zRange[0],
      zmax: zRange[1],
      zsmooth: false,
      colorscale: LOSS_COLORSCALE,
      showscale: input.showColorbar,
      colorbar: input.showColorbar
        ? { title: { text: scale === 'log' ? 'log₁₀ L' : 'L', side: 'right' }, thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 10 } }
        : undefined,
      hovertemplate: `${n0} = %{x:.3f}<br>${n1} = %{y:.3f}<br>${input.title} = %{text}<extra></extra>`,
    });
  }
  if (hasGrid && input.contours) {
    data.push({
      type: 'contour',
      x,
      y,
      z: grid.z,
      zmin: zRange[0],
      zmax: zRange[1],
      autocontour: true,
      ncontours: 14,
      contours: { coloring: 'none' },
      line: { color: 'rgba(35, 48, 62, 0.28)', width: 0.7, smoothing: 0.6 },
      showscale: false,
      hoverinfo: 'skip',
    });
  }
  const annotations: Record<string, unknown>[] = [];
  const arrowLength = 0.09 * Math.min(xhi - xlo, yhi - ylo);
  for (const e of estimators) {
    if (e.trail.length > 1) {
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: e.trail.map((p) => p[0]),
        y: e.trail.map((p) => p[1]),
        line: { color: e.color, width: 1.6 },
        hoverinfo: 'skip',
      });
    }
    const P = Math.floor(e.particles.length / input.dim);
    if (P > 0) {
      const px: number[] = [];
      const py: number[] = [];
      for (let i = 0; i < P; i++) {
        px.push(e.particles[input.dim * i] ?? Number.NaN);
        py.push(e.particles[input.dim * i + 1] ?? Number.NaN);
      }
      data.push({
        type: 'scatter',
        mode: 'markers',
        x: px,
        y: py,
        marker: { color: withAlpha(e.color, 0.5), size: 4.5, line: { width: 0 } },
        hovertemplate: `${e.title} particle θ ± ε<br>${n0} = %{x:.3f}<br>${n1} = %{y:.3f}<extra></extra>`,
      });
    }
  }
  if (axes.optimum && axes.optimum.length >= 2) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [axes.optimum[0]],
      y: [axes.optimum[1]],
      marker: { symbol: 'star', size: 15, color: '#ffcf33', line: { color: '#3a2f00', width: 1 } },
      hovertemplate: `known optimum<br>${n0} = %{x:.3f}<br>${n1} = %{y:.3f}<extra></extra>`,
    });
  }
  for (const e of estimators) {
    const tx = e.theta[0] ?? Number.NaN;
    const ty = e.theta[1] ?? Number.NaN;
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [tx],
      y: [ty],
      marker: { color: e.color, size: 11, symbol: e.diverged ? 'x' : 'circle', line: { color: '#ffffff', width: 2 } },
      hovertemplate: `${e.title} θ<br>${n0} = %{x:.4f}<br>${n1} = %{y:.4f}<br>L(θ) = ${fmt(e.evalLoss)}<extra></extra>`,
    });
    const arrow = arrowAnnotation(e, arrowLength, 'x', 'y', false);
    if (arrow) annotations.push(arrow);
  }
  const layout: PlotLayout = baseLayout({
    margin: { l: 52, r: input.showColorbar ? 8 : 12, t: 8, b: 40 },
    xaxis: axis(n0, { range: [xlo - dx / 2, xhi + dx / 2], showgrid: false, zeroline: false, fixedrange: false }),
    yaxis: axis(n1, { range: [ylo - dy / 2, yhi + dy / 2], showgrid: false, zeroline: false }),
    annotations,
    uirevision: input.uirevision,
    hovermode: 'closest',
    plot_bgcolor: hasGrid ? DIVERGED_COLOR : '#ffffff',
  });
  return { data, layout };
}

export interface Landscape1dInput {
  axes: LandscapeAxes;
  x: readonly number[];
  raw: readonly number[] | null;
  smoothed: { values: readonly number[]; sigma: number; source: 'blur' | 'monte-carlo'; samples: number } | null;
  show: 'raw' | 'smoothed' | 'both';
  scale: ColorScale;
  estimators: readonly LandscapeEstimator[];
  uirevision: string;
}

export function landscape1dFigure(input: Landscape1dInput): Figure {
  const { axes, x, raw, smoothed, estimators } = input;
  const name = axes.paramNames[0] ?? 'θ';
  const [lo, hi] = axes.bounds[0] ?? [0, 1];
  const data: PlotData[] = [];
  const visible: number[] = [];
  if (raw && input.show !== 'smoothed') {
    data.push({
      type: 'scatter',
      mode: 'lines',
      x,
      y: raw,
      line: { color: '#7b8794', width: 1.5 },
      hovertemplate: `${name} = %{x:.4f}<br>L = %{y:.5g}<extra>raw</extra>`,
    });
    visible.push(...finite(raw));
  }
  if (smoothed && input.show !== 'raw') {
    const label = smoothed.source === 'blur' ? `L_σ (blur, σ = ${fmt(smoothed.sigma, 3)})` : `L_σ (${smoothed.samples} samples, σ = ${fmt(smoothed.sigma, 3)})`;
    data.push({
      type: 'scatter',
      mode: 'lines',
      x,
      y: smoothed.values,
      line: { color: '#2e3c4c', width: 2.2, dash: smoothed.source === 'blur' ? 'dot' : 'solid' },
      hovertemplate: `${name} = %{x:.4f}<br>L_σ = %{y:.5g}<extra>${label}</extra>`,
    });
    visible.push(...finite(smoothed.values));
  }
  const ylo = visible.length ? Math.min(...visible) : 0;
  const yhi = visible.length ? Math.max(...visible) : 1;
  const pad = 0.06 * (yhi - ylo || 1);
  const yRange: [number, number] = input.scale === 'log' ? [Math.log10(Math.max(1e-12, ylo)) - 0.1, Math.log10(Math.max(1e-12, yhi)) + 0.1] : [ylo - pad, yhi + pad];
  const rugY = input.scale === 'log' ? 10 ** (yRange[0] + 0.03 * (yRange[1] - yRange[0])) : yRange[0] + 0.025 * (yRange[1] - yRange[0]);
  const annotations: Record<string, unknown>[] = [];
  for (const e of estimators) {
    if (e.trail.length > 1) {
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: e.trail.map((p) => p[0]),
        y: e.trail.map((p) => p[1]),
        line: { color: withAlpha(e.color, 0.6), width: 1.4 },
        hoverinfo: 'skip',
      });
    }
    if (e.particles.length > 0) {
      data.push({
        type: 'scatter',
        mode: 'markers',
        x: Array.from(e.particles),
        y: new Array<number>(e.particles.length).fill(rugY),
        marker: { symbol: 'line-ns-open', size: 12, color: withAlpha(e.color, 0.45), line: { width: 1.2 } },
        hovertemplate: `${e.title} particle θ ± ε = %{x:.4f}<extra></extra>`,
      });
    }
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [e.theta[0] ?? Number.NaN],
      y: [e.evalLoss],
      marker: { color: e.color, size: 11, symbol: e.diverged ? 'x' : 'circle', line: { color: '#ffffff', width: 2 } },
      hovertemplate: `${e.title}<br>θ = %{x:.4f}<br>L(θ) = %{y:.5g}<extra></extra>`,
    });
    const arrow = arrowAnnotation(e, 0.08 * (hi - lo), 'x', 'y', true);
    if (arrow) annotations.push(arrow);
  }
  const shapes: Record<string, unknown>[] = [];
  if (axes.optimum && axes.optimum.length >= 1) {
    const opt = axes.optimum[0] ?? 0;
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: opt, x1: opt, y0: 0, y1: 1, line: { color: '#b8860b', width: 1.5, dash: 'dash' } });
    annotations.push({ x: opt, y: 1, xref: 'x', yref: 'paper', yanchor: 'bottom', showarrow: false, text: `θ* = ${fmt(opt, 4)}`, font: { size: 10, color: '#8a6500' } });
  }
  const layout = baseLayout({
    margin: { l: 60, r: 16, t: 18, b: 40 },
    xaxis: axis(name, { range: [lo, hi] }),
    yaxis: axis('loss', { range: yRange, type: input.scale === 'log' ? 'log' : 'linear' }),
    annotations,
    shapes,
    uirevision: input.uirevision,
    hovermode: 'closest',
  });
  return { data, layout };
}
