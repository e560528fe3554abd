import type { EstimatorFactory } from './estimator';
import { NoiseReuseFamily } from './noise-reuse-family';

/**
 * Persistent ES (Vicol et al., ICML 2021). Each pair keeps its perturbed states across
 * truncations and accumulates all the noise it has used in the episode:
 *
 *   ξ_i ← ξ_i + ε_{j,i}  (fresh ε each truncation, before use)
 *   ĝ_j = (1/N) Σ_i ξ_i (ℓ_j⁺ − ℓ_j⁻) / (2σ²)
 *
 * Unbiased for the smoothed objective; its per-update variance grows with the
 * truncation index j. GPES with R = K.
 */
export const createPes: EstimatorFactory = (ctx) => new NoiseReuseFamily('pes', ctx, ctx.settings.K);
