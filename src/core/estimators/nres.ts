import type { EstimatorFactory } from './estimator';
import { NoiseReuseFamily } from './noise-reuse-family';

/**
 * ES-Single (Vicol, Kolter, Swersky, ICML 2023) / Noise-Reuse ES (Li et al., NeurIPS
 * 2023). One perturbation per pair, drawn at the start of its episode and reused for
 * every truncation of that episode:
 *
 *   ĝ_j = (1/N) Σ_i ε_i (ℓ_j⁺ − ℓ_j⁻) / (2σ²)
 *
 * Summed over an episode with θ fixed it equals full-unroll ES with the same ε; its
 * per-update variance does not grow with the number of truncations. GPES with R ≥ T.
 *
 * On a task that never resets (T = ∞) there is no episode end to redraw at: each pair
 * keeps the noise it drew at the start for the whole run (N fixed directions). A σ change
 * there rescales that noise at once, which biases the estimates (see SigmaChangePolicy).
 */
export const createNres: EstimatorFactory = (ctx) => new NoiseReuseFamily('nres', ctx, Number.POSITIVE_INFINITY);
