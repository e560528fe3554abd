/**
 * 10 000 hostile inputs through link decoding and JSON-file import decoding: random
 * bytes, truncated and mutated links, huge inputs, NaN / ±Inf / negative / fractional /
 * wrong-typed values, script strings and prototype-pollution keys. Every one must come
 * back as a clear error or a valid (clamped) configuration, never throw, never pollute a
 * prototype, never run anything, and never carry input text into a configuration field.
 */
import { describe, expect, it } from 'vitest';
import '../platform/metadata-backend';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { TASK_IDS } from '../core/tasks/index';
import { configLimitIssues } from '../engine/limits';
import { configIssues } from '../state/validation';
import { decodeConfigJson, decodePermalink, encodePermalink, exportConfigJson, type DecodeResult } from './index';

const INPUTS_PER_DECODER = 5000;

/** Deterministic: a failure is reproducible from its index. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '<script>globalThis.__pwned = 1</script>',
  '"><img src=x onerror="globalThis.__pwned=1">',
  'javascript:globalThis.__pwned=1',
  '${globalThis.__pwned=1}',
  "');globalThis.__pwned=1;('",
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0x10',
  '1e309',
  '-1e309',
  '1e-400',
  '9'.repeat(400),
  '0.5',
  '',
  ' ',
  '%00',
  '%E0%A4%A',
  '\u0000',
  '\ud800',
  '🙂',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'a'.repeat(5000),
];

const HOSTILE_VALUES: unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -0,
  0,
  0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  null,
  true,
  false,
  [],
  {},
  [1, 2, 3],
  { kind: 'constant', sigma0: -1 },
  { kind: '__proto__' },
  ...HOSTILE_STRINGS,
];

const KEYS = ['task', 'est', 'N', 'T', 'K', 'R', 'workers', 'burnin', 'rank', 'sigmachange', 'sigma', 'opt', 'lr', 'seed', 'stop', 'theta0', 'surface', 'x', 'logy', 'var', 'speed', 'pin', 'hist'];
const CONFIG_KEYS = Object.keys(defaultPlaygroundConfig()) as (keyof PlaygroundConfig)[];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomText(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.6) s += String.fromCharCode(32 + Math.floor(r() * 95));
    else if (kind < 0.8) s += pick(r, ['&', '=', ',', ';', ':', '.', '#', '%', '?', 'v1.']);
    else s += String.fromCharCode(Math.floor(r() * 0x10000));
  }
  return s;
}

/** Percent-encoded, or raw where the text cannot be encoded (a lone surrogate). */
function encoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

function validLink(r: () => number): string {
  const task = pick(r, TASK_IDS);
  return encodePermalink(defaultPlaygroundConfig(task), r() < 0.3 ? { iteration: Math.floor(r() * 1000) } : undefined);
}

function hostileLink(r: () => number, i: number): string {
  switch (i % 6) {
    case 0:
      return randomText(r, Math.floor(r() * 400));
    case 1: {
      const link = validLink(r);
      return link.slice(0, Math.floor(r() * link.length));
    }
    case 2: {
      // A valid link with some fields replaced by hostile values (or duplicated).
      const parts = validLink(r).split('&');
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) {
        const j = Math.floor(r() * parts.length);
        const key = r() < 0.8 ? (parts[j]?.split('=')[0] ?? 'task') : pick(r, KEYS);
        parts.splice(j, r() < 0.2 ? 0 : 1, `${key}=${r() < 0.5 ? String(pick(r, HOSTILE_VALUES)) : encoded(String(pick(r, HOSTILE_VALUES)))}`);
      }
      return parts.join('&');
    }
    case 3:
      return `#v1.${Array.from({ length: 1 + Math.floor(r() * 30) }, () => `${pick(r, [...KEYS, ...HOSTILE_STRINGS])}=${pick(r, HOSTILE_STRINGS)}`).join('&')}`;
    case 4:
      // Huge: past the length limit, or just under it with junk.
      return r() < 0.5 ? `#v1.task=${'x'.repeat(20_000 + Math.floor(r() * 200_000))}` : `#v1.${'est=tes&'.repeat(Math.floor(r() * 300))}`;
    default:
      return pick(r, [`#v${Math.floor(r() * 1e6)}.task=rastrigin`, `https://evil.example/#v1.task=${pick(r, HOSTILE_STRINGS)}`, `#v-1.`, `#v1.`, `#`, `v1.&&&==`, `#v1.%`]);
  }
}

