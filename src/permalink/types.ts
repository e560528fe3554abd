import type { PlaygroundConfig } from '../core/playground-config';

/** Format version of links and exported files; bump on any incompatible change. */
export const PERMALINK_VERSION = 1;

/** Longest input `decodePermalink` looks at; longer input is rejected before any parsing. */
export const MAX_PERMALINK_LENGTH = 4096;

/** A link can open at a given outer iteration (e.g. "look at this spike"). */
export interface PinnedPoint {
  iteration: number;
}

export type DecodeResult =
  | { ok: true; config: PlaygroundConfig; pin?: PinnedPoint; warnings: string[] }
  | { ok: false; error: string; config: PlaygroundConfig };

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
} as const;
