/** Scales of the worker timeline (components/WorkerTimelinePanel.tsx). */
import type { WorkerTimeline } from '../../core/estimators/timeline';

/**
 * The x-range (the episode, or on a task that never resets the furthest worker) and the
 * colour range of a timeline: draws summed from 1 up to the J = T/K a PES worker reaches by
 * its episode's end (at least 2, so one draw is always the light end).
 */
export function timelineScale(tl: WorkerTimeline): { xMax: number; vMax: number; vMaxLabel: string } {
  const xMax = Number.isFinite(tl.T) ? tl.T : Math.max(tl.K, ...tl.t);
  const J = Number.isFinite(tl.T) ? Math.ceil(tl.T / tl.K) : Math.ceil(xMax / tl.K);
  const d2 = (tl.weight ?? []).filter((w) => Number.isFinite(w));
  const vMax = Math.max(2, Math.min(J, 64));
  return { xMax, vMax, vMaxLabel: d2.length > 0 ? `${vMax}` : '—' };
}

/** Colour for a weight of `d2` = ‖ξ + ε/σ‖² … scaled by `perDraw` (d): light blue at one draw, dark purple at `vMax`. */
export function weightColor(d2: number, vMax: number, perDraw = 1): string {
  const draws = d2 / perDraw;
  const u = Math.min(1, Math.max(0, (draws - 1) / Math.max(1, vMax - 1)));
  // From #9ecae1 (one draw) to #3f007d (many): a sequential ramp, legible at any size.
  const lerp = (a: number, b: number): number => Math.round(a + (b - a) * u);
  return `rgb(${lerp(158, 63)}, ${lerp(202, 0)}, ${lerp(225, 125)})`;
}
