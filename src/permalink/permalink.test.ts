import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId, TaskId } from '../core/config';
import { defaultPlaygroundConfig } from '../core/playground-config';
import type { PlaygroundConfig, StopCondition, ViewOptions } from '../core/playground-config';
import type { SigmaSchedule } from '../core/sigma-schedule';
import { createTask, TASK_IDS } from '../core/tasks/index';
import { useCpuBackend } from '../core/testing/setup';
import {
  MAX_PERMALINK_LENGTH,
  PERMALINK_VERSION,
  decodeConfigJson,
  decodePermalink,
  describeConfig,
  encodePermalink,
  exportConfigJson,
  markdownLink,
  permalinkUrl,
} from './index';
import type { DecodeResult, PinnedPoint, SettingsChange } from './index';

beforeAll(useCpuBackend);

// ---------------------------------------------------------------------------------------
// The rules, written out here independently of the module's own tables.

const TASKS: readonly TaskId[] = ['linear-quadratic', 'influence-balancing', 'lr-schedule', 'lorenz', 'rastrigin'];
const ESTIMATORS: readonly EstimatorId[] = ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'];
const SCHEDULE_KEYS: Record<SigmaSchedule['kind'], string[]> = {
  constant: ['kind', 'sigma0'],
  exponential: ['kind', 'sigma0', 'gamma'],
  linear: ['kind', 'sigma0', 'sigma1', 'steps'],
  cosine: ['kind', 'sigma0', 'sigma1', 'steps'],
  step: ['kind', 'sigma0', 'gamma', 'steps'],
};
const SCHEDULE_KINDS = Object.keys(SCHEDULE_KEYS) as SigmaSchedule['kind'][];
const STOP_KINDS: StopCondition['kind'][] = ['iterations', 'loss', 'none'];
const SURFACES: ViewOptions['surface'][] = ['raw', 'smoothed', 'both'];
const CURVES_X: ViewOptions['curvesX'][] = ['iteration', 'innerSteps', 'wallTime'];
const VARIANCE: ViewOptions['varianceProtocol'][] = ['episode', 'update'];
const CONFIG_KEYS = [
  'task', 'estimators', 'pairs', 'T', 'K', 'R', 'workers', 'burnIn', 'rankShaping', 'sigmaChange',
  'sigma', 'optimizer', 'adam', 'lr', 'seed', 'stop', 'theta0', 'view',
].sort();
const R_MAX = 1_000_000;
const GAMMA = [1e-6, 10] as const;
const STEPS_MAX = 1_000_000;

const dimOf = (task: TaskId): number => createTask(task).meta.theta0.length;
const neverResets = (task: TaskId): boolean => !Number.isFinite(createTask(task).meta.defaults.T);
const fixedHorizon = (task: TaskId): boolean => createTask(task).meta.fixedHorizon === true;

const isInt = (x: unknown, lo: number, hi: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
const inRange = (x: unknown, lo: number, hi: number): boolean => typeof x === 'number' && x >= lo && x <= hi;
const isPlain = (o: unknown): boolean => typeof o === 'object' && o !== null && Object.getPrototypeOf(o) === Object.prototype;
const keysAre = (o: object, keys: string[]): boolean => JSON.stringify(Object.keys(o).sort()) === JSON.stringify([...keys].sort());

/** Every way a config can be invalid; empty when it is valid. */
function problems(c: PlaygroundConfig): string[] {
  const p: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) p.push(what);
  };
  check(isPlain(c) && keysAre(c, CONFIG_KEYS), 'config keys');
  check(TASKS.includes(c.task), 'task');
  check(
    Array.isArray(c.estimators) && c.estimators.length >= 1 && c.estimators.length <= 7 &&
      new Set(c.estimators).size === c.estimators.length && c.estimators.every((e) => ESTIMATORS.includes(e)),
    'estimators',
  );
  check(isInt(c.pairs, 1, 4096), 'pairs');
  if (c.T === Infinity) check(TASKS.includes(c.task) && neverResets(c.task), 'T = ∞ on a task with episodes');
  else check(isInt(c.T, 1, 10_000) && (!fixedHorizon(c.task) || c.T === createTask(c.task).meta.defaults.T), 'T');
  check(isInt(c.K, 1, 10_000), 'K');
  if (Number.isFinite(c.T)) check(c.T % c.K === 0, 'K | T');
  check(isInt(c.R, 1, R_MAX) && c.R >= c.K && c.R % c.K === 0, 'R multiple of K');
  check(c.workers === 'lockstep' || c.workers === 'unlocked', 'workers');
  check(typeof c.burnIn === 'boolean' && typeof c.rankShaping === 'boolean', 'booleans');
  check(c.sigmaChange === 'next-episode' || c.sigmaChange === 'rescale', 'sigmaChange');
  const s = c.sigma;
  check(isPlain(s) && SCHEDULE_KINDS.includes(s.kind) && keysAre(s, SCHEDULE_KEYS[s.kind] ?? []), 'sigma shape');
  check(inRange(s.sigma0, 1e-6, 100), 'sigma0');
  if (s.kind === 'linear' || s.kind === 'cosine') check(inRange(s.sigma1, 1e-6, 100), 'sigma1');
  if (s.kind === 'exponential' || s.kind === 'step') check(inRange(s.gamma, GAMMA[0], GAMMA[1]), 'gamma');
  if (s.kind === 'linear' || s.kind === 'cosine' || s.kind === 'step') check(isInt(s.steps, 1, STEPS_MAX), 'steps');
  check(c.optimizer === 'sgd' || c.optimizer === 'adam', 'optimizer');
  check(inRange(c.lr, 1e-8, 10), 'lr');
  check(isInt(c.seed, 0, 2 ** 32 - 1), 'seed');
  const st = c.stop;
  check(isPlain(st) && STOP_KINDS.includes(st.kind), 'stop kind');
  if (st.kind === 'iterations') check(keysAre(st, ['kind', 'value']) && isInt(st.value, 1, 1_000_000), 'stop iterations');
  if (st.kind === 'loss') check(keysAre(st, ['kind', 'value']) && Number.isFinite(st.value), 'stop loss');
  if (st.kind === 'none') check(keysAre(st, ['kind']), 'stop none');
  if (c.theta0 !== null) {
    check(
      Array.isArray(c.theta0) && TASKS.includes(c.task) && c.theta0.length === dimOf(c.task) &&
        c.theta0.every((x) => typeof x === 'number' && Number.isFinite(x)),
      'theta0',
    );
  }
  const v = c.view;
  check(isPlain(v) && keysAre(v, ['surface', 'curvesX', 'logY', 'varianceProtocol', 'speed']), 'view keys');
  check(SURFACES.includes(v.surface) && CURVES_X.includes(v.curvesX) && VARIANCE.includes(v.varianceProtocol), 'view enums');
  check(typeof v.logY === 'boolean' && typeof v.speed === 'number' && v.speed >= 0.02 && v.speed <= 100, 'view logY/speed');
  return p;
}

