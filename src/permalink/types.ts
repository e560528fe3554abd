import type { PlaygroundConfig } from '../core/playground-config';
import type { SigmaSchedule } from '../core/sigma-schedule';

/** Format version of links and exported files; bump on any incompatible change. */
export const PERMALINK_VERSION = 1;

/**
 * Longest input `decodePermalink` looks at; longer input is rejected before any parsing.
 * Room for the largest configuration pinned with the most history a link carries
 * (64 changes of the longest numbers: about 6,400 characters) plus the page's address.
 */
export const MAX_PERMALINK_LENGTH = 8192;

/**
 * One mid-run change of the live settings: the σ schedule and learning rate that the
 * updates *before* outer iteration `before` used (from the previous change, or from the
 * start). The config's own σ and learning rate apply after the last change.
 */
export interface SettingsChange {
  before: number;
  sigma: SigmaSchedule;
  lr: number;
}

/**
 * A link can open at a given outer iteration (e.g. "look at this spike"): the page replays
 * the run from the seed to `iteration`. `history` lists the σ / learning-rate changes the
 * sender made during the run (strictly increasing `before`, each ≤ `iteration`), so the
 * replay takes the same path; absent or empty when nothing changed mid-run.
 */
export interface PinnedPoint {
  iteration: number;
  history?: SettingsChange[];
}

/**
 * What a link says about how to present the experiment, beside the experiment itself: the
 * preset it came from (whose commentary the page shows) and whether it opens as a lesson
 * (only the controls the preset needs, the commentary first). Not part of the config: a
 * link without them reproduces the same run.
 */
export interface LinkContext {
  preset?: string;
  lesson?: boolean;
}

export type DecodeResult =
  | { ok: true; config: PlaygroundConfig; pin?: PinnedPoint; context?: LinkContext; warnings: string[] }
  /**
   * `error`: what was wrong and what the page used instead (for notices); `problem`: only
   * what was wrong, for callers that fall back differently (an import keeps the current
   * experiment, the CLI stops).
   */
  | { ok: false; error: string; problem: string; config: PlaygroundConfig };

/**
 * Bounds the decoder enforces on fields `LIMITS` (src/core/playground-config.ts) does not
 * cover. Values outside are clamped with a warning, like the `LIMITS` fields.
 */
export const PERMALINK_LIMITS = {
  /** GPES resampling period R in inner steps (R ≥ T already means "once per episode"). */
  R: { min: 1, max: 1_000_000 },
  /** Decay factor γ of the exponential and step σ schedules. */
  gamma: { min: 1e-6, max: 10 },
  /** Length n of the linear, cosine and step σ schedules, in outer iterations. */
  scheduleSteps: { min: 1, max: 1_000_000 },
  /** Iteration a link opens at. */
  pin: { min: 0, max: 1_000_000 },
  /** Longest list (estimators, θ₀) the JSON importer looks into. */
  listLength: { max: 64 },
  /** Most mid-run σ / learning-rate changes a pinned link carries. */
  history: { max: 64 },
} as const;
