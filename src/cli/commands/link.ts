/**
 * `--link URL`: a playground permalink as the command's configuration. The link is read
 * by the same codec as the page (src/permalink: validated, clamped, never throws); its
 * fields become option values for the options the command takes, and options given on
 * the command line override them. A link that cannot be read is a usage error (exit 2);
 * one that needed repairs runs, with a note on stderr saying what was fixed.
 */
import type { EstimatorId } from '../../core/config';
import type { PlaygroundConfig } from '../../core/playground-config';
import type { SigmaSchedule } from '../../core/sigma-schedule';
import { createTask } from '../../core/tasks/index';
import { decodePermalink } from '../../permalink/index';
import { truncationChoices } from '../../state/validation';
import { COMMANDS, UsageError } from '../args';
import type { CommandName, LinkedExperiment, OptionName, OptionValue } from '../args';
import { HORIZON_FACTORIES, progress } from './common';
import { gpesPeriodFits } from './variance';

/** Deterministic estimators: the variance figure skips them, as the playground does (cli.test checks this list). */
export const AUTODIFF_ESTIMATORS: readonly EstimatorId[] = ['tbptt', 'bptt'];

/** Decodes `--link`; a link it cannot read stops the command with one line (exit 2). */
export function readLink(url: string): LinkedExperiment {
  const decoded = decodePermalink(url);
  if (!decoded.ok) throw new UsageError(`--link: ${decoded.problem}`);
  if (decoded.warnings.length > 0) progress(`note: --link needed fixing: ${decoded.warnings.join(' ')}`);
  return decoded.pin ? { config: decoded.config, pin: decoded.pin } : { config: decoded.config };
}

/** `--sigma-schedule` text of a schedule (σ₀ goes to `--sigma`). */
export function scheduleOption(s: SigmaSchedule): string {
  switch (s.kind) {
    case 'constant':
      return 'constant';
    case 'exponential':
      return `exponential:${s.gamma}`;
    case 'linear':
    case 'cosine':
      return `${s.kind}:${s.sigma1}:${s.steps}`;
    case 'step':
      return `step:${s.gamma}:${s.steps}`;
  }
}

/**
 * The option values a linked experiment gives `command` (only options it accepts). For
 * `train` (one estimator) the estimator is `chosen` (an explicit --estimator) or the
 * link's first.
 */
export function linkValues(command: CommandName, linked: LinkedExperiment, chosen?: string): Partial<Record<OptionName, OptionValue>> {
  const c: PlaygroundConfig = linked.config;
  const task = createTask(c.task);
  const theta = c.theta0 ? [...c.theta0] : [...task.meta.theta0];
  const estimator = chosen ?? c.estimators[0] ?? 'pes';
  const all: Partial<Record<OptionName, OptionValue>> = {
    task: c.task,
    theta,
    pairs: c.pairs,
    K: c.K,
    sigma: c.sigma.sigma0,
    'sigma-schedule': scheduleOption(c.sigma),
    optimizer: c.optimizer,
    lr: c.lr,
    seed: c.seed,
    workers: c.workers,
    protocol: c.view.varianceProtocol,
  };
  if (c.burnIn) all['burn-in'] = true;
  switch (command) {
    case 'train': {
      all.estimator = estimator;
      all.T = c.T;
      // The playground carries R and rank shaping for every experiment; train takes them only where they apply.
      if (estimator === 'gpes') all.R = c.R;
      if (c.rankShaping && estimator === 'full-es') all['rank-shaping'] = true;
      if (c.optimizer === 'adam') {
        all.beta1 = c.adam.beta1;
        all.beta2 = c.adam.beta2;
      }
      const iters = linked.pin ? linked.pin.iteration : c.stop.kind === 'iterations' ? c.stop.value : undefined;
      if (iters !== undefined) all.iters = iters;
      break;
    }
    case 'loss':
      // loss takes a horizon only for tasks whose factory has one, and only when it differs from the task's own.
      if (c.T !== task.meta.defaults.T && Number.isFinite(c.T) && c.task in HORIZON_FACTORIES) all.T = c.T;
      break;
    case 'variance': {
      const estimators = c.estimators.filter((e) => !AUTODIFF_ESTIMATORS.includes(e));
      all.estimators = estimators;
      const T = task.meta.defaults.T;
      // The playground's variance figure: the divisors of the task's own horizon (for gpes,
      // those where it can resample every R steps: see linkNotes).
      const gpes = estimators.includes('gpes');
      if (gpes) all.R = c.R;
      if (Number.isFinite(T)) all.truncations = truncationChoices(T).filter((J) => !gpes || gpesPeriodFits(T, J, c.R));
      break;
    }
    default:
      break;
  }
  const accepted = new Set<OptionName>(COMMANDS[command].options);
  const out: Partial<Record<OptionName, OptionValue>> = {};
  for (const [name, value] of Object.entries(all) as [OptionName, OptionValue][]) if (accepted.has(name)) out[name] = value;
  return out;
}

/** Notes for what a command does not take from the link (stderr). */
export function linkNotes(command: CommandName, linked: LinkedExperiment, explicit: Partial<Record<OptionName, OptionValue>>): string[] {
  const c = linked.config;
  const notes: string[] = [];
  if (command === 'train') {
    if (explicit.estimator === undefined && c.estimators.length > 1) {
      notes.push(`note: the link compares ${c.estimators.join(', ')}; training ${c.estimators[0]} (choose another with --estimator)`);
    }
    if ((linked.pin?.history?.length ?? 0) > 0) {
      notes.push(`note: the link's run changed σ or the learning rate mid-run (hist=); train uses the link's final values throughout`);
    }
  }
  if (command === 'variance') {
    const skipped = c.estimators.filter((e) => AUTODIFF_ESTIMATORS.includes(e));
    if (skipped.length > 0 && explicit.estimators === undefined) notes.push(`note: skipping ${skipped.join(', ')} (autodiff: deterministic, zero variance)`);
    const T = createTask(c.task).meta.defaults.T;
    if (c.estimators.includes('gpes') && explicit.R === undefined && Number.isFinite(T)) {
      const dropped = truncationChoices(T).filter((J) => !gpesPeriodFits(T, J, c.R));
      notes.push(
        `note: gpes resamples every R = ${c.R} inner steps at every J (the playground's figure keeps R/K = ${Math.max(1, Math.round(c.R / c.K))} truncations instead)` +
          (explicit.truncations === undefined && dropped.length > 0 ? `; skipping J = ${dropped.join(', ')} (K = T/J does not divide R)` : ''),
      );
    }
  }
  return notes;
}