/** What every decode must satisfy, whatever the input. */
function expectSane(r: DecodeResult, input: unknown): void {
  const where = typeof input === 'string' ? input.slice(0, 200) : typeof input;
  if (r.ok) {
    expect(problems(r.config), where).toEqual([]);
    expect(Array.isArray(r.warnings), where).toBe(true);
    if (r.pin) {
      expect(isInt(r.pin.iteration, 0, 1_000_000), where).toBe(true);
      if (r.config.stop.kind === 'iterations') expect(r.pin.iteration, where).toBeLessThanOrEqual(r.config.stop.value);
      let previous = 0;
      for (const h of r.pin.history ?? []) {
        expect(isInt(h.before, previous + 1, r.pin.iteration), where).toBe(true);
        expect(problems({ ...r.config, sigma: h.sigma, lr: h.lr }), where).toEqual([]);
        previous = h.before;
      }
    }
    for (const w of r.warnings) expect(w, where).not.toMatch(/[<>]/);
  } else {
    expect(r.error.length, where).toBeGreaterThan(10);
    expect(r.error, where).not.toMatch(/[<>]/);
    expect(r.config).toEqual(defaultPlaygroundConfig());
  }
}

// ---------------------------------------------------------------------------------------
// Seeded generator of valid configurations.

/** mulberry32: small, seeded, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly r: () => number) {}
  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.r() * xs.length)];
    if (x === undefined) throw new Error('empty');
    return x;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** Integer in [lo, hi], the bounds themselves often. */
  int(lo: number, hi: number): number {
    const u = this.r();
    if (u < 0.1) return lo;
    if (u < 0.2) return hi;
    if (u < 0.6) return lo + Math.floor(this.r() * Math.min(hi - lo + 1, 100)); // small values
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  /** Positive double in [lo, hi], log-uniform, full precision, the bounds often. */
  logUniform(lo: number, hi: number): number {
    const u = this.r();
    if (u < 0.1) return lo;
    if (u < 0.2) return hi;
    if (u < 0.3) return this.pick([0.1, 0.3, 0.01, 1, 0.30000000000000004].filter((x) => x >= lo && x <= hi).concat([lo]));
    const x = Math.exp(Math.log(lo) + this.r() * (Math.log(hi) - Math.log(lo)));
    return Math.min(hi, Math.max(lo, x));
  }
  /** Any finite double: extremes, subnormals, awkward decimals. */
  anyFinite(): number {
    const u = this.r();
    if (u < 0.3) {
      return this.pick([
        0, 1, -1, 0.1, 0.1 + 0.2, -3.3, 3.7, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE,
        Number.EPSILON, 1e21, 1e-7, 123456789.12345678, -(2 ** 53), 2 ** 53 + 2, 1 / 3, Math.PI,
      ]);
    }
    const mag = Math.exp((this.r() - 0.5) * 2 * 700);
    return (this.chance(0.5) ? -1 : 1) * (Number.isFinite(mag) ? mag : 1) * this.r();
  }
}

function divisors(n: number): number[] {
  const ds: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) ds.push(d);
  return ds;
}

function randomSigma(g: Gen): SigmaSchedule {
  const kind = g.pick(SCHEDULE_KINDS);
  const s0 = g.logUniform(1e-6, 100);
  return kind === 'constant'
    ? { kind, sigma0: s0 }
    : kind === 'exponential'
      ? { kind, sigma0: s0, gamma: g.logUniform(GAMMA[0], GAMMA[1]) }
      : kind === 'step'
        ? { kind, sigma0: s0, gamma: g.logUniform(GAMMA[0], GAMMA[1]), steps: g.int(1, STEPS_MAX) }
        : { kind, sigma0: s0, sigma1: g.logUniform(1e-6, 100), steps: g.int(1, STEPS_MAX) };
}

/**
 * A pin a sender could produce for `config`: at most its iteration limit, with a random
 * σ / learning-rate history (strictly increasing `before`, each ≤ the pin). At most 20
 * changes, so the link stays under MAX_PERMALINK_LENGTH with the longest numbers (the page
 * does not pin a run whose link would be longer; see src/app/permalink.ts).
 */
function randomPin(g: Gen, config: PlaygroundConfig): PinnedPoint {
  const limit = config.stop.kind === 'iterations' ? config.stop.value : 1_000_000;
  const iteration = g.int(0, limit);
  const history: SettingsChange[] = [];
  let before = 0;
  for (let n = g.chance(0.5) ? g.int(1, 20) : 0; n > 0 && before < iteration; n--) {
    before = g.int(before + 1, Math.min(iteration, before + 1 + Math.ceil(iteration / 8)));
    history.push({ before, sigma: randomSigma(g), lr: g.logUniform(1e-8, 10) });
  }
  return history.length > 0 ? { iteration, history } : { iteration };
}

