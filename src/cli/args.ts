/**
 * Table-driven command-line parsing for the headless CLI.
 *
 * Every option is described once in `OPTIONS` (kind, range, choices, help) and every
 * command lists the options it accepts in `COMMANDS`. Parsing converts and range-checks
 * values from the table; anything a user can get wrong raises a `UsageError`, which the
 * entry point prints as one `error: …` line and turns into exit status 2.
 *
 * Accepted syntax: `<command> [--name value | --name=value | --flag]…`. Values may start
 * with a single '-' (negative numbers: `--theta -2,2`); a following token that starts
 * with '--' is never taken as a value.
 */
import type { EstimatorId } from '../core/config';
import { LIMITS, type PlaygroundConfig } from '../core/playground-config';
import { PERMALINK_LIMITS, type PinnedPoint } from '../permalink/types';
import { SIGMA_SCHEDULE_KINDS } from '../core/sigma-schedule';
import { TASK_IDS } from '../core/tasks/index';
import { FIGURE_NAMES } from './reproduce/settings';

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionKind =
  /** Present or absent, no value. */
  | 'flag'
  | 'string'
  /** One of `choices`. */
  | 'choice'
  /** Comma-separated, each one of `choices`. */
  | 'choices'
  | 'int'
  | 'number'
  /** An integer, or `inf` / `Infinity` (a horizon that never resets). */
  | 'horizon'
  /** Comma-separated numbers. */
  | 'numbers'
  /** Comma-separated integers. */
  | 'ints';

export interface OptionSpec {
  kind: OptionKind;
  /** Placeholder in the usage text. */
  metavar?: string;
  help: string;
  choices?: readonly string[];
  /** What one choice is called in error messages (default: the option name). */
  noun?: string;
  /** Inclusive bounds (for lists: of every element). */
  min?: number;
  max?: number;
  /** Value must be strictly greater than this (σ, learning rates). */
  above?: number;
  /**
   * When set, the option is recognised but refused with `--name <this text>`: a feature
   * announced in the interface but not wired yet. Deleting the field enables it.
   */
  unavailable?: string;
}

export type OptionValue = boolean | string | number | number[] | string[];

/**
 * The estimator ids in the registry's order (src/core/estimators/index.ts). Listed here so
 * that parsing does not load the estimators, whose autodiff members pull in all of tfjs's
 * gradient modules (about a second of start-up); cli.test.ts checks it against ESTIMATOR_IDS.
 */
export const ESTIMATOR_CHOICES = ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'] as const satisfies readonly EstimatorId[];
type MissingEstimator = Exclude<EstimatorId, (typeof ESTIMATOR_CHOICES)[number]>;
const estimatorsComplete: [MissingEstimator] extends [never] ? true : never = true;
void estimatorsComplete;

const TASK_LIST = [...TASK_IDS] as readonly string[];
const ESTIMATOR_LIST = [...ESTIMATOR_CHOICES] as readonly string[];

