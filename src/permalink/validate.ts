/**
 * The schema of a PlaygroundConfig and the one validator both decoders (link, JSON file)
 * share. It reads raw, untrusted values through a `FieldSource`, never throws, and builds
 * a fresh config field by field: a missing or invalid field falls back to the task's
 * default, a number out of range is clamped, each with a human-readable warning.
 *
 * Decoded strings are only ever compared against the known ids below; what ends up in
 * the config is always one of our own constants, never the input string.
 */
import type { EstimatorId, SigmaChangePolicy, TaskId, WorkerMode } from '../core/config';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { LIMITS, defaultPlaygroundConfig } from '../core/playground-config';
import type { PlaygroundConfig, StopCondition, ViewOptions } from '../core/playground-config';
import { SIGMA_SCHEDULE_KINDS } from '../core/sigma-schedule';
import type { SigmaSchedule, SigmaScheduleKind } from '../core/sigma-schedule';
import type { AdamBetas } from '../core/optimizers';
import type { OptimizerName } from '../core/task';
import { TASK_IDS, createTask } from '../core/tasks/index';
import { formatNumber, show, showList } from './text';
import { PERMALINK_LIMITS } from './types';
import type { SettingsChange } from './types';

export const CONFIG_FIELDS = [
  'task',
  'estimators',
  'pairs',
  'T',
  'K',
  'R',
  'workers',
  'burnIn',
  'rankShaping',
  'sigmaChange',
  'sigma',
  'optimizer',
  'adam',
  'lr',
  'seed',
  'stop',
  'theta0',
  'view',
] as const satisfies readonly (keyof PlaygroundConfig)[];
export type ConfigField = (typeof CONFIG_FIELDS)[number];

// Compile-time check that CONFIG_FIELDS lists every field of PlaygroundConfig.
type MissingField = Exclude<keyof PlaygroundConfig, ConfigField>;
const fieldsComplete: MissingField extends never ? true : never = true;
void fieldsComplete;

