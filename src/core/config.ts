import type { OptimizerName } from './task';
import type { SigmaSchedule } from './sigma-schedule';

export type EstimatorId = 'full-es' | 'tes' | 'pes' | 'nres' | 'gpes' | 'tbptt' | 'bptt';
export type TaskId = 'linear-quadratic' | 'influence-balancing' | 'lr-schedule' | 'lorenz' | 'rastrigin' | 'mlp-hpo' | 'rnn' | 'learned-optimizer' | 'mnist';
export type WorkerMode = 'lockstep' | 'unlocked';
/**
 * What a σ change does to an episode already under way in the online ES estimators
 * (PES, NRES, GPES), which assume σ fixed within an episode:
 * - 'next-episode': the particle keeps the σ it drew its episode with; the new σ takes
 *   effect when that particle's next episode starts. Estimates stay unbiased.
 * - 'rescale': the stored unit noise z is re-scaled at once (ε = σ_new·z) from the next
 *   truncation on; the part of the state produced under the old σ makes that episode's
 *   estimates slightly biased. The only choice for tasks that never reset (T = ∞).
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
  lr: number;
  iterations: number;
  /** Initial θ; the task's θ₀ when omitted. */
  theta0?: readonly number[];
}