export const OPTIONS = {
  // ---- global ----
  help: { kind: 'flag', help: 'print this help and exit' },
  link: {
    kind: 'string',
    metavar: 'URL',
    help: 'take the experiment from a playground permalink (options given here override it)',
  },
  backend: { kind: 'choice', metavar: 'NAME', help: 'tfjs backend: wasm (SIMD; the default) or cpu', choices: ['wasm', 'cpu'], noun: 'backend' },
  csv: { kind: 'flag', help: 'print the table as CSV instead of JSON' },
  // ---- experiment ----
  task: { kind: 'choice', metavar: 'ID', help: 'task id', choices: TASK_LIST },
  estimator: { kind: 'choice', metavar: 'ID', help: 'estimator id', choices: ESTIMATOR_LIST },
  estimators: { kind: 'choices', metavar: 'A,B,…', help: 'estimator ids, comma-separated', choices: ESTIMATOR_LIST },
  theta: { kind: 'numbers', metavar: 'a,b,…', help: 'θ, one value per task parameter (default: the task’s θ₀)', min: -1e6, max: 1e6 },
  T: {
    kind: 'horizon',
    metavar: 'n',
    help: 'episode horizon T (train: `inf` only for tasks that never reset)',
    min: LIMITS.T.min,
    max: LIMITS.T.max,
  },
  K: { kind: 'int', metavar: 'k', help: 'truncation length K (inner steps per update), must divide T', min: LIMITS.K.min, max: LIMITS.K.max },
  R: { kind: 'int', metavar: 'r', help: 'GPES noise-resampling period, a multiple of K (gpes only)', min: PERMALINK_LIMITS.R.min, max: PERMALINK_LIMITS.R.max },
  pairs: { kind: 'int', metavar: 'N', help: 'antithetic pairs N', min: LIMITS.pairs.min, max: LIMITS.pairs.max },
  sigma: { kind: 'number', metavar: 's', help: 'perturbation scale σ (σ₀ of a schedule)', above: 0, min: LIMITS.sigma.min, max: LIMITS.sigma.max },
  'sigma-schedule': {
    kind: 'string',
    metavar: 'NAME[:…]',
    help: 'constant | exponential:GAMMA | linear:SIGMA1:STEPS | cosine:SIGMA1:STEPS | step:GAMMA:STEPS',
  },
  optimizer: { kind: 'choice', metavar: 'NAME', help: 'outer optimizer', choices: ['sgd', 'adam'] },
  lr: { kind: 'number', metavar: 'x', help: 'outer learning rate', above: 0, min: LIMITS.lr.min, max: LIMITS.lr.max },
  beta1: { kind: 'number', metavar: 'b', help: "Adam's β₁ (default 0.9; adam only)", min: LIMITS.adamBeta.min, max: LIMITS.adamBeta.max },
  beta2: { kind: 'number', metavar: 'b', help: "Adam's β₂ (default 0.999; adam only)", min: LIMITS.adamBeta.min, max: LIMITS.adamBeta.max },
  // 0 iterations: evaluate θ₀ only (the playground's stop condition needs at least one).
  iters: { kind: 'int', metavar: 'n', help: 'outer iterations', min: 0, max: LIMITS.iterations.max },
  seed: { kind: 'int', metavar: 's', help: 'random seed (0 … 2³²−1)', min: LIMITS.seed.min, max: LIMITS.seed.max },
  workers: { kind: 'choice', metavar: 'MODE', help: 'lockstep or step-unlocked workers', choices: ['lockstep', 'unlocked'], noun: 'worker mode' },
  'burn-in': { kind: 'flag', help: 'unroll one episode (gradients discarded) before the first update' },
  'rank-shaping': { kind: 'flag', help: 'rank-based fitness shaping (full-es only)' },
  cosine: { kind: 'flag', help: 'also report cos∠ of each logged estimate to the autodiff (BPTT) gradient' },
  'log-every': { kind: 'int', metavar: 'm', help: 'record (and report) every m iterations (default: iters/100)', min: 1, max: 1_000_000 },
  truncations: { kind: 'ints', metavar: 'J1,J2,…', help: 'numbers of truncations J (each must divide T)', min: 1, max: LIMITS.T.max },
  repeats: { kind: 'int', metavar: 'r', help: 'independent estimates per cell (default 50)', min: 2, max: 100_000 },
  protocol: {
    kind: 'choice',
    metavar: 'P',
    help: 'episode (sum over one episode) or update (one random window; default)',
    choices: ['episode', 'update'],
  },
  'reference-pairs': {
    kind: 'int',
    metavar: 'n',
    help: 'pairs of the full-unroll ES reference gradient (default 4096; unused for linear-quadratic)',
    min: 16,
    max: 65_536,
  },
  // Grids below the playground's minimum are allowed (cheap; the engine accepts them too).
  grid: { kind: 'int', metavar: 'n', help: 'grid points per axis (default 33)', min: 2, max: LIMITS.surfaceGrid.max },
  samples: { kind: 'int', metavar: 'm', help: 'samples per point of the smoothed surface (default 16; 0: raw only)', min: 0, max: LIMITS.surfaceSamples.max },
  range: { kind: 'string', metavar: 'x0:x1[,y0:y1]', help: 'plot range per axis (default: the task’s bounds)' },
  out: { kind: 'string', metavar: 'DIR', help: 'output folder (default reproduce-out/)' },
  quick: { kind: 'flag', help: 'tiny settings: a smoke run in seconds' },
  jobs: { kind: 'int', metavar: 'n', help: 'worker processes (default: min(2, CPU cores))', min: 1, max: 64 },
  figures: { kind: 'choices', metavar: 'A,B,…', help: 'run only these figures (the report draws every figure JSON in --out)', choices: FIGURE_NAMES, noun: 'figure' },
  'report-only': { kind: 'flag', help: 'redraw index.html and report.md from the figure JSON in --out; run nothing' },
  'base-url': { kind: 'string', metavar: 'URL', help: 'where the playground is served, for the report\'s links (default http://localhost:5173/)' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

export const COMMAND_NAMES = ['tasks', 'loss', 'train', 'variance', 'surface', 'reproduce'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandSpec {
  summary: string;
  options: readonly OptionName[];
  required: readonly OptionName[];
}

/** Accepted by every command. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ['help', 'link', 'backend'];

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  tasks: { summary: 'list the tasks (with defaults) and the estimators', options: ['csv'], required: [] },
  loss: {
    summary: 'evaluation meta-loss of one unperturbed episode at θ',
    options: ['task', 'theta', 'T'],
    required: ['task'],
  },
  train: {
    summary: 'train θ with one estimator; prints the final θ, loss and the history',
    options: [
      'task',
      'estimator',
      'theta',
      'pairs',
      'K',
      'T',
      'R',
      'sigma',
      'sigma-schedule',
      'optimizer',
      'lr',
      'beta1',
      'beta2',
      'iters',
      'seed',
      'workers',
      'burn-in',
      'rank-shaping',
      'cosine',
      'log-every',
      'csv',
    ],
    required: ['task', 'estimator'],
  },
  variance: {
    summary: 'gradient variance and error against the number of truncations J',
    options: ['task', 'theta', 'estimators', 'truncations', 'pairs', 'sigma', 'repeats', 'protocol', 'seed', 'reference-pairs', 'R', 'csv'],
    required: ['task', 'estimators', 'truncations'],
  },
  surface: {
    summary: 'raw and σ-smoothed meta-loss on a grid',
    options: ['task', 'grid', 'sigma', 'samples', 'range', 'seed', 'csv'],
    required: ['task'],
  },
  reproduce: {
    summary: 'regenerate the papers’ headline figures: JSON + CSV per figure and a report (index.html, report.md) judging each',
    options: ['out', 'quick', 'jobs', 'seed', 'figures', 'report-only', 'base-url'],
    required: [],
  },
};

export interface ParsedArgs {
  /** null only when `--help` came without a command. */
  command: CommandName | null;
  help: boolean;
  values: Partial<Record<OptionName, OptionValue>>;
}

/** Parses argv (without node and script) against the tables. Throws UsageError. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const first = argv[0];
  if (first === undefined) throw new UsageError(`missing command; valid: ${COMMAND_NAMES.join(', ')} (try --help)`);
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv[1];
    if (topic !== undefined && isCommand(topic)) return { command: topic, help: true, values: {} };
    return { command: null, help: true, values: {} };
  }
  if (first.startsWith('-')) throw new UsageError(`expected a command before ${first}; valid: ${COMMAND_NAMES.join(', ')}`);
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}"; valid: ${COMMAND_NAMES.join(', ')}`);
  const command = first;
  const allowed = new Set<OptionName>([...COMMANDS[command].options, ...GLOBAL_OPTIONS]);
  const values: Partial<Record<OptionName, OptionValue>> = {};
  // --help anywhere wins over everything else.
  if (argv.slice(1).some((a) => a === '--help' || a === '-h')) return { command, help: true, values: {} };

  for (let i = 1; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('--') || token === '--') {
      throw new UsageError(`unexpected argument "${token}" for ${command}; options start with -- (see ${command} --help)`);
    }
    const eq = token.indexOf('=');
    const rawName = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    if (!isOptionName(rawName) || !allowed.has(rawName)) {
      throw new UsageError(`unknown option --${rawName} for ${command}; valid: ${[...allowed].map((o) => `--${o}`).join(', ')}`);
    }
    const name = rawName;
    const spec: OptionSpec = OPTIONS[name];
    if (spec.unavailable) throw new UsageError(`--${name} ${spec.unavailable}`);
    if (name in values) throw new UsageError(`--${name} given more than once`);
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      values[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value (${spec.metavar ?? 'value'})`);
      raw = next;
      i++;
    }
    values[name] = convert(name, spec, raw);
  }
  // With --link the required options may come from the link: checked once it is read.
  if (!('link' in values)) checkRequired(command, values);
  return { command, help: false, values };
}

/** Every required option of `command` is there (throws UsageError). */
export function checkRequired(command: CommandName, values: Partial<Record<OptionName, OptionValue>>): void {
  for (const name of COMMANDS[command].required) {
    const spec: OptionSpec = OPTIONS[name];
    if (!(name in values)) throw new UsageError(`${command} needs --${name} ${spec.metavar ?? ''}${'link' in values ? ' (the link does not give it)' : ''}`.trimEnd());
  }
}

/** An experiment read from `--link` (src/cli/commands/link.ts). */
export interface LinkedExperiment {
  config: PlaygroundConfig;
  pin?: PinnedPoint;
}

function isCommand(s: string): s is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(s);
}

function isOptionName(s: string): s is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTIONS, s);
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Strict decimal number (no hex, no empty string, no trailing junk). */
export function parseNumber(raw: string, what: string): number {
  const s = raw.trim();
  if (!NUMBER_RE.test(s)) throw new UsageError(`${what} expects a number, got "${raw}"`);
  const v = Number(s);
  if (!Number.isFinite(v)) throw new UsageError(`${what} is out of range: ${raw}`);
  return v;
}