export const WORKER_MODES: readonly WorkerMode[] = ['lockstep', 'unlocked'];
export const SIGMA_CHANGE_POLICIES: readonly SigmaChangePolicy[] = ['next-episode', 'rescale'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adam'];
export const STOP_KINDS: readonly StopCondition['kind'][] = ['iterations', 'loss', 'none'];
export const SURFACES: readonly ViewOptions['surface'][] = ['raw', 'smoothed', 'both'];
export const CURVES_X: readonly ViewOptions['curvesX'][] = ['iteration', 'innerSteps', 'wallTime'];
export const VARIANCE_PROTOCOLS: readonly ViewOptions['varianceProtocol'][] = ['episode', 'update'];
export const VIEW_FIELDS = ['surface', 'curvesX', 'logY', 'varianceProtocol', 'speed'] as const satisfies readonly (keyof ViewOptions)[];

/** Parameters each σ schedule kind takes, in link order. */
export const SCHEDULE_PARAMS: Readonly<Record<SigmaScheduleKind, readonly ('sigma0' | 'sigma1' | 'gamma' | 'steps')[]>> = {
  constant: ['sigma0'],
  exponential: ['sigma0', 'gamma'],
  linear: ['sigma0', 'sigma1', 'steps'],
  cosine: ['sigma0', 'sigma1', 'steps'],
  step: ['sigma0', 'gamma', 'steps'],
};

/** Where the validator reads raw values from, and how it names fields in messages. */
export interface FieldSource {
  /** Raw value of a top-level field; undefined when absent. */
  get(field: ConfigField): unknown;
  /** Name of a field path ('pairs', 'sigma.gamma', 'view.speed') as the user sees it. */
  label(path: string): string;
}

export type Rec = { readonly [key: string]: unknown };

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property only: never reaches Object.prototype (`constructor`, `__proto__`, …). */
export function ownField(o: Rec, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

export function isOneOf<T extends string>(v: unknown, options: readonly T[]): v is T {
  return typeof v === 'string' && (options as readonly string[]).includes(v);
}

interface Range {
  readonly min: number;
  readonly max: number;
}

/** Warnings collector plus the field readers. */
class Checker {
  readonly warnings: string[] = [];
  constructor(private readonly source: FieldSource) {}

  label(path: string): string {
    return this.source.label(path);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  missing(path: string, fallback: string): void {
    this.warn(`${this.label(path)} is missing; using ${fallback}.`);
  }

  invalid(path: string, v: unknown, why: string, fallback: string): void {
    this.warn(`${this.label(path)} = ${show(v)} ${why}; using ${fallback}.`);
  }

  /** A number in [min, max] (an integer when `integer`), else the default. */
  number(path: string, v: unknown, range: Range, integer: boolean, def: number, defNote = 'the default'): number {
    const fallback = `${formatNumber(def)} (${defNote})`;
    if (v === undefined) {
      this.missing(path, fallback);
      return def;
    }
    if (typeof v !== 'number' || Number.isNaN(v)) {
      this.invalid(path, v, 'is not a number', fallback);
      return def;
    }
    if (!Number.isFinite(v)) {
      this.invalid(path, v, 'is not a finite number', fallback);
      return def;
    }
    let x = v;
    if (integer && !Number.isInteger(x)) {
      x = Math.round(x);
      this.warn(`${this.label(path)} = ${formatNumber(v)} is not a whole number; rounded to ${formatNumber(x)}.`);
    }
    if (x < range.min) {
      this.warn(`${this.label(path)} = ${formatNumber(x)} is below the minimum ${formatNumber(range.min)}; clamped to ${formatNumber(range.min)}.`);
      return range.min;
    }
    if (x > range.max) {
      this.warn(`${this.label(path)} = ${formatNumber(x)} is above the maximum ${formatNumber(range.max)}; clamped to ${formatNumber(range.max)}.`);
      return range.max;
    }
    return x === 0 && integer ? 0 : x; // integers: no -0
  }

  oneOf<T extends string>(path: string, v: unknown, options: readonly T[], def: T, defNote = 'the default'): T {
    if (isOneOf(v, options)) return v;
    const fallback = `${def} (${defNote})`;
    if (v === undefined) this.missing(path, fallback);
    else this.invalid(path, v, `is not one of ${options.join(', ')}`, fallback);
    return def;
  }

  bool(path: string, v: unknown, def: boolean): boolean {
    if (typeof v === 'boolean') return v;
    const fallback = `${def ? 'on' : 'off'} (the default)`;
    if (v === undefined) this.missing(path, fallback);
    else this.invalid(path, v, 'is not on/off (1 or 0 in a link, true or false in a file)', fallback);
    return def;
  }

  /** Warns about keys of a nested object that the schema does not know. */
  extraKeys(path: string, o: Rec, known: readonly string[]): void {
    const extra = Object.keys(o).filter((k) => !known.includes(k));
    if (extra.length > 0) this.warn(`${this.label(path)}: ignored unknown ${extra.length === 1 ? 'field' : 'fields'} ${showList(extra)}.`);
  }
}

/** Divisor of n nearest to k (ties: the smaller one). n ≤ LIMITS.T.max, so a scan is cheap. */
export function nearestDivisor(n: number, k: number): number {
  let best = 1;
  for (let d = 1; d <= n; d++) {
    if (n % d === 0 && Math.abs(d - k) < Math.abs(best - k)) best = d;
  }
  return best;
}

export interface Validated {
  config: PlaygroundConfig;
  warnings: string[];
  /** How many top-level fields were present at all (0: nothing recognizable). */
  present: number;
}

/** Whether the task's episodes never end (T = ∞ is its default). */
export function taskNeverResets(task: TaskId): boolean {
  return !Number.isFinite(createTask(task).meta.defaults.T);
}

export function taskDimension(task: TaskId): number {
  return createTask(task).meta.theta0.length;
}

export function validateConfig(source: FieldSource): Validated {
  const c = new Checker(source);
  const present = CONFIG_FIELDS.filter((f) => source.get(f) !== undefined).length;

  const task = c.oneOf('task', source.get('task'), TASK_IDS, 'lr-schedule');
  const meta = createTask(task).meta;
  const d = defaultPlaygroundConfig(task);
  const taskDefault = `the ${task} default`;

  const estimators = readEstimators(c, source.get('estimators'), d.estimators);
  const pairs = c.number('pairs', source.get('pairs'), LIMITS.pairs, true, d.pairs, taskDefault);

  // Episode horizon: T = ∞ only for tasks that never reset; any of them may also be given
  // a finite T.
  const rawT = source.get('T');
  let T: number;
  if (rawT === Infinity && Number.isFinite(d.T)) {
    c.invalid('T', rawT, `is only for tasks that never reset, and ${task} has episodes`, `${formatNumber(d.T)} (${taskDefault})`);
    T = d.T;
  } else if (rawT === Infinity || (rawT === undefined && !Number.isFinite(d.T))) {
    if (rawT === undefined) c.missing('T', `∞ (${taskDefault})`);
    T = Infinity;
  } else {
    T = c.number('T', rawT, LIMITS.T, true, d.T, taskDefault);
    if (meta.fixedHorizon && T !== d.T) {
      c.invalid('T', rawT, `is fixed at ${formatNumber(d.T)} for ${task} (its learning-rate schedule is built for that horizon)`, formatNumber(d.T));
      T = d.T;
    }
  }

  let K = c.number('K', source.get('K'), LIMITS.K, true, d.K, taskDefault);
  if (Number.isFinite(T) && T % K !== 0) {
    const fixed = nearestDivisor(T, K);
    c.warn(`${c.label('K')} = ${K} does not divide ${c.label('T')} = ${T}; using ${fixed}, the nearest divisor of T.`);
    K = fixed;
  }

  const rawR = source.get('R');
  let R: number;
  if (rawR === undefined) {
    c.missing('R', `${K} (= K)`);
    R = K;
  } else {
    R = c.number('R', rawR, PERMALINK_LIMITS.R, true, K, '= K');
    const maxR = Math.floor(PERMALINK_LIMITS.R.max / K) * K;
    const fixed = Math.min(maxR, Math.max(K, Math.round(R / K) * K));
    if (fixed !== R) {
      c.warn(`${c.label('R')} = ${R} is not a positive multiple of ${c.label('K')} = ${K}; using ${fixed}, the nearest multiple.`);
      R = fixed;
    }
  }

  const workers = c.oneOf('workers', source.get('workers'), WORKER_MODES, d.workers);
  const burnIn = c.bool('burnIn', source.get('burnIn'), d.burnIn);
  const rankShaping = c.bool('rankShaping', source.get('rankShaping'), d.rankShaping);
  const sigmaChange = c.oneOf('sigmaChange', source.get('sigmaChange'), SIGMA_CHANGE_POLICIES, d.sigmaChange);
  const iterationsDefault = meta.defaults.iterations;
  const sigma = readSigma(c, source.get('sigma'), meta.defaults.sigma, iterationsDefault, taskDefault);
  const optimizer = c.oneOf('optimizer', source.get('optimizer'), OPTIMIZERS, d.optimizer, taskDefault);
  const adam = readAdam(c, source.get('adam'), d.adam);
  const lr = c.number('lr', source.get('lr'), LIMITS.lr, false, d.lr, taskDefault);
  const seed = c.number('seed', source.get('seed'), LIMITS.seed, true, d.seed);
  const stop = readStop(c, source.get('stop'), d.stop, taskDefault);
  const theta0 = readTheta0(c, source.get('theta0'), meta.theta0, task);
  const view = readView(c, source.get('view'), d.view);

  const config: PlaygroundConfig = {
    task,
    estimators,
    pairs,
    T,
    K,
    R,
    workers,
    burnIn,
    rankShaping,
    sigmaChange,
    sigma,
    optimizer,
    adam,
    lr,
    seed,
    stop,
    theta0,
    view,
  };
  return { config, warnings: c.warnings, present };
}

/**
 * Adam's β₁, β₂: optional (links and files from before they existed take the defaults
 * without a warning); each clamped to [0, 0.999999].
 */
function readAdam(c: Checker, v: unknown, def: AdamBetas): AdamBetas {
  if (v === undefined) return { ...def };
  if (!isRecord(v)) {
    c.invalid('adam', v, 'is not a pair of numbers β₁,β₂', `${formatNumber(def.beta1)}, ${formatNumber(def.beta2)} (the default)`);
    return { ...def };
  }
  c.extraKeys('adam', v, ['beta1', 'beta2']);
  return {
    beta1: c.number('adam.beta1', ownField(v, 'beta1'), LIMITS.adamBeta, false, def.beta1),
    beta2: c.number('adam.beta2', ownField(v, 'beta2'), LIMITS.adamBeta, false, def.beta2),
  };
}

function readEstimators(c: Checker, v: unknown, def: EstimatorId[]): EstimatorId[] {
  const fallback = `${def.join(', ')} (the default)`;
  if (v === undefined) {
    c.missing('estimators', fallback);
    return [...def];
  }
  if (!Array.isArray(v)) {
    c.invalid('estimators', v, 'is not a list of estimator ids', fallback);
    return [...def];
  }
  if (v.length > PERMALINK_LIMITS.listLength.max) {
    c.warn(`${c.label('estimators')} has ${v.length} entries, far more than the ${ESTIMATOR_IDS.length} estimators there are; using ${fallback}.`);
    return [...def];
  }
  const kept: EstimatorId[] = [];
  const unknown: unknown[] = [];
  const repeated: EstimatorId[] = [];
  for (const item of v as unknown[]) {
    const id = ESTIMATOR_IDS.find((known) => known === item);
    if (id === undefined) unknown.push(item);
    else if (kept.includes(id)) repeated.push(id);
    else kept.push(id);
  }
  if (unknown.length > 0) {
    c.warn(
      `${c.label('estimators')}: dropped unknown ${unknown.length === 1 ? 'estimator' : 'estimators'} ${showList(unknown)} ` +
        `(known: ${ESTIMATOR_IDS.join(', ')}).`,
    );
  }
  if (repeated.length > 0) c.warn(`${c.label('estimators')}: dropped repeated ${showList(repeated)}.`);
  if (kept.length > LIMITS.estimators.max) {
    c.warn(`${c.label('estimators')}: at most ${LIMITS.estimators.max} estimators; dropped ${showList(kept.slice(LIMITS.estimators.max))}.`);
    kept.length = LIMITS.estimators.max;
  }
  if (kept.length === 0) {
    if (v.length === 0) c.warn(`${c.label('estimators')} is empty; using ${fallback}.`);
    else c.warn(`${c.label('estimators')}: no known estimator left; using ${fallback}.`);
    return [...def];
  }
  return kept;
}

function readSigma(c: Checker, v: unknown, sigmaDefault: number, stepsDefault: number, taskDefault: string): SigmaSchedule {
  const def: SigmaSchedule = { kind: 'constant', sigma0: sigmaDefault };
  const fallback = `constant σ = ${formatNumber(sigmaDefault)} (${taskDefault})`;
  if (v === undefined) {
    c.missing('sigma', fallback);
    return def;
  }
  if (!isRecord(v)) {
    c.invalid('sigma', v, 'is not a σ schedule', fallback);
    return def;
  }
  const kind = ownField(v, 'kind');
  if (!isOneOf(kind, SIGMA_SCHEDULE_KINDS)) {
    if (kind === undefined) c.missing('sigma.kind', fallback);
    else c.invalid('sigma.kind', kind, `is not a σ schedule (${SIGMA_SCHEDULE_KINDS.join(', ')})`, fallback);
    return def;
  }
  c.extraKeys('sigma', v, ['kind', ...SCHEDULE_PARAMS[kind]]);
  const sigma0 = c.number('sigma.sigma0', ownField(v, 'sigma0'), LIMITS.sigma, false, sigmaDefault, taskDefault);
  const sigma1 = (): number => {
    const d = Math.min(LIMITS.sigma.max, Math.max(LIMITS.sigma.min, sigma0 / 10));
    return c.number('sigma.sigma1', ownField(v, 'sigma1'), LIMITS.sigma, false, d, 'σ₀/10');
  };
  const gamma = (d: number): number => c.number('sigma.gamma', ownField(v, 'gamma'), PERMALINK_LIMITS.gamma, false, d);
  const steps = (): number =>
    c.number('sigma.steps', ownField(v, 'steps'), PERMALINK_LIMITS.scheduleSteps, true, stepsDefault, 'the task’s default iterations');
  switch (kind) {
    case 'constant':
      return { kind, sigma0 };
    case 'exponential':
      return { kind, sigma0, gamma: gamma(0.99) };
    case 'linear':
      return { kind, sigma0, sigma1: sigma1(), steps: steps() };
    case 'cosine':
      return { kind, sigma0, sigma1: sigma1(), steps: steps() };
    case 'step':
      return { kind, sigma0, gamma: gamma(0.5), steps: steps() };
  }
}

function readStop(c: Checker, v: unknown, def: StopCondition, taskDefault: string): StopCondition {
  const fallback =
    def.kind === 'iterations' ? `stop after ${def.value} iterations (${taskDefault})` : `${def.kind} (${taskDefault})`;
  if (v === undefined) {
    c.missing('stop', fallback);
    return def;
  }
  if (!isRecord(v)) {
    c.invalid('stop', v, 'is not a stop condition', fallback);
    return def;
  }
  const kind = ownField(v, 'kind');
  if (!isOneOf(kind, STOP_KINDS)) {
    if (kind === undefined) c.missing('stop.kind', fallback);
    else c.invalid('stop.kind', kind, `is not a stop condition (${STOP_KINDS.join(', ')})`, fallback);
    return def;
  }
  c.extraKeys('stop', v, kind === 'none' ? ['kind'] : ['kind', 'value']);
  const value = ownField(v, 'value');
  switch (kind) {
    case 'none':
      return { kind };
    case 'iterations': {
      const d = def.kind === 'iterations' ? def.value : LIMITS.iterations.max;
      return { kind, value: c.number('stop.value', value, LIMITS.iterations, true, d, taskDefault) };
    }
    case 'loss': {
      if (typeof value === 'number' && Number.isFinite(value)) return { kind, value };
      if (value === undefined) c.missing('stop.value', fallback);
      else c.invalid('stop.value', value, 'is not a finite loss target', fallback);
      return def;
    }
  }
}

function readTheta0(c: Checker, v: unknown, taskTheta0: readonly number[], task: TaskId): number[] | null {
  // Large tasks (an RNN's 305 weights) are named by their size, not listed in a message.
  const fallback = taskTheta0.length <= 8 ? `the task’s θ₀ (${taskTheta0.map(formatNumber).join(', ')})` : `the task’s θ₀ (${taskTheta0.length} values)`;
  if (v === null) return null;
  if (v === undefined) {
    c.missing('theta0', fallback);
    return null;
  }
  if (!Array.isArray(v)) {
    c.invalid('theta0', v, 'is not a list of numbers', fallback);
    return null;
  }
  const dim = taskTheta0.length;
  if (v.length !== dim) {
    c.warn(`${c.label('theta0')} has ${v.length} ${v.length === 1 ? 'value' : 'values'}, but ${task} has ${dim} ${dim === 1 ? 'parameter' : 'parameters'}; using ${fallback}.`);
    return null;
  }
  const bad: number[] = [];
  const theta = (v as unknown[]).map((x, i) => {
    if (typeof x === 'number' && Number.isFinite(x)) return x;
    bad.push(i);
    return taskTheta0[i] ?? 0;
  });
  if (bad.length > 0) {
    c.warn(
      `${c.label('theta0')}: ${bad.length === 1 ? 'entry' : 'entries'} ${bad.map((i) => `${i + 1} (${show(v[i])})`).join(', ')} ` +
        `not a finite number; using the task’s θ₀ there.`,
    );
  }
  return theta;
}

function readView(c: Checker, v: unknown, def: ViewOptions): ViewOptions {
  if (v === undefined) {
    c.missing('view', 'the default view options');
    return { ...def };
  }
  if (!isRecord(v)) {
    c.invalid('view', v, 'is not a set of view options', 'the default view options');
    return { ...def };
  }
  c.extraKeys('view', v, VIEW_FIELDS);
  return {
    surface: c.oneOf('view.surface', ownField(v, 'surface'), SURFACES, def.surface),
    curvesX: c.oneOf('view.curvesX', ownField(v, 'curvesX'), CURVES_X, def.curvesX),
    logY: c.bool('view.logY', ownField(v, 'logY'), def.logY),
    varianceProtocol: c.oneOf('view.varianceProtocol', ownField(v, 'varianceProtocol'), VARIANCE_PROTOCOLS, def.varianceProtocol),
    speed: c.number('view.speed', ownField(v, 'speed'), LIMITS.speed, false, def.speed),
  };
}

/** The pinned iteration, or undefined (with a warning) when it is invalid. */
export function readPin(v: unknown, label: string, warnings: string[]): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    warnings.push(`${label} = ${show(v)} is not an iteration number; the link opens at the start instead.`);
    return undefined;
  }
  const { min, max } = PERMALINK_LIMITS.pin;
  const x = Math.min(max, Math.max(min, Math.round(v)));
  if (x !== v) warnings.push(`${label} = ${formatNumber(v)} is not a whole number in [${min}, ${max}]; using ${x}.`);
  return x === 0 ? 0 : x;
}

const HISTORY_LABELS: Readonly<Record<string, string>> = {
  sigma: 'σ schedule',
  'sigma.kind': 'σ schedule',
  'sigma.sigma0': 'σ₀',
  'sigma.sigma1': 'σ₁',
  'sigma.gamma': 'γ',
  'sigma.steps': 'steps',
};

/** A checker warning without its "; using …" tail: for all-or-nothing fields that use nothing instead. */
function problemOf(warning: string): string {
  return warning.replace(/;\s*(using|clamped|rounded)\b.*$/s, '').replace(/\.$/, '');
}

/**
 * The σ / learning-rate history of a pinned link or file. All or nothing: a repaired entry
 * would replay a different run than the sender's, so any problem drops the whole history
 * with one warning, and the replay uses the config's σ and learning rate throughout.
 * Entries: `before` a whole number, strictly increasing, in [1, pin]; σ schedule and
 * learning rate within the same limits as the config's.
 */
export function readHistory(v: unknown, pin: number, label: string, warnings: string[]): SettingsChange[] | undefined {
  if (v === undefined) return undefined;
  const drop = (why: string): undefined => {
    warnings.push(
      `${label}: ${why}; ignored the run's σ / learning-rate history, so the replay uses the link's σ and learning rate throughout ` +
        `and θ at iteration ${pin} may differ from the sender's.`,
    );
    return undefined;
  };
  if (!Array.isArray(v)) return drop(`${show(v)} is not a list of σ / learning-rate changes`);
  const max = PERMALINK_LIMITS.history.max;
  if (v.length > max) return drop(`${v.length} changes, more than the ${max} a link carries`);
  const out: SettingsChange[] = [];
  let previous = 0;
  for (const [i, item] of (v as unknown[]).entries()) {
    const entry = `entry ${i + 1}`;
    if (!isRecord(item)) return drop(`${entry} (${show(item)}) is not a change`);
    const before = ownField(item, 'before');
    if (typeof before !== 'number' || !Number.isInteger(before) || before <= previous || before > pin) {
      return drop(`${entry}: iteration ${show(before)} is not a whole number after ${previous} and at most ${pin}`);
    }
    const c = new Checker({ get: () => undefined, label: (path) => (path === '' ? entry : `${entry} ${HISTORY_LABELS[path] ?? path}`) });
    c.extraKeys('', item, ['before', 'sigma', 'lr']);
    const sigma = readSigma(c, ownField(item, 'sigma'), 1, 1, 'unused');
    const lr = c.number('lr', ownField(item, 'lr'), LIMITS.lr, false, 1);
    const first = c.warnings[0];
    if (first !== undefined) return drop(problemOf(first));
    out.push({ before, sigma, lr });
    previous = before;
  }
  return out;
}
