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

/**
 * Viridis, reversed: bright yellow valleys (low loss) to dark violet ridges (high loss).
 * Perceptually uniform and readable in grey and by colour-blind viewers; reversed so the
 * estimators, which live in the valleys, are drawn on the light end where their colours
 * (and white-outlined markers) stand out.
 */
export const LOSS_COLORSCALE: [number, string][] = [
  [0, '#fde725'],
  [0.111, '#b5de2b'],
  [0.222, '#6ece58'],
  [0.333, '#35b779'],
  [0.444, '#1f9e89'],
  [0.556, '#26828e'],
  [0.667, '#31688e'],
  [0.778, '#3e4989'],
  [0.889, '#482878'],
  [1, '#440154'],
];

/** Background behind the heatmap: what shows where an unroll diverged (NaN/∞ loss, no colour; not in Viridis). */
export const DIVERGED_COLOR = '#c2410c';
/** Cells the instant blur leaves blank (its kernel reaches past the plotted range; Monte-Carlo fills them). */
export const BLANK_COLOR = '#d5dae0';

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
  /** The grid drawn as images (gridPixels, contourImageSource); the heatmap trace then only carries the hover values and the colour bar. */
  image: GridImage | null;
  zRange: [number, number];
  scale: ColorScale;
  contours: boolean;
  title: string;
  showColorbar: boolean;
  estimators: readonly LandscapeEstimator[];
  uirevision: string;
}

/** Contour lines drawn over the grid image: levels, colour and width (Plotly's look for ncontours 14). */
export const CONTOURS = { count: 14, color: 'rgba(35, 48, 62, 0.28)', width: 0.7 } as const;

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const SCALE_RGB = LOSS_COLORSCALE.map(([at, c]) => [at, ...hexRgb(c)] as const);

/** RGB of colour coordinate `v` on LOSS_COLORSCALE over [lo, hi], clamped to its ends (as a heatmap's zmin/zmax); null for NaN. */
export function lossColor(v: number, lo: number, hi: number): [number, number, number] | null {
  if (!Number.isFinite(v)) return null;
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0;
  for (let i = 1; i < SCALE_RGB.length; i++) {
    const [a, ar, ag, ab] = SCALE_RGB[i - 1] ?? [0, 0, 0, 0];
    const [b, br, bg, bb] = SCALE_RGB[i] ?? [1, 0, 0, 0];
    if (t <= b || i === SCALE_RGB.length - 1) {
      const f = b > a ? (t - a) / (b - a) : 0;
      return [Math.round(ar + (br - ar) * f), Math.round(ag + (bg - ag) * f), Math.round(ab + (bb - ab) * f)];
    }
  }
  return null;
}

/** `count` contour levels evenly inside (lo, hi). */
export function contourLevels(lo: number, hi: number, count: number = CONTOURS.count): number[] {
  if (!(hi > lo)) return [];
  return Array.from({ length: count }, (_, k) => lo + ((hi - lo) * (k + 1)) / (count + 1));
}

/**
 * Iso-lines of z (z[iy][ix], as from gridOf) at `levels` by marching squares over the cell
 * centres: flat [x0, y0, x1, y1, …] in grid-index coordinates (x = ix, y = iy); cells with
 * a NaN corner draw nothing.
 */
