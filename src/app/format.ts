/** Compact number formatting for the readouts. */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

export function formatVector(v: readonly number[], digits = 4): string {
  return `[${v.map((x) => formatNumber(x, digits)).join(', ')}]`;
}
