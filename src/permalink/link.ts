/**
 * The link format (v1): a readable, query-like fragment, every field explicit so a link
 * reproduces its experiment even if defaults change later.
 *
 *   v1.task=lr-schedule&est=tes,pes,nres&N=50&T=100&K=10&R=10&workers=lockstep&burnin=0
 *      &rank=0&sigmachange=next-episode&sigma=constant,0.3&opt=adam&lr=0.01&adam=0.9,0.999&seed=1
 *      &stop=iterations,1000&theta0=task&surface=both&x=iteration&logy=1&var=update&speed=1
 *      [&preset=pes-lr-schedule[&lesson=1]][&at=250[&hist=40:constant,0.3:0.01;120:exponential,0.3,0.99:0.005]]
 *
 * Numbers are written as the shortest decimal that reads back to the same double (exact),
 * T = ∞ as `inf`, booleans as 1/0, θ₀ = the task's own as `task`. σ schedules and stop
 * conditions are `kind,param,…` (sigma=linear,σ₀,σ₁,steps; stop=loss,0.01; stop=none).
 * `adam=β₁,β₂` is optional: links from before it existed take 0.9, 0.999 without a warning.
 * Keys may come in any order; unknown keys are ignored with a warning.
 *
 * `at` pins an outer iteration (the page replays the run from the seed to it); `hist`
 * lists the sender's mid-run σ / learning-rate changes, `before:sigma:lr` each (the σ
 * schedule and learning rate used before that iteration), `;`-separated.
 *
 * `preset` names the preset the experiment came from (the page shows its commentary, and
 * says when the settings no longer match it); `lesson=1` opens it as a lesson. Both are
 * optional and do not change the run.
 */
import type { PlaygroundConfig } from '../core/playground-config';
import { SCHEDULE_PARAMS, isOneOf } from './validate';
import type { ConfigField, FieldSource } from './validate';
import { SIGMA_SCHEDULE_KINDS } from '../core/sigma-schedule';
import { formatNumber, parseNumber, percentDecode, show, showList } from './text';
import { PERMALINK_VERSION } from './types';
import type { LinkContext, PinnedPoint } from './types';
import type { SigmaSchedule } from '../core/sigma-schedule';

/** Link key of each top-level field (view fields are top-level keys of their own). */
const KEYS = {
  task: 'task',
  estimators: 'est',
  pairs: 'N',
  T: 'T',
  K: 'K',
  R: 'R',
  workers: 'workers',
  burnIn: 'burnin',
  rankShaping: 'rank',
  sigmaChange: 'sigmachange',
  sigma: 'sigma',
  optimizer: 'opt',
  lr: 'lr',
  // After lr, so an older link (no adam key) is not mistaken for one cut off before it.
  adam: 'adam',
  seed: 'seed',
  stop: 'stop',
  theta0: 'theta0',
} as const satisfies Record<Exclude<ConfigField, 'view'>, string>;

const VIEW_KEYS = {
  surface: 'surface',
  curvesX: 'x',
  logY: 'logy',
  varianceProtocol: 'var',
  speed: 'speed',
} as const;

const PIN_KEY = 'at';
const HISTORY_KEY = 'hist';
const THETA0_OF_TASK = 'task';
const PRESET_KEY = 'preset';
const LESSON_KEY = 'lesson';
/** A preset id as the presets spell them; anything else in a link is not one. */
const PRESET_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Keys in the order `encodeFields` writes them (the pin and its history, optional, come last). */
const CANONICAL_KEYS: readonly string[] = [...Object.values(KEYS), ...Object.values(VIEW_KEYS)];
const PIN_KEYS: readonly string[] = [PIN_KEY, HISTORY_KEY];
/** Optional keys about how the page presents the experiment (not part of the config). */
const CONTEXT_KEYS: readonly string[] = [PRESET_KEY, LESSON_KEY];
/** Keys that are not settings: a link without them is complete, not cut off. */
const EXTRA_KEYS: readonly string[] = [...PIN_KEYS, ...CONTEXT_KEYS];
const ALL_KEYS: readonly string[] = [...CANONICAL_KEYS, ...EXTRA_KEYS];

/** Text of a string value: percent-escaped, so a stray '&', ',' or '=' can't break the layout. */
const str = (s: string): string => encodeURIComponent(String(s));
const bit = (b: boolean): string => (b ? '1' : '0');