function checkRange(v: number, spec: OptionSpec, what: string): void {
  if (spec.above !== undefined && !(v > spec.above)) throw new UsageError(`${what} must be > ${spec.above}, got ${v}`);
  if (spec.min !== undefined && v < spec.min) throw new UsageError(`${what} must be ≥ ${spec.min}, got ${v}`);
  if (spec.max !== undefined && v > spec.max) throw new UsageError(`${what} must be ≤ ${spec.max}, got ${v}`);
}

function parseInteger(raw: string, spec: OptionSpec, what: string): number {
  const v = parseNumber(raw, what);
  if (!Number.isInteger(v)) throw new UsageError(`${what} expects an integer, got "${raw}"`);
  checkRange(v, spec, what);
  return v;
}

function splitList(raw: string, what: string): string[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new UsageError(`${what} expects a comma-separated list without empty items, got "${raw}"`);
  return parts;
}

function convert(name: OptionName, spec: OptionSpec, raw: string): OptionValue {
  const what = `--${name}`;
  switch (spec.kind) {
    case 'flag':
      return true;
    case 'string':
      if (raw.trim() === '') throw new UsageError(`${what} needs a non-empty value`);
      return raw;
    case 'choice': {
      const choices = spec.choices ?? [];
      if (!choices.includes(raw)) throw new UsageError(`unknown ${spec.noun ?? name} "${raw}"; valid: ${choices.join(', ')}`);
      return raw;
    }
    case 'choices': {
      const choices = spec.choices ?? [];
      const items = splitList(raw, what);
      for (const item of items) {
        if (!choices.includes(item)) throw new UsageError(`unknown ${spec.noun ?? singular(name)} "${item}" in ${what}; valid: ${choices.join(', ')}`);
      }
      const dup = items.find((item, i) => items.indexOf(item) !== i);
      if (dup !== undefined) throw new UsageError(`${what} lists "${dup}" twice`);
      return items;
    }
    case 'int':
      return parseInteger(raw, spec, what);
    case 'number': {
      const v = parseNumber(raw, what);
      checkRange(v, spec, what);
      return v;
    }
    case 'horizon': {
      if (/^(inf|infinity)$/i.test(raw.trim())) return Number.POSITIVE_INFINITY;
      return parseInteger(raw, spec, what);
    }
    case 'numbers':
      return splitList(raw, what).map((p) => {
        const v = parseNumber(p, what);
        checkRange(v, spec, what);
        return v;
      });
    case 'ints': {
      const items = splitList(raw, what).map((p) => parseInteger(p, spec, what));
      const dup = items.find((v, i) => items.indexOf(v) !== i);
      if (dup !== undefined) throw new UsageError(`${what} lists ${dup} twice`);
      return items;
    }
  }
}

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

