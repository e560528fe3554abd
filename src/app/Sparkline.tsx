import type { HistoryPoint } from './runner';

interface SparklineProps {
  points: readonly HistoryPoint[];
  width?: number;
  height?: number;
  /** Log-scale y axis (losses spanning decades); falls back to linear for non-positive values. */
  log?: boolean;
}

/** Evaluation loss against iteration as a small inline SVG polyline. */
export function Sparkline({ points, width = 360, height = 80, log = true }: SparklineProps) {
  const finite = points.filter((p) => Number.isFinite(p.evalLoss));
  if (finite.length < 2) {
    return <svg className="sparkline" width={width} height={height} role="img" aria-label="evaluation loss (not enough points yet)" />;
  }
  const useLog = log && finite.every((p) => p.evalLoss > 0);
  const y = (v: number) => (useLog ? Math.log10(v) : v);
  const xs = finite.map((p) => p.iteration);
  const ys = finite.map((p) => y(p.evalLoss));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const pad = 4;
  const sx = (v: number) => pad + ((v - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const sy = (v: number) => height - pad - ((v - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  const d = finite.map((p, i) => `${sx(p.iteration).toFixed(1)},${sy(ys[i] ?? 0).toFixed(1)}`).join(' ');
  const lastPoint = finite[finite.length - 1];
  return (
    <svg
      className="sparkline"
      data-testid="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`evaluation loss over ${finite.length} records${useLog ? ' (log scale)' : ''}`}
    >
      <polyline points={d} fill="none" stroke="currentColor" strokeWidth={1.5} />
      {lastPoint && <circle cx={sx(lastPoint.iteration)} cy={sy(y(lastPoint.evalLoss))} r={2.5} fill="currentColor" />}
    </svg>
  );
}