function randomConfig(g: Gen): PlaygroundConfig {
  const task = g.pick(TASKS);
  const count = g.int(1, 7);
  const estimators = [...ESTIMATORS].sort(() => g.r() - 0.5).slice(0, count);
  let T: number;
  let K: number;
  if (neverResets(task) && g.chance(0.7)) {
    T = Infinity;
    K = g.int(1, 10_000);
  } else {
    T = fixedHorizon(task) ? createTask(task).meta.defaults.T : g.int(1, 10_000);
    K = g.pick(divisors(T));
  }
  const R = K * g.int(1, Math.floor(R_MAX / K));
  const sigma = randomSigma(g);
  const stopKind = g.pick(STOP_KINDS);
  const stop: StopCondition =
    stopKind === 'none'
      ? { kind: 'none' }
      : stopKind === 'loss'
        ? { kind: 'loss', value: g.anyFinite() }
        : { kind: 'iterations', value: g.int(1, 1_000_000) };
  return {
    task,
    estimators,
    pairs: g.int(1, 4096),
    T,
    K,
    R,
    workers: g.pick(['lockstep', 'unlocked'] as const),
    burnIn: g.chance(0.5),
    rankShaping: g.chance(0.5),
    sigmaChange: g.pick(['next-episode', 'rescale'] as const),
    sigma,
    optimizer: g.pick(['sgd', 'adam'] as const),
    adam: g.chance(0.5) ? { beta1: 0.9, beta2: 0.999 } : { beta1: g.pick([0, 0.5, 0.99]), beta2: g.pick([0.9, 0.9999, 0.999999]) },
    lr: g.logUniform(1e-8, 10),
    seed: g.int(0, 2 ** 32 - 1),
    stop,
    theta0: g.chance(0.5) ? null : Array.from({ length: dimOf(task) }, () => g.anyFinite()),
    view: {
      surface: g.pick(SURFACES),
      curvesX: g.pick(CURVES_X),
      logY: g.chance(0.5),
      varianceProtocol: g.pick(VARIANCE),
      speed: g.int(1, 100),
    },
  };
}

/** The longest link: every estimator, longest numbers, θ₀ set, every option non-default. */
function largestConfig(): PlaygroundConfig {
  const long = -1.2345678901234567e-123; // 24 characters, the longest a double prints to
  return {
    task: 'linear-quadratic',
    estimators: ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'],
    pairs: 4095,
    T: 10_000,
    K: 5000,
    R: 995_000,
    workers: 'unlocked',
    burnIn: true,
    rankShaping: true,
    sigmaChange: 'rescale',
    sigma: { kind: 'cosine', sigma0: 1.2345678901234568e-5, sigma1: 9.876543210987654e-6, steps: 999_999 },
    optimizer: 'sgd',
    adam: { beta1: 0.12345678901234568, beta2: 0.9876543210987654 },
    lr: 1.2345678901234566e-7,
    seed: 4_294_967_295,
    stop: { kind: 'loss', value: long },
    theta0: Array.from({ length: dimOf('linear-quadratic') }, () => long),
    view: { surface: 'smoothed', curvesX: 'innerSteps', logY: false, varianceProtocol: 'episode', speed: 100 },
  };
}

const objectProtoNames = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectProtoNames);
  expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
  expect((({}) as Record<string, unknown>).isAdmin).toBeUndefined();
}

// ---------------------------------------------------------------------------------------

describe('permalink round trip', () => {
  it('2,000 random valid configurations round-trip exactly, with no warnings', () => {
    const g = new Gen(prng(20240601));
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const config = randomConfig(g);
      expect(problems(config), `generator made an invalid config #${i}`).toEqual([]);
      seen.add(`task:${config.task}`).add(`sigma:${config.sigma.kind}`).add(`stop:${config.stop.kind}`);
      seen.add(`theta0:${config.theta0 === null ? 'null' : 'set'}`).add(`T:${Number.isFinite(config.T) ? 'finite' : 'inf'}`);
      for (const [k, v] of Object.entries(config.view)) seen.add(`view.${k}:${String(v)}`);
      const pin = i % 3 === 0 ? randomPin(g, config) : undefined;
      const link = encodePermalink(config, pin);
      expect(link.startsWith(`v${PERMALINK_VERSION}.`)).toBe(true);
      expect(link.length).toBeLessThan(MAX_PERMALINK_LENGTH);

      const r = decodePermalink(link);
      expect(r).toEqual(pin ? { ok: true, config, pin, warnings: [] } : { ok: true, config, warnings: [] });
      // The same through a URL, and canonical: re-encoding gives the same text.
      const fromUrl = decodePermalink(permalinkUrl('https://example.org/es/?tab=1#stale', config, pin));
      expect(fromUrl.ok && fromUrl.config).toEqual(config);
      if (r.ok) expect(encodePermalink(r.config, r.pin)).toBe(link);

      // Files: exported JSON (text and parsed) reads back exactly too.
      const json = exportConfigJson(config, pin);
      const fromFile = decodeConfigJson(JSON.parse(json));
      expect(fromFile).toEqual(pin ? { ok: true, config, pin, warnings: [] } : { ok: true, config, warnings: [] });
      expect(decodeConfigJson(json)).toEqual(fromFile);
    }
    const expected = [
      ...TASKS.map((t) => `task:${t}`),
      ...SCHEDULE_KINDS.map((k) => `sigma:${k}`),
      ...STOP_KINDS.map((k) => `stop:${k}`),
      'theta0:null', 'theta0:set', 'T:finite', 'T:inf',
      ...SURFACES.map((s) => `view.surface:${s}`),
      ...CURVES_X.map((s) => `view.curvesX:${s}`),
      ...VARIANCE.map((s) => `view.varianceProtocol:${s}`),
      'view.logY:true', 'view.logY:false',
    ];
    for (const e of expected) expect(seen, e).toContain(e);
  });

  it('keeps -0, subnormals, the largest doubles and awkward decimals exact', () => {
    const base = defaultPlaygroundConfig('lorenz');
    for (const theta0 of [[-0, 0], [Number.MIN_VALUE, -Number.MAX_VALUE], [0.1 + 0.2, 1 / 3], [1e21, -1e-7]]) {
      const config = { ...base, theta0, stop: { kind: 'loss' as const, value: theta0[0] ?? 0 } };
      const r = decodePermalink(encodePermalink(config));
      expect(r).toEqual({ ok: true, config, warnings: [] });
      if (r.ok) expect(Object.is(r.config.theta0?.[0], theta0[0])).toBe(true);
    }
  });

  it('reads every default config, and T = ∞ as "inf"', () => {
    for (const task of TASKS) {
      const config = defaultPlaygroundConfig(task);
      const link = encodePermalink(config);
      if (!Number.isFinite(config.T)) expect(link).toContain('&T=inf&');
      expect(decodePermalink(`#${link}`)).toEqual({ ok: true, config, warnings: [] });
      expect(decodePermalink(`https://x.test/app#${link}`)).toEqual({ ok: true, config, warnings: [] });
    }
  });
});

