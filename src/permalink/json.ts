/**
 * Configuration files (export / import): the same fields and rules as links, as JSON.
 *
 *   { "app": "es-playground", "version": 1, "config": { …PlaygroundConfig… }, "pin": { "iteration": 250 } }
 *
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

export function exportConfigJson(config: PlaygroundConfig, pin?: PinnedPoint): string {
  const file = {
    app: CONFIG_FILE_APP,
    version: PERMALINK_VERSION,
    config: { ...config, T: Number.isFinite(config.T) ? config.T : 'Infinity' },
    ...(pin ? { pin: { iteration: pin.iteration } } : {}),
  };
  return JSON.stringify(file, null, 2);
}

export type UnwrappedFile =
  | { ok: true; source: FieldSource; pin: unknown; warnings: string[] }
  | { ok: false; error: string };

const WRAPPER_KEYS: readonly string[] = ['app', 'version', 'config', 'pin'];

export function unwrapConfigFile(json: unknown): UnwrappedFile {
  const defaults = 'opened the default experiment instead.';
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // The engine's message may quote the input; keep it out of the UI.
      return { ok: false, error: `The file is not valid JSON; ${defaults}` };
    }
  }
  if (!isRecord(value)) {
    return { ok: false, error: `The file does not hold an ES Playground configuration (expected a JSON object); ${defaults}` };
  }
  const warnings: string[] = [];
  let config: Rec = value;
  let pin: unknown;
  if (Object.hasOwn(value, 'config')) {
    const app = ownField(value, 'app');
    if (app !== undefined && app !== CONFIG_FILE_APP) {
      return { ok: false, error: `The file is not an ES Playground configuration ("app" is not "${CONFIG_FILE_APP}"); ${defaults}` };
    }
    const version = ownField(value, 'version');
    if (version !== undefined && version !== PERMALINK_VERSION) {
      if (typeof version === 'number' && Number.isInteger(version) && version > PERMALINK_VERSION) {
        return {
          ok: false,
          error: `This file was made by a newer version (v${version}) of ES Playground than this one (v${PERMALINK_VERSION}) and cannot be read; ${defaults}`,
        };
      }
      return { ok: false, error: `The file has an unsupported format version (${showList([version])}; this version reads v${PERMALINK_VERSION}); ${defaults}` };
    }
    const inner = ownField(value, 'config');
    if (!isRecord(inner)) return { ok: false, error: `The file's "config" is not an object; ${defaults}` };
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
