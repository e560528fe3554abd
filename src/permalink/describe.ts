import type { EstimatorId } from '../core/config';
import type { PlaygroundConfig } from '../core/playground-config';
import type { SigmaSchedule } from '../core/sigma-schedule';
import { formatNumber } from './text';
import type { PinnedPoint } from './types';

const SHORT_NAMES: Readonly<Record<EstimatorId, string>> = {
  'full-es': 'Full ES',
  tes: 'TES',
  pes: 'PES',
  nres: 'NRES',
  gpes: 'GPES',
  tbptt: 'TBPTT',
  bptt: 'BPTT',
};

const n = (x: number): string => (x === Infinity ? '∞' : formatNumber(x));

function describeSigma(s: SigmaSchedule): string {
  switch (s.kind) {
    case 'constant':
      return `σ=${n(s.sigma0)}`;
    case 'exponential':
      return `σ=${n(s.sigma0)}·${n(s.gamma)}^k`;
    case 'linear':
      return `σ=${n(s.sigma0)}→${n(s.sigma1)} linear over ${n(s.steps)}`;
    case 'cosine':
      return `σ=${n(s.sigma0)}→${n(s.sigma1)} cosine over ${n(s.steps)}`;
    case 'step':
      return `σ=${n(s.sigma0)}·${n(s.gamma)}^⌊k/${n(s.steps)}⌋`;
  }
}

/**
 * One line for "copy as Markdown" and titles, e.g.
 * "PES vs NRES on lr-schedule (N=50, K=10, T=100, σ=0.3, adam lr=0.01, seed 1)".
 */
export function describeConfig(config: PlaygroundConfig, pin?: PinnedPoint): string {
  const c = config;
  const names = c.estimators.map((id) => (id === 'gpes' ? `GPES(R=${n(c.R)})` : (SHORT_NAMES[id] ?? String(id))));
  const details = [`N=${n(c.pairs)}`, `K=${n(c.K)}`, `T=${n(c.T)}`, describeSigma(c.sigma), `${c.optimizer} lr=${n(c.lr)}${c.optimizer === 'adam' && (c.adam.beta1 !== 0.9 || c.adam.beta2 !== 0.999) ? ` β=${n(c.adam.beta1)},${n(c.adam.beta2)}` : ''}`, `seed ${n(c.seed)}`];
  if (c.theta0 !== null) details.push(`θ₀=(${c.theta0.map(n).join(', ')})`);
  const at = pin && pin.iteration > 0 ? ` at iteration ${n(pin.iteration)}` : '';
  return `${names.join(' vs ')} on ${c.task} (${details.join(', ')})${at}`;
}

/** `[description](url)`, with Markdown-special characters of both parts escaped. */
export function markdownLink(url: string, config: PlaygroundConfig, pin?: PinnedPoint): string {
  const text = describeConfig(config, pin).replace(/[\\[\]*_`<>]/g, (ch) => `\\${ch}`);
  const href = url.replace(/[\s()<>]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${text}](${href})`;
}