describe('link length', () => {
  it('measures the default and the largest link', () => {
    const def = encodePermalink(defaultPlaygroundConfig());
    const largest = largestConfig();
    expect(problems(largest)).toEqual([]);
    const big = encodePermalink(largest, { iteration: 999_999 });
    expect(decodePermalink(big)).toEqual({ ok: true, config: largest, pin: { iteration: 999_999 }, warnings: [] });
    // The same pinned with the most history a link carries: 64 σ / learning-rate changes, longest numbers.
    const history: SettingsChange[] = Array.from({ length: 64 }, (_, i) => ({
      before: 999_000 + i,
      sigma: { kind: 'cosine', sigma0: 1.2345678901234568e-5 * (1 + i / 1000), sigma1: 9.876543210987654e-6, steps: 999_999 },
      lr: 1.2345678901234566e-7,
    }));
    const withHistory = encodePermalink(largest, { iteration: 999_999, history });
    expect(decodePermalink(withHistory)).toEqual({ ok: true, config: largest, pin: { iteration: 999_999, history }, warnings: [] });
    console.log(
      `default link: ${def.length} chars\n  #${def}\nlargest link: ${big.length} chars\n  #${big}\n` +
        `largest pinned link with the most history (64 changes): ${withHistory.length} chars`,
    );
    expect(def.length).toBeLessThan(300);
    expect(big.length).toBeLessThan(600);
    expect(withHistory.length).toBeLessThan(MAX_PERMALINK_LENGTH);
  });

  it('every task fits, including the largest θ₀ (rnn: 305 parameters)', () => {
    const lines: string[] = [];
    for (const task of TASK_IDS) {
      const config = defaultPlaygroundConfig(task);
      const dim = dimOf(task);
      const plain = encodePermalink(config);
      expect(plain.length, task).toBeLessThan(400);
      // θ₀ set by hand to typical 7-significant-digit values (a float32 θ prints to ≤ 9 digits).
      const theta0 = Array.from({ length: dim }, (_, i) => Math.fround(-0.1234567 * (1 + i / dim)));
      const set = encodePermalink({ ...config, theta0 }, { iteration: 999_999 });
      const back = decodePermalink(set);
      // Thousands of weights (mnist: 3,322) cannot travel in a link: refused, saying why.
      if (set.length > MAX_PERMALINK_LENGTH) expect(!back.ok && back.problem, task).toContain('This link is too long');
      else expect(back.ok && back.config.theta0, task).toEqual(theta0);
      lines.push(`${task} (d=${dim}): ${plain.length} chars; with θ₀ set and pinned: ${set.length}`);
      // The longest doubles in every entry: past the length limit for the largest θ, which is then refused with a clear message.
      const longest = encodePermalink({ ...config, theta0: theta0.map(() => -1.2345678901234567e-123) });
      const r = decodePermalink(longest);
      if (longest.length > MAX_PERMALINK_LENGTH) expect(!r.ok && r.problem).toContain('This link is too long');
      else expect(r.ok, task).toBe(true);
    }
    console.log(lines.join('\n'));
  });

  it('a θ₀ of the wrong length names the task’s θ₀ briefly when it is long', () => {
    const r = decodePermalink(`#${encodePermalink(defaultPlaygroundConfig('rnn')).replace('theta0=task', 'theta0=1,2,3')}`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const warning = r.warnings.find((w) => w.includes('theta0'));
    expect(warning).toContain('rnn has 305 parameters');
    expect(warning?.length).toBeLessThan(200);
  });
});

describe('malformed input never throws and never yields an invalid config', () => {
  const g = new Gen(prng(7));
  let validLinks: string[] = [];
  beforeAll(() => {
    validLinks = [
      encodePermalink(defaultPlaygroundConfig()),
      encodePermalink(defaultPlaygroundConfig('influence-balancing'), { iteration: 12 }),
      encodePermalink(largestConfig(), { iteration: 3 }),
      encodePermalink(defaultPlaygroundConfig(), {
        iteration: 250,
        history: [
          { before: 40, sigma: { kind: 'constant', sigma0: 0.3 }, lr: 0.01 },
          { before: 120, sigma: { kind: 'exponential', sigma0: 0.5, gamma: 0.99 }, lr: 0.005 },
        ],
      }),
      ...Array.from({ length: 12 }, () => encodePermalink(randomConfig(g))),
    ];
  });
  let count = 0;
  const run = (input: string): DecodeResult => {
    count++;
    const r = decodePermalink(input);
    expectSane(r, input);
    return r;
  };

  it('random bytes and strings', () => {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'v1.=&,-_%#?:/+e ',
      'v1.=&,0123456789.e+-infa',
    ];
    for (let i = 0; i < 3000; i++) {
      const len = g.int(0, 400);
      let s = '';
      if (i % 3 === 0) {
        for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(g.r() * 0x10000)); // incl. lone surrogates
      } else {
        const a = g.pick(alphabets);
        for (let j = 0; j < len; j++) s += a[Math.floor(g.r() * a.length)];
      }
      run(i % 2 === 0 ? `v1.${s}` : s);
    }
    expectPrototypeClean();
  });

  it('every truncation of valid links', () => {
    for (const link of validLinks) {
      for (let n = 0; n <= link.length; n++) {
        const r = run(link.slice(0, n));
        if (n === link.length) expect(r.ok && r.warnings).toEqual([]);
      }
    }
    expectPrototypeClean();
  });

  it('valid links with one value replaced by something hostile', () => {
    const hostile = [
      'NaN', 'nan', 'Infinity', 'inf', '-inf', '-1', '-0', '0', '1e309', '-1e309', '1e-400', '9'.repeat(400), '0x10', '1_000',
      '', ' ', '1,2', '1,2,3,4,5', '[1]', '{}', 'true', 'false', 'null', 'undefined', '1.5', '4.9e-324',
      '<script>alert(1)</script>', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'javascript:alert(1)', '"><img src=x onerror=alert(1)>',
      '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
      '%00', '%', '%E0%A4%A', '%2C%26', "'; DROP TABLE x; --", '\u0000', '🙂', '\ud800', 'a'.repeat(1000),
      'constant', 'linear,1', 'step,1,2', 'exponential,,', 'loss', 'loss,nan', 'iterations,-5', 'none,1', 'task', 'task,1',
      'gpes,gpes,gpes', 'tes,pes,nres,gpes,tbptt,bptt,full-es,tes',
    ];
    for (const link of validLinks.slice(0, 6)) {
      const parts = link.slice(3).split('&');
      for (let i = 0; i < parts.length; i++) {
        const key = (parts[i] ?? '').split('=')[0] ?? '';
        for (const h of hostile) {
          const edited = [...parts];
          edited[i] = `${key}=${h}`;
          const input = `v1.${edited.join('&')}`;
          if (input.length > MAX_PERMALINK_LENGTH) continue;
          const r = run(input);
          expect(r.ok, input).toBe(true); // one bad field never loses the rest
        }
      }
    }
    expectPrototypeClean();
  });

  it('hostile keys, repeated keys, odd separators', () => {
    const base = validLinks[0] ?? '';
    const extras = [
      '__proto__=1', '__proto__[polluted]=1', 'constructor=1', 'constructor.prototype.polluted=1', 'prototype=1',
      'toString=1', 'hasOwnProperty=1', 'polluted=1', '&&&&', '====', '=1', 'N', 'N=', 'N==5', 'est=', 'est=,,,',
      'task=lorenz', 'at=-1', 'at=nan', 'at=1.5', 'at=1e99', 'at=<b>', 'view=1', 'sigma=', 'stop=', 'theta0=',
    ];
    for (const e of extras) {
      run(`${base}&${e}`);
      run(`v1.${e}&${base.slice(3)}`);
      run(`v1.${e}`);
    }
    expectPrototypeClean();
  });

  it('huge inputs are refused before parsing', () => {
    for (const n of [MAX_PERMALINK_LENGTH - 3, MAX_PERMALINK_LENGTH - 2, MAX_PERMALINK_LENGTH + 1, 100_000, 5_000_000]) {
      const r = run(`v1.${'a'.repeat(n)}`);
      if (n + 3 > MAX_PERMALINK_LENGTH) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatch(/too long/);
      }
    }
    run(`${validLinks[0] ?? ''}&${'x=1&'.repeat(1000)}`);
    run(`v1.est=${'pes,'.repeat(1000)}`);
  });

  it('wrong versions and non-links', () => {
    for (const s of [
      'v0.task=lorenz', 'v2.task=lorenz', 'v7.abc', 'v99999999999.x', 'V1.task=lorenz', 'v.task=lorenz', 'v', 'v1', 'v1.',
      'v-1.x', 'v1x.task=lorenz', 'x1.task=lorenz', '#', '', '   ', '#v1', 'https://example.org/', 'https://example.org/#',
      'javascript:alert(1)', '<script>alert(1)</script>', '#<img src=x>', 'v1.<script>alert(1)</script>',
    ]) {
      run(s);
    }
    // Not even a string.
    for (const x of [undefined, null, 42, {}, [], Symbol('s')] as unknown[]) {
      const r = decodePermalink(x as string);
      count++;
      expectSane(r, x);
      expect(r.ok).toBe(false);
    }
  });

  it('configuration files with wrong types, pollution keys and junk', () => {
    const good = JSON.parse(exportConfigJson(largestConfig())) as { config: Record<string, unknown> };
    const values: unknown[] = [
      null, true, 0, -1, 1e308, -0, 'x', '<script>alert(1)</script>', 'Infinity', 'NaN', [], [1, 2], [[1]], {}, { kind: 'x' },
      { __proto__: { polluted: 1 } }, JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: { polluted: 1 } } },
      Array.from({ length: 100_000 }, () => 'pes'),
    ];
    const fields = Object.keys(good.config);
    let files = 0;
    const runFile = (x: unknown): DecodeResult => {
      files++;
      count++;
      const r = decodeConfigJson(x);
      expectSane(r, x);
      return r;
    };
    for (const f of fields) {
      for (const v of values) {
        const r = runFile({ ...good, config: { ...good.config, [f]: v } });
        expect(r.ok).toBe(true);
        runFile({ ...good.config, [f]: v });
      }
    }
    for (const text of [
      '{"__proto__":{"polluted":1},"task":"lorenz"}',
      '{"constructor":{"prototype":{"polluted":1}},"task":"lorenz"}',
      '{"task":"lorenz","view":{"__proto__":{"polluted":1}},"sigma":{"kind":"constant","sigma0":1,"__proto__":{"isAdmin":true}}}',
      '{"app":"es-playground","version":7,"config":{}}',
      '{"app":"other","version":1,"config":{}}',
      '{"version":1,"config":[]}',
      '{}', '[]', 'null', '"v1.task=lorenz"', '{"task":', 'not json <b>', '',
    ]) {
      runFile(text);
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        // covered as text above
      }
      runFile(parsed);
    }
    const hostileProxy = new Proxy({}, {
      ownKeys() {
        throw new Error('boom');
      },
      getOwnPropertyDescriptor() {
        throw new Error('boom');
      },
    });
    expect(runFile(hostileProxy).ok).toBe(false);
    expect(files).toBeGreaterThan(600);
    expectPrototypeClean();
  });

  it('covers at least 10,000 malformed inputs', () => {
    console.log(`malformed inputs decoded: ${count}`);
    expect(count).toBeGreaterThanOrEqual(10_000);
  });
});

