import type { EstimatorId } from '../core/config';

/**
 * One colour per estimator, the same in every plot and control. Chosen to stay apart
 * from each other and to read on the light-to-slate loss colour scale of the landscape.
 */
export const ESTIMATOR_COLORS: Readonly<Record<EstimatorId, string>> = {
  'full-es': '#8c564b',
  tes: '#f28e2b',
  pes: '#1f77b4',
  nres: '#2ca02c',
  gpes: '#9467bd',
  tbptt: '#d62728',
  bptt: '#e377c2',
};

/** `color` with an alpha, for particle clouds and error bands. */
export function withAlpha(color: string, alpha: number): string {
  const hex = color.replace('#', '');
  const r = parseInt(hex.slice(0, 2), 16);
  const g = parseInt(hex.slice(2, 4), 16);
  const b = parseInt(hex.slice(4, 6), 16);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
