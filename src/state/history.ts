/**
 * Bounded histories for the curves. A run can last a million updates; the page keeps at
 * most `cap` points per series. When a series fills up, every other point is dropped
 * (the first and the latest are always kept), so old stretches get sparser while the
 * recent past stays detailed — and memory stays bounded however long the run.
 */
export function appendBounded<T>(series: readonly T[], point: T, cap: number): T[] {
  const next = [...series, point];
  if (next.length <= cap) return next;
  return thinHalf(next);
}

/** Keeps the even-indexed points plus the last one. */
export function thinHalf<T>(series: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < series.length; i += 2) out.push(series[i] as T);
  const last = series[series.length - 1];
  if (series.length % 2 === 0 && last !== undefined) out.push(last);
  return out;
}