describe('hand-edited links give specific messages', () => {
  const def = defaultPlaygroundConfig();
  const link = (edits: Record<string, string>): string => {
    const parts = encodePermalink(def).slice(3).split('&').map((p) => {
      const key = p.split('=')[0] ?? '';
      return key in edits ? `${key}=${edits[key] ?? ''}` : p;
    });
    return `v1.${parts.join('&')}`;
  };
  const decode = (s: string): { config: PlaygroundConfig; warnings: string[] } => {
    const r = decodePermalink(s);
    if (!r.ok) throw new Error(`expected ok: ${r.error}`);
    expect(problems(r.config)).toEqual([]);
    return r;
  };

  it('a newer version is refused, naming it', () => {
    const r = decodePermalink('#v7.task=lorenz&N=3');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/newer version \(v7\)/);
      expect(r.error).toMatch(/opened the default experiment instead/);
    }
    const old = decodePermalink('v0.whatever');
    expect(!old.ok && old.error).toMatch(/format v0/);
    const notLink = decodePermalink('https://example.org/#/settings');
    expect(!notLink.ok && notLink.error).toMatch(/not an ES Playground experiment link/);
    const long = decodePermalink(`v1.${'N=1&'.repeat(2100)}`);
    expect(!long.ok && long.error).toMatch(/too long \(8403 characters; experiment links are at most 8192\)/);
  });

  it('clamps with a warning per clamped field', () => {
    const r = decode(link({ N: '5000', lr: '100', seed: '-3', speed: '0', sigma: 'constant,1e-9' }));
    expect(r.config).toMatchObject({ pairs: 4096, lr: 10, seed: 0, sigma: { kind: 'constant', sigma0: 1e-6 }, view: { speed: 0.02 } });
    expect(r.warnings).toEqual([
      'N (pairs) = 5000 is above the maximum 4096; clamped to 4096.',
      'sigma σ₀ = 1e-9 is below the minimum 1e-6; clamped to 1e-6.',
      'lr = 100 is above the maximum 10; clamped to 10.',
      'seed = -3 is below the minimum 0; clamped to 0.',
      'speed = 0 is below the minimum 0.02; clamped to 0.02.',
    ]);
  });

  it("Adam's β₁, β₂: written as adam=β₁,β₂; a link without them (older links) takes 0.9, 0.999 with no warning", () => {
    const c = { ...def, adam: { beta1: 0.99, beta2: 0.9999 } };
    const l = encodePermalink(c);
    expect(l).toContain('&lr=0.01&adam=0.99,0.9999&seed=');
    expect(decodePermalink(l)).toEqual({ ok: true, config: c, warnings: [] });
    // An old link (no adam key): the defaults, silently — and it is not mistaken for a cut-off link.
    const old = encodePermalink(def).replace(/&adam=[^&]*/, '');
    expect(old).not.toContain('adam=');
    expect(decodePermalink(old)).toEqual({ ok: true, config: { ...def, adam: { beta1: 0.9, beta2: 0.999 } }, warnings: [] });
    // Out of range: clamped (β = 1 would divide by zero in the bias correction); malformed: the defaults.
    const clamped = decode(link({ adam: '1,-0.5' }));
    expect(clamped.config.adam).toEqual({ beta1: 0.999999, beta2: 0 });
    expect(clamped.warnings).toEqual([
      'adam β₁ = 1 is above the maximum 0.999999; clamped to 0.999999.',
      'adam β₂ = -0.5 is below the minimum 0; clamped to 0.',
    ]);
    const bad = decode(link({ adam: 'x' }));
    expect(bad.config.adam).toEqual({ beta1: 0.9, beta2: 0.999 });
    expect(bad.warnings).toEqual([expect.stringMatching(/^adam β₁ = "x" is not a number; using 0.9/), expect.stringMatching(/^adam β₂ is missing; using 0.999/)]);
  });

  it('fixes K, T and R consistency', () => {
    const r = decode(link({ K: '7', R: '25' }));
    expect(r.config).toMatchObject({ T: 100, K: 5, R: 25 });
    expect(r.warnings).toEqual(['K = 7 does not divide T = 100; using 5, the nearest divisor of T.']);
    const r2 = decode(link({ R: '25' }));
    expect(r2.config).toMatchObject({ K: 10, R: 30 });
    expect(r2.warnings).toEqual(['R = 25 is not a positive multiple of K = 10; using 30, the nearest multiple.']);
    const r3 = decode(link({ K: '500' }));
    expect(r3.config).toMatchObject({ T: 100, K: 100, R: 100 });
    // lr-schedule's schedule is built for T = 100: another T is repaired (old links still open).
    const r5 = decode(link({ T: '200', K: '10', R: '10' }));
    expect(r5.config).toMatchObject({ task: 'lr-schedule', T: 100, K: 10 });
    expect(r5.warnings).toEqual([expect.stringMatching(/^T = 200 is fixed at 100 for lr-schedule \(its learning-rate schedule is built for that horizon\); using 100/)]);
    const r4 = decode(link({ T: 'inf' }));
    expect(r4.config.T).toBe(100);
    expect(r4.warnings[0]).toMatch(/^T = inf is only for tasks that never reset, and lr-schedule has episodes; using 100/);
  });

  it('drops unknown and repeated estimators, falls back when none is left', () => {
    const r = decode(link({ est: 'pes,foo,pes,<script>alert(1)</script>,nres' }));
    expect(r.config.estimators).toEqual(['pes', 'nres']);
    expect(r.warnings[0]).toBe(
      'est (estimators): dropped unknown estimators "foo", "?script?alert?1???script…" (known: full-es, tes, pes, nres, gpes, tbptt, bptt).',
    );
    expect(r.warnings[1]).toBe('est (estimators): dropped repeated "pes".');
    const none = decode(link({ est: 'foo' }));
    expect(none.config.estimators).toEqual(def.estimators);
    expect(none.warnings[1]).toBe('est (estimators): no known estimator left; using tes, pes, nres (the default).');
  });

  it('names wrong values, wrong types and wrong θ₀ dimensions', () => {
    const r = decode(link({ lr: 'abc', burnin: 'yes', opt: 'rmsprop', sigma: 'wiggly,0.3', theta0: '1,2,3', stop: 'loss,nan' }));
    expect(r.warnings).toEqual([
      'burnin (burnIn) = "yes" is not on/off (1 or 0 in a link, true or false in a file); using off (the default).',
      'sigma kind = "wiggly" is not a σ schedule (constant, exponential, linear, cosine, step); using constant σ = 0.3 (the lr-schedule default).',
      'opt (optimizer) = "rmsprop" is not one of sgd, adam; using adam (the lr-schedule default).',
      'lr = "abc" is not a number; using 0.01 (the lr-schedule default).',
      'stop value = nan is not a finite loss target; using stop after 1000 iterations (the lr-schedule default).',
      'theta0 has 3 values, but lr-schedule has 2 parameters; using the task’s θ₀ (-4, -4).',
    ]);
    const partly = decode(link({ theta0: '1,Infinity' }));
    expect(partly.config.theta0).toEqual([1, -4]);
    expect(partly.warnings).toEqual(['theta0: entry 2 (inf) not a finite number; using the task’s θ₀ there.']);
    const rounded = decode(link({ N: '12.5' }));
    expect(rounded.config.pairs).toBe(13);
    expect(rounded.warnings).toEqual(['N (pairs) = 12.5 is not a whole number; rounded to 13.']);
  });

  it('a link with only a few valid parts keeps them, the rest from the task defaults', () => {
    const r = decode('#v1.task=lorenz&N=64&speed=3&bogus=1');
    const lorenz = defaultPlaygroundConfig('lorenz');
    expect(r.config).toEqual({ ...lorenz, pairs: 64, view: { ...lorenz.view, speed: 3 } });
    expect(r.warnings[0]).toBe('Ignored unknown setting "bogus" in the link.');
    expect(r.warnings).toContain('lr is missing; using 0.01 (the lorenz default).');
    expect(r.warnings).toContain('surface is missing; using both (the default).');
  });

  it('says when a link looks cut off', () => {
    const full = encodePermalink(def);
    const cut = full.slice(0, full.indexOf('&lr=') + 7); // '…&lr=0.0'
    const r = decode(cut);
    expect(r.warnings[0]).toBe(
      'The link looks cut off after "lr=0.0": 9 of 22 settings are missing and use defaults, and that last value may be incomplete. ' +
        'Copy the whole link again if you can.',
    );
  });

  it('configuration files: newer version, not JSON, nothing usable', () => {
    const newer = decodeConfigJson({ app: 'es-playground', version: 3, config: {} });
    expect(!newer.ok && newer.error).toMatch(/newer version \(v3\)/);
    const bad = decodeConfigJson('{"task": <script>');
    expect(!bad.ok && bad.error).toBe('The file is not valid JSON; opened the default experiment instead.');
    const empty = decodeConfigJson({});
    expect(!empty.ok && empty.error).toMatch(/holds no ES Playground settings/);
    const partial = decodeConfigJson({ task: 'rastrigin', pairs: 'many', T: 'Infinity' });
    expect(partial.ok && partial.warnings.slice(0, 3)).toEqual([
      'estimators is missing; using tes, pes, nres (the default).',
      'pairs = "many" is not a number; using 50 (the rastrigin default).',
      'T = inf is only for tasks that never reset, and rastrigin has episodes; using 1 (the rastrigin default).',
    ]);
  });
});