export function encodeFields(config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): string {
  const c = config;
  const sigma = sigmaText(c.sigma);
  const stop = c.stop.kind === 'none' ? 'none' : `${str(c.stop.kind)},${formatNumber(c.stop.value)}`;
  const parts = [
    `${KEYS.task}=${str(c.task)}`,
    `${KEYS.estimators}=${c.estimators.map(str).join(',')}`,
    `${KEYS.pairs}=${formatNumber(c.pairs)}`,
    `${KEYS.T}=${formatNumber(c.T)}`,
    `${KEYS.K}=${formatNumber(c.K)}`,
    `${KEYS.R}=${formatNumber(c.R)}`,
    `${KEYS.workers}=${str(c.workers)}`,
    `${KEYS.burnIn}=${bit(c.burnIn)}`,
    `${KEYS.rankShaping}=${bit(c.rankShaping)}`,
    `${KEYS.sigmaChange}=${str(c.sigmaChange)}`,
    `${KEYS.sigma}=${sigma}`,
    `${KEYS.optimizer}=${str(c.optimizer)}`,
    `${KEYS.lr}=${formatNumber(c.lr)}`,
    `${KEYS.adam}=${formatNumber(c.adam.beta1)},${formatNumber(c.adam.beta2)}`,
    `${KEYS.seed}=${formatNumber(c.seed)}`,
    `${KEYS.stop}=${stop}`,
    `${KEYS.theta0}=${c.theta0 === null ? THETA0_OF_TASK : c.theta0.map(formatNumber).join(',')}`,
    `${VIEW_KEYS.surface}=${str(c.view.surface)}`,
    `${VIEW_KEYS.curvesX}=${str(c.view.curvesX)}`,
    `${VIEW_KEYS.logY}=${bit(c.view.logY)}`,
    `${VIEW_KEYS.varianceProtocol}=${str(c.view.varianceProtocol)}`,
    `${VIEW_KEYS.speed}=${formatNumber(c.view.speed)}`,
  ];
  if (context?.preset !== undefined && PRESET_ID.test(context.preset)) {
    parts.push(`${PRESET_KEY}=${context.preset}`);
    if (context.lesson) parts.push(`${LESSON_KEY}=1`);
  }
  if (pin) {
    parts.push(`${PIN_KEY}=${formatNumber(pin.iteration)}`);
    const history = pin.history ?? [];
    if (history.length > 0) {
      parts.push(`${HISTORY_KEY}=${history.map((h) => `${formatNumber(h.before)}:${sigmaText(h.sigma)}:${formatNumber(h.lr)}`).join(';')}`);
    }
  }
  return `v${PERMALINK_VERSION}.${parts.join('&')}`;
}

function sigmaText(s: SigmaSchedule): string {
  return [str(s.kind), ...scheduleParams(s)].join(',');
}

function scheduleParams(s: SigmaSchedule): string[] {
  switch (s.kind) {
    case 'constant':
      return [formatNumber(s.sigma0)];
    case 'exponential':
      return [formatNumber(s.sigma0), formatNumber(s.gamma)];
    case 'linear':
    case 'cosine':
      return [formatNumber(s.sigma0), formatNumber(s.sigma1), formatNumber(s.steps)];
    case 'step':
      return [formatNumber(s.sigma0), formatNumber(s.gamma), formatNumber(s.steps)];
  }
}

/**
 * Splits a fragment (after the version prefix) into fields, into the raw shapes the
 * validator reads: numbers parsed strictly, everything else left as strings. Keys live in
 * a Map, so no input key ever becomes an object property.
 */
