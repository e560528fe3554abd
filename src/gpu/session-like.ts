import type { GradientDiagnostics, SessionFrame } from '../core/session';
import type { SigmaSchedule } from '../core/sigma-schedule';
import type { Task } from '../core/task';

/**
 * What the engine needs from a training session: `Session` (tfjs, every backend) and
 * `FusedSession` (fused WGSL kernels, WebGPU) both provide it.
 */
export interface SessionLike {
  readonly task: Task;
  readonly iteration: number;
  readonly sigma: number;
  setSigmaSchedule(schedule: SigmaSchedule): void;
  setLr(lr: number): void;
  /** One outer update of every estimator (queues work, reads nothing back). */
  step(): void;
  /** Everything the views need, in one readback. */
  frame(): Promise<SessionFrame>;
  diagnostics(reference?: 'autodiff' | 'es', pairs?: number): Promise<GradientDiagnostics[]>;
  dispose(): void;
}
