/**
 * Configuration files (export / import): the same fields and rules as links, as JSON.
 *
 *   { "app": "es-playground", "version": 1, "config": { …PlaygroundConfig… },
 *     "pin": { "iteration": 250, "history": [{ "before": 40, "sigma": {…}, "lr": 0.01 }] },
 *     "data": { …curves… } }
 *
 * `data` (an export's curves, θ and results) is for the reader of the file; an import
 * ignores it and recomputes everything from the config and pin, so a file can never
 * inject numbers the engine did not compute.
 * JSON has no ∞, so T = ∞ is written as the string "Infinity" (the only string a number
 * field accepts). A bare config object (no wrapper) is accepted too.
 */
import type { PlaygroundConfig } from '../core/playground-config';
import { CONFIG_FIELDS, isRecord, ownField } from './validate';
import type { ConfigField, FieldSource, Rec } from './validate';
import { showList } from './text';
import { PERMALINK_VERSION } from './types';
import type { PinnedPoint } from './types';

export const CONFIG_FILE_APP = 'es-playground';

export function exportConfigJson(config: PlaygroundConfig, pin?: PinnedPoint, data?: unknown): string {
  const history = pin?.history ?? [];
  const file = {
    app: CONFIG_FILE_APP,
    version: PERMALINK_VERSION,
    config: { ...config, T: Number.isFinite(config.T) ? config.T : 'Infinity' },
    ...(pin ? { pin: history.length > 0 ? { iteration: pin.iteration, history } : { iteration: pin.iteration } } : {}),
  };
  const head = JSON.stringify(file, null, 2);
  if (data === undefined) return head;
  // The curves are thousands of numbers: one line for them rather than one line per number.
  // JSON has no NaN/∞; JSON.stringify writes them as null, which is what a diverged loss reads as.
  return `${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "data": ${JSON.stringify(data)}\n}`;
}

export type UnwrappedFile =
  | { ok: true; source: FieldSource; pin: unknown; warnings: string[] }
  | { ok: false; problem: string };

const WRAPPER_KEYS: readonly string[] = ['app', 'version', 'config', 'pin', 'data'];

export function unwrapConfigFile(json: unknown): UnwrappedFile {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // The engine's message may quote the input; keep it out of the UI.
      return { ok: false, problem: `The file is not valid JSON` };
    }
  }
  if (!isRecord(value)) {
    return { ok: false, problem: `The file does not hold an ES Playground configuration (expected a JSON object)` };
  }
  const warnings: string[] = [];
  let config: Rec = value;
  let pin: unknown;
  if (Object.hasOwn(value, 'config')) {
    const app = ownField(value, 'app');
    if (app !== undefined && app !== CONFIG_FILE_APP) {
      return { ok: false, problem: `The file is not an ES Playground configuration ("app" is not "${CONFIG_FILE_APP}")` };
    }
    const version = ownField(value, 'version');
    if (version !== undefined && version !== PERMALINK_VERSION) {
      if (typeof version === 'number' && Number.isInteger(version) && version > PERMALINK_VERSION) {
        return {
          ok: false,
          problem: `This file was made by a newer version (v${version}) of ES Playground than this one (v${PERMALINK_VERSION}) and cannot be read`,
        };
      }
      return { ok: false, problem: `The file has an unsupported format version (${showList([version])}; this version reads v${PERMALINK_VERSION})` };
    }
    const inner = ownField(value, 'config');
    if (!isRecord(inner)) return { ok: false, problem: `The file's "config" is not an object` };
    config = inner;
    pin = ownField(value, 'pin');
    const extra = Object.keys(value).filter((k) => !WRAPPER_KEYS.includes(k));
    if (extra.length > 0) warnings.push(`Ignored unknown ${extra.length === 1 ? 'field' : 'fields'} ${showList(extra)} in the file.`);
  }
  const extra = Object.keys(config).filter((k) => !(CONFIG_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) warnings.push(`Ignored unknown ${extra.length === 1 ? 'setting' : 'settings'} ${showList(extra)} in the file.`);
  const src = config;
  const source: FieldSource = {
    get(field: ConfigField) {
      const v = ownField(src, field);
      return field === 'T' && v === 'Infinity' ? Infinity : v;
    },
    label: (path) => path,
  };
  return { ok: true, source, pin, warnings };
}