export function parsePayload(payload: string): {
  source: FieldSource;
  pin: unknown;
  pinLabel: string;
  history: unknown;
  historyLabel: string;
  context: LinkContext;
  warnings: string[];
} {
  const warnings: string[] = [];
  const values = new Map<string, string>();
  const seen: string[] = [];
  const unknown: string[] = [];
  const repeated: string[] = [];
  for (const part of payload.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = percentDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (!ALL_KEYS.includes(key)) unknown.push(key);
    else if (values.has(key)) repeated.push(key);
    else {
      values.set(key, value);
      if (!EXTRA_KEYS.includes(key)) seen.push(key);
    }
  }
  // A link from `encodeFields` has every key, in order; a strict prefix of them is the
  // signature of a link cut off in transit (chat clients, e-mail), whose last value may be
  // cut too ('lr=0.0' from 'lr=0.001').
  const last = seen[seen.length - 1];
  if (last !== undefined && seen.length < CANONICAL_KEYS.length && seen.every((k, i) => k === CANONICAL_KEYS[i])) {
    const missing = CANONICAL_KEYS.length - seen.length;
    warnings.unshift(
      `The link looks cut off after ${show(`${last}=${values.get(last) ?? ''}`)}: ${missing} of ${CANONICAL_KEYS.length} settings are missing ` +
        `and use defaults, and that last value may be incomplete. Copy the whole link again if you can.`,
    );
  }
  if (unknown.length > 0) warnings.push(`Ignored unknown ${unknown.length === 1 ? 'setting' : 'settings'} ${showList(unknown)} in the link.`);
  if (repeated.length > 0) warnings.push(`${showList(repeated)} given more than once in the link; used the first.`);

  const text = (key: string): string | undefined => {
    const v = values.get(key);
    return v === undefined ? undefined : percentDecode(v);
  };
  const num = (key: string): number | string | undefined => {
    const v = text(key);
    return v === undefined ? undefined : parseNumber(v);
  };
  const bool = (key: string): boolean | string | undefined => {
    const v = text(key);
    return v === '1' ? true : v === '0' ? false : v;
  };
  const list = (key: string): string[] | undefined => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    return v === '' ? [] : v.split(',').map(percentDecode);
  };

  const get = (field: ConfigField): unknown => {
    switch (field) {
      case 'task':
      case 'workers':
      case 'sigmaChange':
      case 'optimizer':
        return text(KEYS[field]);
      case 'estimators':
        return list(KEYS.estimators);
      case 'pairs':
      case 'T':
      case 'K':
      case 'R':
      case 'lr':
      case 'seed':
        return num(KEYS[field]);
      case 'burnIn':
      case 'rankShaping':
        return bool(KEYS[field]);
      case 'sigma':
        return parseSigma(list(KEYS.sigma), warnings);
      case 'stop':
        return parseStop(list(KEYS.stop), warnings);
      case 'adam': {
        const v = list(KEYS.adam);
        if (v === undefined) return undefined;
        const [b1, b2] = v;
        if (v.length > 2) warnings.push(`adam: ignored ${showList(v.slice(2))} after the two values β₁,β₂.`);
        return { beta1: b1 === undefined || b1 === '' ? undefined : parseNumber(b1), beta2: b2 === undefined || b2 === '' ? undefined : parseNumber(b2) };
      }
      case 'theta0': {
        const v = list(KEYS.theta0);
        if (v === undefined) return undefined;
        if (v.length === 1 && v[0] === THETA0_OF_TASK) return null;
        return v.map(parseNumber);
      }
      case 'view': {
        if (!Object.values(VIEW_KEYS).some((k) => values.has(k))) return undefined;
        const view: Record<string, unknown> = {
          surface: text(VIEW_KEYS.surface),
          curvesX: text(VIEW_KEYS.curvesX),
          logY: bool(VIEW_KEYS.logY),
          varianceProtocol: text(VIEW_KEYS.varianceProtocol),
          speed: num(VIEW_KEYS.speed),
        };
        for (const k of Object.keys(view)) if (view[k] === undefined) delete view[k];
        return view;
      }
    }
  };

  // Each field is read once by the validator; cache so parse warnings aren't repeated.
  const cache = new Map<ConfigField, unknown>();
  const source: FieldSource = {
    get(field) {
      if (!cache.has(field)) cache.set(field, get(field));
      return cache.get(field);
    },
    label: linkLabel,
  };
  const rawHistory = values.get(HISTORY_KEY);
  const context = parseContext(text(PRESET_KEY), text(LESSON_KEY), warnings);
  return {
    source,
    pin: num(PIN_KEY),
    pinLabel: PIN_KEY,
    history: rawHistory === undefined ? undefined : parseHistory(rawHistory),
    historyLabel: HISTORY_KEY,
    context,
    warnings,
  };
}

