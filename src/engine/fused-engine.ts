/**
 * Which session the engine runs: on the WebGPU backend, when the configuration has fused
 * kernels (src/gpu: a built-in task's default instance; ES estimators only, no rank
 * shaping), the fused WGSL session — whole truncations per dispatch, noise on the GPU,
 * one readback per frame; everywhere else the tfjs op-by-op `Session`, which stays the
 * portable path and the reference the fused one is parity-tested against
 * (e2e/fused-parity.spec.ts). Both give the same frames.
 */
import { metaLossSurface, type SurfaceOptions, type SurfaceResult } from '../core/experiments/surface';
import { measureVariance, type VarianceOptions, type VarianceResult } from '../core/experiments/variance';
import { Session, type SessionConfig } from '../core/session';
import { FusedSession, fusedSupport } from '../gpu/fused-session';
import type { SessionLike } from '../gpu/session-like';
import { fusedMetaLossSurface, fusedSurfaceSupported } from '../gpu/surface';
import { fusedMeasureVariance, fusedVarianceSupported } from '../gpu/variance';
import type { BackendInfo } from '../platform/backend-info';

export type EngineSession = SessionLike;

/** How a session computes: fused WGSL kernels, or tfjs op by op. */
export type ComputePath = 'fused' | 'ops';

/** Why `config` runs op by op on `backend` (null: it runs fused). */
export function opsReason(config: SessionConfig, backend: Pick<BackendInfo, 'name'> | null): string | null {
  if (backend?.name !== 'webgpu') return `the ${backend?.name ?? 'unknown'} backend has no fused kernels`;
  return fusedSupport(config);
}

export function createEngineSession(config: SessionConfig, backend: Pick<BackendInfo, 'name'> | null): EngineSession {
  if (opsReason(config, backend) === null) {
    try {
      return new FusedSession(config);
    } catch {
      // A configuration the kernels reject (e.g. an invalid GPES period) is reported by the
      // tfjs Session with the same message, or runs there.
    }
  }
  return new Session(config);
}

export function computePathOf(session: EngineSession): ComputePath {
  return session instanceof FusedSession ? 'fused' : 'ops';
}

/**
 * The meta-loss surface function for `backend`: on WebGPU the fused rows kernel (every
 * grid point × sample an episode in registers, the per-point mean reduced on the GPU, one
 * readback) when the task has a WGSL twin and the slice is along coordinates; else
 * `metaLossSurface` (tfjs). Same grid, same common random numbers, same result up to
 * float rounding (e2e/fused-parity.spec.ts).
 */
export function surfaceOn(backend: Pick<BackendInfo, 'name'> | null): (options: EngineSurfaceOptions) => Promise<SurfaceResult> {
  return (options) => (fusedSurfaceFor(backend, options) ? fusedMetaLossSurface(options) : metaLossSurface(options));
}

export interface EngineSurfaceOptions extends SurfaceOptions {
  /** Smoothed grid only (the fused path skips the raw unrolls and returns `raw: []`; tfjs computes it anyway). */
  skipRaw?: boolean;
}

/**
 * Whether `surfaceOn(backend)` runs these options through the fused kernel: then one call
 * takes all the samples (it splits them into dispatches itself, reporting progress and
 * honouring cancellation between them) instead of one call per chunk of samples.
 */
export function fusedSurfaceFor(backend: Pick<BackendInfo, 'name'> | null, options: Pick<SurfaceOptions, 'task' | 'directions'>): boolean {
  return backend?.name === 'webgpu' && fusedSurfaceSupported(options);
}

/**
 * The variance sweep for `backend`: on WebGPU, when every estimator has a fused kernel
 * and the reference gradient is given, each (estimator, J) cell is one fused dispatch of
 * repeats × N pairs (or J accumulating ones) with the per-worker estimates reduced into
 * the same rows as `measureVariance`; else `measureVariance` (tfjs).
 */
export function varianceOn(backend: Pick<BackendInfo, 'name'> | null): (options: VarianceOptions) => Promise<VarianceResult> {
  return (options) =>
    backend?.name === 'webgpu' && options.reference && fusedVarianceSupported(options) ? fusedMeasureVariance(options) : measureVariance(options);
}