describe('pinned iterations and their σ / learning-rate history', () => {
  const def = defaultPlaygroundConfig(); // stops after 1000 iterations
  const history: SettingsChange[] = [
    { before: 40, sigma: { kind: 'constant', sigma0: 0.3 }, lr: 0.01 },
    { before: 120, sigma: { kind: 'cosine', sigma0: 0.5, sigma1: 0.05, steps: 300 }, lr: 0.005 },
  ];
  const pinned = (tail: string): DecodeResult => decodePermalink(`${encodePermalink(def)}${tail}`);

  it('reads `at` and `hist` in their readable form', () => {
    const link = encodePermalink(def, { iteration: 250, history });
    expect(link.endsWith('&at=250&hist=40:constant,0.3:0.01;120:cosine,0.5,0.05,300:5e-3')).toBe(true);
    expect(decodePermalink(link)).toEqual({ ok: true, config: def, pin: { iteration: 250, history }, warnings: [] });
    // A chat client that escapes ':' and ';' does not break it.
    const escaped = link.replace(/:/g, '%3A').replace(/;/g, '%3B');
    expect(decodePermalink(escaped)).toEqual({ ok: true, config: def, pin: { iteration: 250, history }, warnings: [] });
    // An empty history is no history.
    expect(pinned('&at=5&hist=')).toEqual({ ok: true, config: def, pin: { iteration: 5 }, warnings: [] });
  });

  it('a pin past the iteration limit opens at the limit', () => {
    const r = pinned('&at=5000');
    expect(r.ok && r.pin).toEqual({ iteration: 1000 });
    expect(r.ok && r.warnings).toEqual(["at = 5000 is past the experiment's stop condition (1000 iterations); opening at iteration 1000."]);
    const none = decodePermalink(`${encodePermalink({ ...def, stop: { kind: 'none' } })}&at=1e9`);
    expect(none.ok && none.pin).toEqual({ iteration: 1_000_000 });
  });

  it('drops a history it cannot replay exactly, all of it, with one warning naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['&at=100&hist=40:constant,0.3:0.01;30:constant,0.2:0.01', /entry 2: iteration 30 is not a whole number after 40 and at most 100/],
      ['&at=100&hist=140:constant,0.3:0.01', /entry 1: iteration 140 is not a whole number after 0 and at most 100/],
      ['&at=100&hist=40:constant,1000:0.01', /entry 1 σ₀ = 1000 is above the maximum 100;/],
      ['&at=100&hist=40:constant,0.3:abc', /entry 1 lr = "abc" is not a number;/],
      ['&at=100&hist=40:wiggly,0.3:0.01', /entry 1 σ schedule = "wiggly,0.3" is not a σ schedule;/],
      ['&at=100&hist=40:constant,0.3,7:0.01', /entry 1 σ schedule = "constant,0.3,7" is not a σ schedule;/],
      ['&at=100&hist=<script>', /entry 1 \("\?script\?"\) is not a change;/],
      [`&at=100&hist=${Array.from({ length: 65 }, (_, i) => `${i + 1}:constant,0.3:0.01`).join(';')}`, /65 changes, more than the 64 a link carries/],
    ];
    for (const [tail, message] of cases) {
      const r = pinned(tail);
      expect(r.ok, tail).toBe(true);
      if (!r.ok) continue;
      expect(r.pin, tail).toEqual({ iteration: 100 });
      expect(r.warnings, tail).toHaveLength(1);
      expect(r.warnings[0], tail).toMatch(message);
      expect(r.warnings[0], tail).toMatch(/^hist: .*ignored the run's σ \/ learning-rate history, .* θ at iteration 100 may differ from the sender's\.$/);
    }
    const alone = pinned('&hist=40:constant,0.3:0.01');
    expect(alone.ok && alone.pin).toBeUndefined();
    expect(alone.ok && alone.warnings).toEqual(["hist (a run's σ / learning-rate history) only means something with a pinned iteration (at); ignored it."]);
  });

  it('files carry the pin and its history; their curves are ignored on import', () => {
    const data = { curves: { pes: [{ iteration: 1, loss: Number.NaN }] }, note: '<b>not html</b>' };
    const text = exportConfigJson(def, { iteration: 250, history }, data);
    const parsed = JSON.parse(text) as { pin: unknown; data: { curves: { pes: { loss: unknown }[] } } };
    expect(parsed.pin).toEqual({ iteration: 250, history });
    expect(parsed.data.curves.pes[0]?.loss).toBeNull();
    expect(decodeConfigJson(text)).toEqual({ ok: true, config: def, pin: { iteration: 250, history }, warnings: [] });
    const broken = decodeConfigJson({ ...JSON.parse(text), pin: { iteration: 250, history: 'x' } });
    expect(broken.ok && broken.warnings).toEqual([
      `pin.history: "x" is not a list of σ / learning-rate changes; ignored the run's σ / learning-rate history, so the replay uses the link's σ and learning rate throughout and θ at iteration 250 may differ from the sender's.`,
    ]);
  });

  it('a failure says what was wrong apart from what was used instead', () => {
    const r = decodeConfigJson('{');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toBe('The file is not valid JSON');
      expect(r.error).toBe('The file is not valid JSON; opened the default experiment instead.');
    }
    const link = decodePermalink('#v9.task=lorenz');
    expect(!link.ok && link.problem).toMatch(/^This link was made by a newer version \(v9\)[^;]*cannot be read here$/);
  });
});