export function contourSegments(z: readonly (readonly number[])[], levels: readonly number[]): number[] {
  const out: number[] = [];
  const ny = z.length;
  const nx = z[0]?.length ?? 0;
  for (let iy = 0; iy + 1 < ny; iy++) {
    const r0 = z[iy] ?? [];
    const r1 = z[iy + 1] ?? [];
    for (let ix = 0; ix + 1 < nx; ix++) {
      // Corners counter-clockwise from (ix, iy).
      const c = [r0[ix] ?? Number.NaN, r0[ix + 1] ?? Number.NaN, r1[ix + 1] ?? Number.NaN, r1[ix] ?? Number.NaN];
      if (!c.every(Number.isFinite)) continue;
      const px = [ix, ix + 1, ix + 1, ix];
      const py = [iy, iy, iy + 1, iy + 1];
      for (const level of levels) {
        const cross: number[] = [];
        for (let e = 0; e < 4; e++) {
          const a = c[e] ?? 0;
          const b = c[(e + 1) % 4] ?? 0;
          if (a < level !== b < level) {
            const f = (level - a) / (b - a);
            const ax = px[e] ?? 0;
            const ay = py[e] ?? 0;
            cross.push(ax + ((px[(e + 1) % 4] ?? 0) - ax) * f, ay + ((py[(e + 1) % 4] ?? 0) - ay) * f);
          }
        }
        // Two crossings: one segment; four (a saddle): two, paired around the cell.
        for (let k = 0; k + 3 < cross.length; k += 4) out.push(cross[k] ?? 0, cross[k + 1] ?? 0, cross[k + 2] ?? 0, cross[k + 3] ?? 0);
      }
    }
  }
  return out;
}

/** The grid drawn under the traces: its cells and, when drawn, its contour lines (data URLs). */
export interface GridImage {
  /** A PNG with one pixel per grid point (gridPixels, encoded by the page). */
  cells: string;
  /** An SVG of the contour lines over the same cells (contourImageSource); null when not drawn. */
  contours: string | null;
}

/**
 * The grid z (from gridOf, colour coordinates) as RGBA pixels, one per grid point, the top
 * row the largest y: LOSS_COLORSCALE over zRange, NaN cells in the diverged colour (those
 * marked in `blank`, left out by the instant blur, in BLANK_COLOR). The
 * page encodes them as a PNG drawn pixelated. Why not an SVG of the cells (as before):
 * Chromium parses and rasterises an SVG image on the main thread (measured 25–55 ms for a
 * 40×40 grid on software rendering, paid at every σ), a 40×40 PNG decodes in well under
 * a millisecond.
 */
export function gridPixels(z: readonly (readonly number[])[], zRange: readonly [number, number], blank?: readonly boolean[]): Uint8ClampedArray {
  const ny = z.length;
  const nx = z[0]?.length ?? 0;
  const out = new Uint8ClampedArray(nx * ny * 4);
  const diverged = hexRgb(DIVERGED_COLOR);
  const gray = hexRgb(BLANK_COLOR);
  for (let iy = 0; iy < ny; iy++) {
    const row = z[iy] ?? [];
    const top = ny - 1 - iy;
    for (let ix = 0; ix < nx; ix++) {
      // `blank` (row-major like the grid's values): NaN cells that did not diverge, drawn neutral.
      const rgb = lossColor(row[ix] ?? Number.NaN, zRange[0], zRange[1]) ?? (blank?.[iy * nx + ix] ? gray : diverged);
      const o = (top * nx + ix) * 4;
      out[o] = rgb[0];
      out[o + 1] = rgb[1];
      out[o + 2] = rgb[2];
      out[o + 3] = 255;
    }
  }
  return out;
}

/**
 * Points the instant blur left blank (its kernel reaches past the plotted range, see
 * src/state/blur.ts) — NaN in the blur where the raw unroll was finite; not divergence.
 */
export function blurBlanks(smoothed: { values: readonly number[]; source: 'blur' | 'monte-carlo' } | null, raw: readonly number[] | null): boolean[] | undefined {
  if (!smoothed || smoothed.source !== 'blur' || !raw) return undefined;
  return smoothed.values.map((v, i) => !Number.isFinite(v) && Number.isFinite(raw[i] ?? Number.NaN));
}

/**
 * Contour segments (contourSegments' flat list) joined into polylines: each segment's ends
 * are shared with its neighbours' (same cell edge), so a path is one move and a run of line
 * commands instead of a move per segment: less path for the browser to parse.
 */
