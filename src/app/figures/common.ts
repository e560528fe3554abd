import type { PlotLayout } from 'plotly.js-cartesian-dist-min';

/** Shared look of every plot: compact margins, the page's font, a quiet grid. */
export function baseLayout(overrides: PlotLayout = {}): PlotLayout {
  return {
    margin: { l: 56, r: 16, t: 28, b: 44 },
    font: { family: 'Inter, system-ui, -apple-system, "Segoe UI", sans-serif', size: 11, color: '#27313b' },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: '#ffffff',
    hoverlabel: { font: { size: 11 } },
    showlegend: false,
    // Constant: keeps the user's zoom and hover state across updates.
    uirevision: 'keep',
    ...overrides,
  };
}

export function axis(title: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, standoff: 6 },
    gridcolor: '#e8ecf0',
    zerolinecolor: '#cfd6dd',
    linecolor: '#b8c2cc',
    ticks: 'outside',
    ticklen: 3,
    automargin: true,
    ...overrides,
  };
}

/** A short number for hover text and readouts. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 2));
  return Number(v.toPrecision(digits)).toString();
}

/** Finite values only. */
export function finite(values: Iterable<number>): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out;
}

/** The q-quantile of finite values (q in [0, 1]); NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const v = finite(values).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const pos = Math.min(v.length - 1, Math.max(0, q * (v.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (v[lo] ?? 0) + ((v[hi] ?? 0) - (v[lo] ?? 0)) * (pos - lo);
}