describe('descriptions', () => {
  it('one line for Markdown', () => {
    const c: PlaygroundConfig = { ...defaultPlaygroundConfig(), estimators: ['pes', 'nres'] };
    expect(describeConfig(c)).toBe('PES vs NRES on lr-schedule (N=50, K=10, T=100, σ=0.3, adam lr=0.01, seed 1)');
    const ib = defaultPlaygroundConfig('influence-balancing');
    expect(describeConfig({ ...ib, estimators: ['gpes'], R: 4, theta0: [0.25] })).toBe(
      'GPES(R=4) on influence-balancing (N=500, K=1, T=∞, σ=0.1, sgd lr=1e-4, seed 1, θ₀=(0.25))',
    );
    const url = permalinkUrl('https://example.org/es/#old', c, { iteration: 40 });
    expect(url).toBe(`https://example.org/es/#${encodePermalink(c, { iteration: 40 })}`);
    expect(markdownLink(url, c)).toBe(`[PES vs NRES on lr-schedule (N=50, K=10, T=100, σ=0.3, adam lr=0.01, seed 1)](${url})`);
    expect(markdownLink('https://x.test/a (b)', c)).toMatch(/\]\(https:\/\/x\.test\/a%20%28b%29\)$/);
    expect(markdownLink(url, c, { iteration: 40 })).toBe(`[PES vs NRES on lr-schedule (N=50, K=10, T=100, σ=0.3, adam lr=0.01, seed 1) at iteration 40](${url})`);
  });
});