export function contourPolylines(seg: readonly number[]): number[][] {
  const key = (x: number, y: number): string => `${Math.round(x * 1000)},${Math.round(y * 1000)}`;
  const count = Math.floor(seg.length / 4);
  const used = new Uint8Array(count);
  const at = new Map<string, number[]>();
  for (let k = 0; k < count; k++) {
    for (const end of [0, 2]) {
      const id = key(seg[4 * k + end] ?? 0, seg[4 * k + end + 1] ?? 0);
      const list = at.get(id);
      if (list) list.push(k);
      else at.set(id, [k]);
    }
  }
  /** Extends `line` from its last point along unused segments. */
  const extend = (line: number[]): void => {
    for (;;) {
      const x = line[line.length - 2] ?? 0;
      const y = line[line.length - 1] ?? 0;
      const next = (at.get(key(x, y)) ?? []).find((k) => used[k] === 0);
      if (next === undefined) return;
      used[next] = 1;
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = seg.slice(4 * next, 4 * next + 4);
      if (key(x0, y0) === key(x, y)) line.push(x1, y1);
      else line.push(x0, y0);
    }
  };
  const lines: number[][] = [];
  for (let k = 0; k < count; k++) {
    if (used[k]) continue;
    used[k] = 1;
    const forward = seg.slice(4 * k, 4 * k + 4);
    extend(forward);
    // Then backwards from the first point: reverse, extend, and the line is whole.
    const back: number[] = [];
    for (let i = forward.length - 2; i >= 0; i -= 2) back.push(forward[i] ?? 0, forward[i + 1] ?? 0);
    extend(back);
    lines.push(back);
  }
  return lines;
}

/**
 * The contour lines of z as an SVG image data URL over the grid's cells (viewBox 0 0 nx ny,
 * the top row the largest y, like gridPixels): vector lines that stay thin at any plot
 * size. Null when no level crosses the grid.
 */
