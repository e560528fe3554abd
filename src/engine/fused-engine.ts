/**
 * Sessions and jobs built from a compute plan (compute-paths.ts): the estimators the plan
 * puts on the fused WGSL kernels run in a FusedSession — whole truncations per dispatch,
 * noise on the GPU, one readback per frame — the rest in the tfjs `Session` on the plan's
 * ops backend, which stays the portable path and the reference the fused one is
 * parity-tested against (e2e/fused-parity.spec.ts). Both give the same frames; a session
 * with both is a MixedSession.
 */
import type { EstimatorId } from '../core/config';
import { metaLossSurface, type SurfaceOptions, type SurfaceResult } from '../core/experiments/surface';
import { measureVariance, type VarianceOptions, type VarianceResult } from '../core/experiments/variance';
import { Session, type SessionConfig } from '../core/session';
import { FusedSession } from '../gpu/fused-session';
import type { SessionLike } from '../gpu/session-like';
import { fusedMetaLossSurface, fusedSurfaceSupported } from '../gpu/surface';
import { fusedMeasureVariance, fusedVarianceSupported } from '../gpu/variance';
import { type ComputePlan, type PathId, type PieceWork, referenceWork } from './compute-paths';
import { MixedSession } from './mixed-session';

export type EngineSession = SessionLike;

/** How a session computes, in a word (the page's badge): all fused, all tfjs op by op, or both. */
export type ComputePath = 'fused' | 'ops' | 'mixed';

/** The session for `config` as `plan` says: each estimator on its path. */
export function createPlannedSession(config: SessionConfig, plan: ComputePlan): EngineSession {
  const onPath = (fused: boolean): EstimatorId[] => config.estimators.filter((e) => (plan.estimators.find((p) => p.piece === e)?.path === 'fused') === fused);
  let fusedIds = onPath(true);
  const opsIds = onPath(false);
  let fusedSession: FusedSession | null = null;
  if (fusedIds.length > 0) {
    try {
      fusedSession = new FusedSession({ ...config, estimators: fusedIds });
    } catch {
      // A configuration the kernels reject (e.g. an invalid GPES period) is reported by the
      // tfjs Session with the same message, or runs there.
      fusedIds = [];
    }
  }
  const tfjsIds = fusedSession ? opsIds : [...config.estimators];
  if (!fusedSession) return new Session(config);
  if (tfjsIds.length === 0) return fusedSession;
  return new MixedSession(config.estimators, [
    { estimators: fusedIds, session: fusedSession },
    { estimators: tfjsIds, session: new Session({ ...config, estimators: tfjsIds }) },
  ]);
}

export function computePathOf(session: EngineSession): ComputePath {
  if (session instanceof FusedSession) return 'fused';
  if (session instanceof MixedSession) return 'mixed';
  return 'ops';
}

/**
 * One piece's work on one path, for calibration: one estimator in a session of its own
 * (fused, or tfjs on the active backend), or the gradient-quality reference.
 */
export function pieceWork(config: SessionConfig, piece: EstimatorId | 'reference', path: PathId, referencePairs: number): PieceWork {
  if (piece === 'reference') return referenceWork(config, referencePairs);
  const one = { ...config, estimators: [piece] };
  const session: SessionLike = path === 'fused' ? new FusedSession(one) : new Session(one);
  return { update: () => session.stepSlices(), dispose: () => session.dispose() };
}

/**
 * The meta-loss surface function for a plan: the fused rows kernel (every grid point ×
 * sample an episode in registers, the per-point mean reduced on the GPU, one readback)
 * when the plan allows fused jobs, the task has a WGSL twin and the slice is along
 * coordinates; else `metaLossSurface` (tfjs, on the ops backend). Same grid, same common
 * random numbers, same result up to float rounding (e2e/fused-parity.spec.ts).
 */
export function surfaceOn(plan: Pick<ComputePlan, 'fusedJobs'> | null): (options: EngineSurfaceOptions) => Promise<SurfaceResult> {
  return (options) => (fusedSurfaceFor(plan, options) ? fusedMetaLossSurface(options) : metaLossSurface(options));
}

export interface EngineSurfaceOptions extends SurfaceOptions {
  /** Smoothed grid only (the fused path skips the raw unrolls and returns `raw: []`; tfjs computes it anyway). */
  skipRaw?: boolean;
}

/**
 * Whether `surfaceOn(plan)` runs these options through the fused kernel: then one call
 * takes all the samples (it splits them into dispatches itself, reporting progress and
 * honouring cancellation between them) instead of one call per chunk of samples.
 */
export function fusedSurfaceFor(plan: Pick<ComputePlan, 'fusedJobs'> | null, options: Pick<SurfaceOptions, 'task' | 'directions'>): boolean {
  return plan?.fusedJobs === true && fusedSurfaceSupported(options);
}

/**
 * The variance sweep for a plan: when fused jobs are allowed, every estimator has a fused
 * kernel and the reference gradient is given, each (estimator, J) cell is one fused
 * dispatch of repeats × N pairs (or J accumulating ones) with the per-worker estimates
 * reduced into the same rows as `measureVariance`; else `measureVariance` (tfjs).
 */
export function varianceOn(plan: Pick<ComputePlan, 'fusedJobs'> | null): (options: VarianceOptions) => Promise<VarianceResult> {
  return (options) => (plan?.fusedJobs === true && options.reference && fusedVarianceSupported(options) ? fusedMeasureVariance(options) : measureVariance(options));
}