describe('the preset a link came from, and lesson links', () => {
  const def = defaultPlaygroundConfig();

  it('round-trips preset and lesson, after the settings and before a pin', () => {
    const link = encodePermalink(def, { iteration: 7 }, { preset: 'pes-lr-schedule', lesson: true });
    expect(link).toContain('&speed=1&preset=pes-lr-schedule&lesson=1&at=7');
    expect(decodePermalink(link)).toEqual({ ok: true, config: def, pin: { iteration: 7 }, context: { preset: 'pes-lr-schedule', lesson: true }, warnings: [] });
    const plain = encodePermalink(def, undefined, { preset: 'nres-lorenz' });
    expect(plain.endsWith('&preset=nres-lorenz')).toBe(true);
    expect(decodePermalink(plain)).toEqual({ ok: true, config: def, context: { preset: 'nres-lorenz' }, warnings: [] });
    // Without a preset nothing is added, and a link without one has no context.
    expect(encodePermalink(def, undefined, {})).toBe(encodePermalink(def));
    expect(decodePermalink(encodePermalink(def))).toEqual({ ok: true, config: def, warnings: [] });
  });

  it('is not mistaken for a link cut off, and hostile or odd values are dropped with a warning', () => {
    const base = encodePermalink(def);
    const r = decodePermalink(`${base}&preset=%3Cscript%3E&lesson=1`);
    expect(r.ok && r.context).toBeUndefined();
    expect(r.ok && r.warnings).toEqual(['preset: "?script?" is not a preset name; ignored it.', 'lesson=1 only means something with a preset (preset=…); ignored it.']);
    const odd = decodePermalink(`${base}&preset=pes-rnn&lesson=yes`);
    expect(odd.ok && odd.context).toEqual({ preset: 'pes-rnn' });
    expect(odd.ok && odd.warnings).toEqual(['lesson: expected 1 or 0, not "yes"; ignored it.']);
    const off = decodePermalink(`${base}&preset=pes-rnn&lesson=0`);
    expect(off).toEqual({ ok: true, config: def, context: { preset: 'pes-rnn' }, warnings: [] });
  });
});