// ---------- typed access for the commands ----------

/** Typed getters over parsed values; the kinds are guaranteed by `convert`. */
export class Options {
  constructor(
    private readonly values: Partial<Record<OptionName, OptionValue>>,
    /** The experiment of `--link`, when given (its values are already merged into `values`). */
    readonly linked?: LinkedExperiment,
    /** The options typed on the command line (default: all of `values`). */
    private readonly explicit?: ReadonlySet<OptionName>,
  ) {}

  has(name: OptionName): boolean {
    return name in this.values;
  }

  /** Typed on the command line, not taken from `--link`. */
  given(name: OptionName): boolean {
    return this.explicit ? this.explicit.has(name) : this.has(name);
  }

  flag(name: OptionName): boolean {
    return this.values[name] === true;
  }

  string(name: OptionName): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  number(name: OptionName): number | undefined {
    const v = this.values[name];
    return typeof v === 'number' ? v : undefined;
  }

  numbers(name: OptionName): number[] | undefined {
    const v = this.values[name];
    return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
  }

  strings(name: OptionName): string[] | undefined {
    const v = this.values[name];
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  }
}

// ---------- usage text ----------

const PROGRAM = 'npm run -s cli --';

function optionLine(name: OptionName, required: boolean): string {
  const spec: OptionSpec = OPTIONS[name];
  const head = `--${name}${spec.kind === 'flag' ? '' : ` ${spec.metavar ?? 'value'}`}`;
  const choices = spec.kind === 'choice' || spec.kind === 'choices' ? ` [${(spec.choices ?? []).join('|')}]` : '';
  const req = required ? ' (required)' : spec.unavailable ? ' (not supported yet)' : '';
  return `  ${head.padEnd(30)} ${spec.help}${choices}${req}`;
}

