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

/**
 * Appends `points` to a series recorded at every update, keeping at most `cap` points:
 * the latest `dense` points are kept as they are (the recent past at full detail, so a
 * curve or trail being drawn stays smooth), and whenever the series fills up the older
 * part is halved (its first and last points kept). A stretch of history is halved once
 * for every time the series filled since it left the recent window, so the older it is
 * the sparser it gets — geometrically — while the first point of the run always stays.
 */
export function appendDecimated<T>(series: readonly T[], points: readonly T[], cap: number, dense = Math.floor(cap / 2)): T[] {
  // With at most cap − 3 points kept dense, the older part has at least 4 points when the
  // series overflows, so halving it always makes room.
  const keep = Math.max(1, Math.min(dense, cap - 3));
  let next = [...series];
  for (const p of points) {
    next.push(p);
    if (next.length > cap) {
      const split = next.length - keep;
      next = [...thinHalf(next.slice(0, split)), ...next.slice(split)];
    }
  }
  return next;
}
