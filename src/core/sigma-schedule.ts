/**
 * σ annealing schedules: σ as a pure function of the outer iteration k, so a run is
 * reproducible from its config and a schedule can be plotted ahead of time.
 *
 *   constant     σ_k = σ₀
 *   exponential  σ_k = σ₀ · γ^k
 *   linear       σ_k = σ₀ + (σ₁ − σ₀) · min(k/n, 1)
 *   cosine       σ_k = σ₁ + ½(σ₀ − σ₁)(1 + cos(π · min(k/n, 1)))
 *   step         σ_k = σ₀ · γ^⌊k/n⌋
 */
export type SigmaSchedule =
  | { kind: 'constant'; sigma0: number }
  | { kind: 'exponential'; sigma0: number; gamma: number }
  | { kind: 'linear'; sigma0: number; sigma1: number; steps: number }
  | { kind: 'cosine'; sigma0: number; sigma1: number; steps: number }
  | { kind: 'step'; sigma0: number; gamma: number; steps: number };

export type SigmaScheduleKind = SigmaSchedule['kind'];
export const SIGMA_SCHEDULE_KINDS: readonly SigmaScheduleKind[] = ['constant', 'exponential', 'linear', 'cosine', 'step'];

/** Smallest σ any schedule may reach: keeps 1/σ² finite in float32. */
export const SIGMA_MIN = 1e-6;

export function sigmaAt(schedule: SigmaSchedule, k: number): number {
  const s = rawSigmaAt(schedule, Math.max(0, k));
  return Math.max(SIGMA_MIN, s);
}

function rawSigmaAt(schedule: SigmaSchedule, k: number): number {
  switch (schedule.kind) {
    case 'constant':
      return schedule.sigma0;
    case 'exponential':
      return schedule.sigma0 * Math.pow(schedule.gamma, k);
    case 'linear': {
      const f = Math.min(k / Math.max(1, schedule.steps), 1);
      return schedule.sigma0 + (schedule.sigma1 - schedule.sigma0) * f;
    }
    case 'cosine': {
      const f = Math.min(k / Math.max(1, schedule.steps), 1);
      return schedule.sigma1 + 0.5 * (schedule.sigma0 - schedule.sigma1) * (1 + Math.cos(Math.PI * f));
    }
    case 'step':
      return schedule.sigma0 * Math.pow(schedule.gamma, Math.floor(k / Math.max(1, schedule.steps)));
  }
}

export function constantSigma(sigma0: number): SigmaSchedule {
  return { kind: 'constant', sigma0 };
}