export function usage(command: CommandName | null): string {
  if (command === null) {
    const lines = [
      'ES Playground command-line interface (tfjs on the wasm backend; --backend cpu for the plain one).',
      '',
      `Usage: ${PROGRAM} <command> [options]`,
      '',
      'Commands:',
      ...COMMAND_NAMES.map((c) => `  ${c.padEnd(10)} ${COMMANDS[c].summary}`),
      '',
      'Output: one JSON document on stdout (or CSV with --csv where the result is a table);',
      'progress and errors go to stderr. Non-finite numbers are written as null in JSON — a',
      'horizon T of null means the task never resets (T = ∞). Exit status: 0 ok, 2 usage error,',
      '1 internal error.',
      '',
      `Global options: --help, --link URL (a playground permalink: the command takes its experiment from it;`,
      `options given on the command line override the link), --backend wasm|cpu. See \`${PROGRAM} <command> --help\`.`,
    ];
    return lines.join('\n');
  }
  const spec = COMMANDS[command];
  const lines = [`Usage: ${PROGRAM} ${command} [options]`, '', spec.summary, '', 'Options:'];
  for (const name of [...spec.options, ...GLOBAL_OPTIONS]) lines.push(optionLine(name, spec.required.includes(name)));
  const notes = COMMAND_NOTES[command];
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

const COMMAND_NOTES: Readonly<Record<CommandName, readonly string[]>> = {
  tasks: ['Each task lists its defaults; "T": null means the task never resets (T = ∞).'],
  loss: [
    'θ defaults to the task’s θ₀ (handy for the many-parameter tasks).',
    '--T re-creates the task with that horizon; only tasks whose factory takes one (linear-quadratic, lr-schedule, lorenz).',
  ],
  train: [
    'Defaults come from the task (see `tasks`). History entries: {iter, theta, loss, innerSteps, sigma}, plus',
    '"metric" for a task with one (mnist: test accuracy in %) and "cosine" with --cosine;',
    '"loss" is the evaluation meta-loss. --T/--K/--workers/--burn-in set the online estimators’ episodes;',
    'full-es and bptt always unroll the task’s whole evaluation horizon. Sigma schedules: ' +
      SIGMA_SCHEDULE_KINDS.join(', ') +
      ' (σ₀ = --sigma).',
  ],
  variance: [
    'Defaults: θ = θ₀, --pairs 10, --repeats 50, σ from the task, --protocol update, --seed 1.',
    'Reference gradient: exact for linear-quadratic, else a full-unroll ES estimate with --reference-pairs pairs,',
    'whose own error (referenceVariance) is subtracted from every normalized error.',
    '--R (gpes): resampling period in inner steps at every J; K = T/J must divide it where K < R (K ≥ R: every truncation).',
  ],
  surface: ['raw/smoothed are row-major: value[iy * nx + ix]; "y" is null for a task with one parameter.'],
  reproduce: [
    `Writes <figure>.json and <figure>.csv for: ${FIGURE_NAMES.join(', ')};`,
    'index.html (self-contained, opens from disk) and report.md judging each figure against its paper, and',
    'summary.json (also printed on stdout). Full: about 25 minutes on two cores; --quick: a smoke run in under a minute.',
  ],
};
