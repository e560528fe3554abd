import type { EstimatorFactory } from './estimator';
import { NoiseReuseFamily } from './noise-reuse-family';

/**
 * Generalized PES, GPES_R: fresh noise every R inner steps (R a multiple of K),
 * accumulated into the weight ξ:
 *
 *   at t ≡ 0 (mod R): ξ_i ← ξ_i + ε_i;    ĝ_j = (1/N) Σ_i ξ_i (ℓ_j⁺ − ℓ_j⁻) / (2σ²)
 *
 * R = K is PES, R ≥ T is ES-Single/NRES; the values between trade PES's decorrelated
 * noise for NRES's lower variance.
 */
export const createGpes: EstimatorFactory = (ctx) =>
  new NoiseReuseFamily('gpes', ctx, ctx.settings.R >= ctx.settings.T ? Number.POSITIVE_INFINITY : ctx.settings.R);
