/**
 * Where on a drawn Plotly plot a pointer is, in data coordinates: what a click on the
 * landscape means as θ₀ (Distill's momentum article lets readers drag the starting point
 * the same way). Reads the axes Plotly laid out (offset and length in pixels, and its own
 * pixel → data conversion), so it is right at any size and zoom.
 */

/** The part of a Plotly axis this needs (Plotly's internal, stable since v1). */
export interface LaidOutAxis {
  _offset: number;
  _length: number;
  p2l(px: number): number;
}

/** A plot element as Plotly leaves it after drawing. */
export interface DrawnPlot {
  _fullLayout?: { xaxis?: LaidOutAxis; yaxis?: LaidOutAxis };
}

/**
 * The data point under (px, py), pixels from the plot element's top-left corner: [x] or
 * [x, y] (`dims` coordinates), or null outside the plotting area or before a drawing.
 */
export function dataPointAt(plot: DrawnPlot, px: number, py: number, dims: 1 | 2): number[] | null {
  const xa = plot._fullLayout?.xaxis;
  const ya = plot._fullLayout?.yaxis;
  if (!xa || !ya) return null;
  const ax = px - xa._offset;
  const ay = py - ya._offset;
  if (ax < 0 || ax > xa._length || ay < 0 || ay > ya._length) return null;
  const x = xa.p2l(ax);
  if (dims === 1) return Number.isFinite(x) ? [x] : null;
  const y = ya.p2l(ay);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

/** A clicked coordinate rounded to 3 significant digits of the axis span: a short link, no false precision. */
export function roundToSpan(v: number, span: number): number {
  if (!(span > 0)) return v;
  const step = 10 ** Math.floor(Math.log10(span / 1000));
  return Number((Math.round(v / step) * step).toPrecision(12));
}
