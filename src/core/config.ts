import type { AdamBetas } from './optimizers';
import type { OptimizerName } from './task';
import type { SigmaSchedule } from './sigma-schedule';

export type EstimatorId = 'full-es' | 'tes' | 'pes' | 'nres' | 'gpes' | 'tbptt' | 'bptt';
export type TaskId = 'linear-quadratic' | 'influence-balancing' | 'lr-schedule' | 'lorenz' | 'rastrigin' | 'mlp-hpo' | 'rnn' | 'learned-optimizer' | 'mnist';
export type WorkerMode = 'lockstep' | 'unlocked';
/**
 * What a σ change does to an episode already under way in the online ES estimators
 * (PES, NRES, GPES). Each block of noise z (a truncation for PES, R steps for GPES, the
 * episode for NRES) perturbs with ε = σ_b z and enters the weight as z/σ_b, so blocks run
 * at different σ still give unbiased estimates as long as σ_b is fixed within a block:
 * - 'next-episode': the particle keeps the σ it drew its episode with; the new σ takes
 *   effect when that particle's next episode starts. Estimates stay unbiased.
 * - 'rescale': the new σ applies from each pair's next noise draw — at once for PES (new
 *   noise every truncation), at the next resampling for GPES; both stay unbiased. NRES
 *   draws once per episode, so it re-scales its stored noise at once (ε = σ_new·z, weight
 *   z/σ_new): one weight cannot account for the truncations run at the old σ, and the rest
 *   of that episode's estimates are biased — measured on linear-quadratic (a = 0.99,
 *   σ 0.4 → 0.1 after two of five truncations): −2.93 for an exact −1.473 at the last
 *   truncation (sigma-change.test.ts). The only choice for tasks that never reset (T = ∞),
 *   where NRES never redraws: prefer PES or GPES there when σ changes.
 */
export type SigmaChangePolicy = 'next-episode' | 'rescale';

/** Everything one estimator population needs, fully resolved (no optional fields). */
export interface EstimatorSettings {
  /** Antithetic pairs N (2N perturbed particles). */
  pairs: number;
  /** Inner steps per truncation. */
  K: number;
  /** Episode horizon; Infinity for tasks that never reset. */
  T: number;
  /** Noise-resampling period of GPES, a multiple of K (K → PES, ≥ T → NRES). */
  R: number;
  workers: WorkerMode;
  /** Unroll T steps (gradients discarded) before the first update. */
  burnIn: boolean;
  /** Rank-based fitness shaping (full-es only). */
  rankShaping: boolean;
  sigmaChange: SigmaChangePolicy;
  seed: number;
}

/** One training experiment: a task, one estimator, the outer loop. */
export interface TrainConfig {
  task: TaskId;
  estimator: EstimatorId;
  settings: EstimatorSettings;
  sigma: SigmaSchedule;
  optimizer: OptimizerName;
  /** Adam's β₁, β₂ (DEFAULT_ADAM_BETAS when omitted). */
  adam?: AdamBetas;
  lr: number;
  iterations: number;
  /** Initial θ; the task's θ₀ when omitted. */
  theta0?: readonly number[];
}