/** `preset` and `lesson`: a well-formed preset id (whether it exists is the page's to say) and a 1/0 flag. */
function parseContext(preset: string | undefined, lesson: string | undefined, warnings: string[]): LinkContext {
  const context: LinkContext = {};
  if (preset !== undefined) {
    if (PRESET_ID.test(preset)) context.preset = preset;
    else warnings.push(`${PRESET_KEY}: ${show(preset)} is not a preset name; ignored it.`);
  }
  if (lesson !== undefined) {
    if (lesson !== '1' && lesson !== '0') warnings.push(`${LESSON_KEY}: expected 1 or 0, not ${show(lesson)}; ignored it.`);
    else if (context.preset === undefined && lesson === '1') warnings.push(`${LESSON_KEY}=1 only means something with a preset (${PRESET_KEY}=…); ignored it.`);
    else if (lesson === '1') context.lesson = true;
  }
  return context;
}

/**
 * `before:sigma:lr;…` into the raw shape the validator reads (`{ before, sigma, lr }`,
 * numbers parsed strictly); what does not fit that shape is passed on as it is so the
 * validator can name it.
 */
function parseHistory(raw: string): unknown {
  // Ids and numbers never need escaping, so decode the whole value first: a chat client
  // that escapes ':' or ';' does not break the split.
  const text = percentDecode(raw);
  if (text === '') return [];
  return text.split(';').map((entry): unknown => {
    const fields = entry.split(':');
    if (fields.length !== 3) return entry;
    const [before = '', sigma = '', lr = ''] = fields;
    const [kind, ...rest] = sigma.split(',');
    let schedule: unknown = sigma;
    if (isOneOf(kind, SIGMA_SCHEDULE_KINDS) && rest.length === SCHEDULE_PARAMS[kind].length) {
      const s: Record<string, unknown> = { kind };
      SCHEDULE_PARAMS[kind].forEach((name, i) => (s[name] = parseNumber(rest[i] ?? '')));
      schedule = s;
    }
    return { before: parseNumber(before), sigma: schedule, lr: parseNumber(lr) };
  });
}

function linkLabel(path: string): string {
  const [head = '', sub] = path.split('.');
  if (head === 'view' && sub !== undefined) return VIEW_KEYS[sub as keyof typeof VIEW_KEYS] ?? path;
  if (head === 'view') return 'view (surface, x, logy, var, speed)';
  const key = (KEYS as Record<string, string>)[head] ?? head;
  const main = key === head ? key : `${key} (${head})`;
  return sub === undefined ? main : `${key} ${SUB_LABELS[sub] ?? sub}`;
}

const SUB_LABELS: Readonly<Record<string, string>> = { sigma0: 'σ₀', sigma1: 'σ₁', gamma: 'γ', steps: 'steps', kind: 'kind', value: 'value', beta1: 'β₁', beta2: 'β₂' };

function parseSigma(parts: string[] | undefined, warnings: string[]): unknown {
  if (parts === undefined) return undefined;
  const [kind, ...rest] = parts;
  if (!isOneOf(kind, SIGMA_SCHEDULE_KINDS)) return { kind: kind ?? '' };
  const names = SCHEDULE_PARAMS[kind];
  const schedule: Record<string, unknown> = { kind };
  names.forEach((name, i) => {
    const v = rest[i];
    if (v !== undefined && v !== '') schedule[name] = parseNumber(v);
  });
  if (rest.length > names.length) {
    warnings.push(`sigma: ignored ${showList(rest.slice(names.length))} after the ${names.length} values a ${kind} schedule takes (${names.join(', ')}).`);
  }
  return schedule;
}

function parseStop(parts: string[] | undefined, warnings: string[]): unknown {
  if (parts === undefined) return undefined;
  const [kind, value, ...rest] = parts;
  if (kind === 'none') {
    if (value !== undefined) warnings.push(`stop: ignored ${showList(parts.slice(1))} after "none".`);
    return { kind };
  }
  if (rest.length > 0) warnings.push(`stop: ignored ${showList(rest)} after the stop value.`);
  return value === undefined || value === '' ? { kind: kind ?? '' } : { kind: kind ?? '', value: parseNumber(value) };
}

/** What follows the '#' of whatever was passed in (a URL, '#v1.…' or 'v1.…'). */
export function fragmentOf(input: string): string {
  const s = input.trim();
  const hash = s.indexOf('#');
  return hash >= 0 ? s.slice(hash + 1) : s;
}

/** Splits 'v<n>.<payload>'; null when there is no version prefix at all. */
export function splitVersion(fragment: string): { version: number; payload: string } | null {
  const m = /^[vV](\d{1,9})(?:\.|$)/.exec(fragment);
  if (!m) return null;
  return { version: Number(m[1]), payload: fragment.slice(m[0].length) };
}