export function contourImageSource(z: readonly (readonly number[])[], zRange: readonly [number, number]): string | null {
  const ny = z.length;
  const nx = z[0]?.length ?? 0;
  const lines = contourPolylines(contourSegments(z, contourLevels(zRange[0], zRange[1])));
  if (lines.length === 0) return null;
  const q = (v: number): number => Math.round(v * 100) / 100;
  const d = lines.map((line) => {
    const pts: string[] = [];
    for (let i = 0; i + 1 < line.length; i += 2) pts.push(`${q((line[i] ?? 0) + 0.5)} ${q(ny - 0.5 - (line[i + 1] ?? 0))}`);
    return `M${pts.join('L')}`;
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${nx} ${ny}" preserveAspectRatio="none">` +
    `<path d="${d.join('')}" fill="none" stroke="${CONTOURS.color}" stroke-width="${CONTOURS.width}" vector-effect="non-scaling-stroke"/></svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * Where the grid images go (layout.images): covering the cells, whose centres are x and y,
 * below the traces: the cells (drawn pixelated, see app.css) and the contour lines over
 * them. Redrawing the grid for a new σ is then a relayout of these images' sources
 * instead of a replot of the figure.
 */
export function gridImages(x: readonly number[], y: readonly number[], image: GridImage): Record<string, unknown>[] {
  const dx = x.length > 1 ? ((x[x.length - 1] ?? 0) - (x[0] ?? 0)) / (x.length - 1) : 1;
  const dy = y.length > 1 ? ((y[y.length - 1] ?? 0) - (y[0] ?? 0)) / (y.length - 1) : 1;
  // Plotly keys the images of a subplot by their placement, so two images in exactly the
  // same place would be drawn as one: the contour image is wider by a part in 10^9.
  const place = (source: string, name: string, widen = 1): Record<string, unknown> => ({
    source,
    name,
    xref: 'x',
    yref: 'y',
    x: (x[0] ?? 0) - dx / 2,
    y: (y[y.length - 1] ?? 0) + dy / 2,
    sizex: dx * x.length * widen,
    sizey: dy * y.length,
    xanchor: 'left',
    yanchor: 'top',
    sizing: 'stretch',
    layer: 'below',
  });
  // Always both entries (an empty contour image when none): a relayout then has fixed paths.
  return [place(image.cells, 'grid-cells'), place(image.contours ?? EMPTY_IMAGE, 'grid-contours', 1 + 1e-9)];
}

/** A transparent 1×1 GIF: the contour image when there are no contour lines. */
export const EMPTY_IMAGE = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

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
      // Drawn by the grid image below; the trace stays for the hover values and the colour bar.
      ...(input.image ? { opacity: 0 } : {}),
      colorscale: LOSS_COLORSCALE,
      showscale: input.showColorbar,
      colorbar: input.showColorbar
        ? { title: { text: scale === 'log' ? 'log₁₀ L' : 'L', side: 'right' }, thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 10 } }
        : undefined,
      hovertemplate: `${n0} = %{x:.3f}<br>${n1} = %{y:.3f}<br>${input.title} = %{text}<extra></extra>`,
    });
  }
  if (hasGrid && input.contours && !input.image) {
    data.push({
      type: 'contour',
      x,
      y,
      z: grid.z,
      zmin: zRange[0],
      zmax: zRange[1],
      autocontour: true,
      ncontours: CONTOURS.count,
      contours: { coloring: 'none' },
      line: { color: CONTOURS.color, width: CONTOURS.width, smoothing: 0.6 },
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
    xaxis: axis(n0, { range: rangeFollowing(xlo - dx / 2, xhi + dx / 2, estimatorCoordinates(estimators, 0)), showgrid: false, zeroline: false, fixedrange: false }),
    yaxis: axis(n1, { range: rangeFollowing(ylo - dy / 2, yhi + dy / 2, estimatorCoordinates(estimators, 1)), showgrid: false, zeroline: false }),
    annotations,
    images: hasGrid && input.image ? gridImages(x, y, input.image) : [],
    uirevision: input.uirevision,
    hovermode: 'closest',
    plot_bgcolor: hasGrid ? DIVERGED_COLOR : '#ffffff',
  });
  return { data, layout };
}

/**
 * The axis range [lo, hi] widened to take in `values` (estimators' θ and trails), with a
 * margin of 5 % of the widened span on a side that grew: the axes follow the estimators
 * where they leave the computed landscape (influence balancing's TES drifts to θ ≈ 1.6,
 * past the surface's [−1, 1]), instead of losing them off the edge.
 */
export function rangeFollowing(lo: number, hi: number, values: Iterable<number>): [number, number] {
  let a = lo;
  let b = hi;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < a) a = v;
    if (v > b) b = v;
  }
  const margin = 0.05 * (b - a);
  return [a < lo ? a - margin : lo, b > hi ? b + margin : hi];
}

/** Coordinate `k` of every estimator's θ and trail. */
function estimatorCoordinates(estimators: readonly LandscapeEstimator[], k: number): number[] {
  const out: number[] = [];
  for (const e of estimators) {
    out.push(e.theta[k] ?? Number.NaN);
    for (const p of e.trail) out.push(p[k] ?? Number.NaN);
  }
  return out;
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
  const xRange = rangeFollowing(lo, hi, estimatorCoordinates(estimators, 0));
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
    const label = smoothed.source === 'blur' ? `L_σ (blur, σ = ${fmt(smoothed.sigma, 3)})` : `L_σ (${smoothed.samples} sample${smoothed.samples === 1 ? '' : 's'}, σ = ${fmt(smoothed.sigma, 3)})`;
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
  // The loss axis follows the estimators too (off the computed range their loss can exceed the curve's).
  visible.push(...finite(estimatorCoordinates(estimators, 1).concat(estimators.map((e) => e.evalLoss))));
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
    xaxis: axis(name, { range: xRange }),
    yaxis: axis('loss', { range: yRange, type: input.scale === 'log' ? 'log' : 'linear' }),
    annotations,
    shapes,
    uirevision: input.uirevision,
    hovermode: 'closest',
  });
  return { data, layout };
}