function hostileJson(r: () => number, i: number): unknown {
  const base = JSON.parse(exportConfigJson(defaultPlaygroundConfig(pick(r, TASK_IDS)))) as Record<string, unknown>;
  switch (i % 7) {
    case 0:
      return randomText(r, Math.floor(r() * 400));
    case 1: {
      const text = exportConfigJson(defaultPlaygroundConfig(pick(r, TASK_IDS)));
      return text.slice(0, Math.floor(r() * text.length));
    }
    case 2: {
      const config = base.config as Record<string, unknown>;
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) config[pick(r, CONFIG_KEYS)] = pick(r, HOSTILE_VALUES);
      return r() < 0.5 ? base : JSON.stringify(base);
    }
    case 3:
      // Prototype pollution the way JSON.parse delivers it: own "__proto__" / "constructor" keys.
      return pick(r, [
        '{"__proto__": {"polluted": 1}, "config": {"__proto__": {"polluted": 1}, "task": "rastrigin"}}',
        '{"config": {"constructor": {"prototype": {"polluted": 1}}, "sigma": {"__proto__": {"polluted": 1}}}}',
        '{"app": "es-playground", "version": 1, "config": {"estimators": ["__proto__", "constructor"], "view": {"__proto__": {"speed": 1e9}}}}',
        '{"config": {"task": "rastrigin", "theta0": {"length": 1e9}}}',
        '{"config": {"estimators": {"length": 3, "0": "tes"}}}',
      ]);
    case 4:
      // Deep nesting (a recursive reader would overflow the stack) and long lists.
      return r() < 0.5 ? `${'['.repeat(20_000)}${']'.repeat(20_000)}` : { config: { estimators: Array.from({ length: 100_000 }, () => 'tes'), theta0: Array.from({ length: 50_000 }, () => 1) } };
    case 5:
      return pick(r, HOSTILE_VALUES);
    default: {
      const config = base.config as Record<string, unknown>;
      config[pick(r, CONFIG_KEYS)] = { nested: pick(r, HOSTILE_VALUES), deeper: [pick(r, HOSTILE_VALUES)] };
      base.pin = pick(r, HOSTILE_VALUES);
      return base;
    }
  }
}

const KNOWN = {
  task: new Set<string>(TASK_IDS),
  estimator: new Set<string>(ESTIMATOR_IDS),
  optimizer: new Set(['sgd', 'adam']),
};

/** Numbers, strings, booleans, null, arrays and plain objects only (T may be ∞: tasks that never reset). */
function plainData(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype && v.every((x) => plainData(x, depth + 1));
  if (typeof v === 'object') return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => plainData(x, depth + 1));
  return false;
}

/** A result is an error with a message, or a configuration that is valid and holds only known words. */
function checkResult(result: DecodeResult, label: string): void {
  if (!result.ok) {
    expect(typeof result.error, label).toBe('string');
    expect(result.error.length, label).toBeGreaterThan(0);
    // Errors never echo unbounded input back into the page.
    expect(result.error.length, label).toBeLessThan(2000);
    return;
  }
  const c = result.config;
  expect(configIssues(c), label).toEqual([]);
  expect(configLimitIssues(c), label).toEqual([]);
  expect(KNOWN.task.has(c.task), label).toBe(true);
  for (const e of c.estimators) expect(KNOWN.estimator.has(e), label).toBe(true);
  expect(KNOWN.optimizer.has(c.optimizer), label).toBe(true);
  for (const w of result.warnings) expect(w.length, label).toBeLessThan(2000);
  // Plain data only: no functions, no inherited oddities, no input strings outside the known vocabularies.
  expect(plainData(c), label).toBe(true);
  const json = JSON.stringify(c);
  expect(json, label).not.toMatch(/<script|onerror|javascript:|__pwned|__proto__|polluted/);
}

describe('hostile input fuzzing', () => {
  it(`${INPUTS_PER_DECODER} links and ${INPUTS_PER_DECODER} files: an error or a valid clamped config, never a throw or an injection`, () => {
    const r = rng(0xc0ffee);
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    let ok = 0;
    let errors = 0;
    for (let i = 0; i < INPUTS_PER_DECODER; i++) {
      const link = hostileLink(r, i);
      let result: DecodeResult | undefined;
      expect(() => (result = decodePermalink(link)), `link #${i}`).not.toThrow();
      checkResult(result!, `link #${i}: ${link.slice(0, 120)}`);
      if (result!.ok) ok++;
      else errors++;
    }
    for (let i = 0; i < INPUTS_PER_DECODER; i++) {
      const file = hostileJson(r, i);
      let result: DecodeResult | undefined;
      expect(() => (result = decodeConfigJson(file)), `file #${i}`).not.toThrow();
      checkResult(result!, `file #${i}: ${String(typeof file === 'string' ? file : JSON.stringify(file)).slice(0, 120)}`);
      if (result!.ok) ok++;
      else errors++;
    }
    console.log(`fuzzed ${2 * INPUTS_PER_DECODER} inputs: ${ok} decoded to a valid (clamped) config, ${errors} refused with a message`);
    // Nothing ran, nothing was polluted.
    expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
    expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted');
    // Both outcomes were exercised.
    expect(ok).toBeGreaterThan(500);
    expect(errors).toBeGreaterThan(500);
  }, 300_000);
});
