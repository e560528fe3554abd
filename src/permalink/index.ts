/**
 * Permalinks: every experiment configuration as a URL fragment that reproduces it, plus
 * the same for configuration files. Decoding never throws: bad input gives a warning per
 * fixed field (clamped, dropped, defaulted) or, when nothing usable is there, an error and
 * the default experiment. Decoded data is plain data; no decoded string reaches the
 * config except as one of the known ids it was compared against.
 *
 * Format (v1) — see link.ts: `v1.task=lr-schedule&est=tes,pes,nres&N=50&T=100&…`.
 */
import { defaultPlaygroundConfig } from '../core/playground-config';
import type { PlaygroundConfig } from '../core/playground-config';
import { unwrapConfigFile } from './json';
import { encodeFields, fragmentOf, parsePayload, splitVersion } from './link';
import { MAX_PERMALINK_LENGTH, PERMALINK_VERSION } from './types';
import type { DecodeResult, LinkContext, PinnedPoint } from './types';
import { isRecord, ownField, readHistory, readPin, validateConfig } from './validate';
import type { FieldSource } from './validate';

export { MAX_PERMALINK_LENGTH, PERMALINK_LIMITS, PERMALINK_VERSION } from './types';
export type { DecodeResult, LinkContext, PinnedPoint, SettingsChange } from './types';
export { describeConfig, markdownLink } from './describe';
export { exportConfigJson } from './json';

const FALLBACK = 'opened the default experiment instead.';

/** The fragment (without '#') that reproduces `config`, e.g. 'v1.task=lr-schedule&…'. */
export function encodePermalink(config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): string {
  return encodeFields(config, pin, context);
}

/** `baseUrl` with its fragment (if any) replaced by the permalink. */
export function permalinkUrl(baseUrl: string, config: PlaygroundConfig, pin?: PinnedPoint): string {
  const hash = baseUrl.indexOf('#');
  return `${hash >= 0 ? baseUrl.slice(0, hash) : baseUrl}#${encodePermalink(config, pin)}`;
}

function failure(problem: string): DecodeResult {
  return { ok: false, problem, error: `${problem}; ${FALLBACK}`, config: defaultPlaygroundConfig() };
}

interface RawPin {
  value: unknown;
  label: string;
  history: unknown;
  historyLabel: string;
}

function finish(source: FieldSource, raw: RawPin, warnings: string[], nothing: string, context: LinkContext = {}): DecodeResult {
  const v = validateConfig(source);
  if (v.present === 0) return failure(nothing);
  const all = [...warnings, ...v.warnings];
  const pin = raw.value === undefined ? undefined : readPinnedPoint(v.config, raw, all);
  if (pin === undefined && raw.value === undefined && raw.history !== undefined) {
    all.push(`${raw.historyLabel} (a run's σ / learning-rate history) only means something with a pinned iteration (${raw.label}); ignored it.`);
  }
  const withContext = context.preset !== undefined ? { context } : {};
  return pin === undefined ? { ok: true, config: v.config, ...withContext, warnings: all } : { ok: true, config: v.config, pin, ...withContext, warnings: all };
}

/**
 * The pinned iteration and its history. A link cannot ask for more updates than the
 * experiment's own iteration limit (its stop condition): the replay runs in the engine
 * worker, sliced and cancellable, but a hand-edited `at=1000000` should not start hours
 * of work the sender never did.
 */
function readPinnedPoint(config: PlaygroundConfig, raw: RawPin, warnings: string[]): PinnedPoint | undefined {
  let iteration = readPin(raw.value, raw.label, warnings);
  if (iteration === undefined) return undefined;
  if (config.stop.kind === 'iterations' && iteration > config.stop.value) {
    warnings.push(
      `${raw.label} = ${iteration} is past the experiment's stop condition (${config.stop.value} iterations); opening at iteration ${config.stop.value}.`,
    );
    iteration = config.stop.value;
  }
  const history = readHistory(raw.history, iteration, raw.historyLabel, warnings);
  return history && history.length > 0 ? { iteration, history } : { iteration };
}

/**
 * Reads a permalink: '#v1.…', 'v1.…' or a whole URL with the fragment. Never throws.
 * ok: the config (always valid: LIMITS respected, K | T, R a multiple of K, known ids,
 * θ₀ of the task's dimension) and what had to be fixed; not ok: why, and the default config.
 */
export function decodePermalink(input: string): DecodeResult {
  try {
    if (typeof input !== 'string') return failure(`Expected the link as text`);
    if (input.length > MAX_PERMALINK_LENGTH) {
      return failure(
        `This link is too long (${input.length} characters; experiment links are at most ${MAX_PERMALINK_LENGTH}), ` +
          `so it was not read`,
      );
    }
    const fragment = fragmentOf(input);
    if (fragment === '') return failure(`The link holds no experiment (nothing after '#')`);
    const split = splitVersion(fragment);
    if (split === null) {
      return failure(`This is not an ES Playground experiment link (the part after '#' should start with 'v${PERMALINK_VERSION}.')`);
    }
    if (split.version > PERMALINK_VERSION) {
      return failure(
        `This link was made by a newer version (v${split.version}) of ES Playground than this one (v${PERMALINK_VERSION}) ` +
          `and cannot be read here`,
      );
    }
    if (split.version < PERMALINK_VERSION) {
      return failure(`This link uses format v${split.version}, which this version (v${PERMALINK_VERSION}) no longer reads`);
    }
    const parsed = parsePayload(split.payload);
    return finish(
      parsed.source,
      { value: parsed.pin, label: parsed.pinLabel, history: parsed.history, historyLabel: parsed.historyLabel },
      parsed.warnings,
      `The link has no recognizable experiment settings after 'v${PERMALINK_VERSION}.' (it may have been cut off)`,
      parsed.context,
    );
  } catch {
    // Unreachable by design; a guarantee, not a code path.
    return failure(`The link could not be read`);
  }
}

/**
 * Reads an imported configuration file (parsed JSON, or its text) with the same rules as
 * links. Never throws.
 */
export function decodeConfigJson(json: unknown): DecodeResult {
  try {
    const file = unwrapConfigFile(json);
    if (!file.ok) return failure(file.problem);
    const pin = isRecord(file.pin) ? file.pin : null;
    const raw: RawPin = {
      value: pin ? ownField(pin, 'iteration') : file.pin,
      label: 'pin.iteration',
      history: pin ? ownField(pin, 'history') : undefined,
      historyLabel: 'pin.history',
    };
    return finish(file.source, raw, file.warnings, `The file holds no ES Playground settings`);
  } catch {
    return failure(`The file could not be read`);
  }
}
