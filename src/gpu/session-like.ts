import type { Session } from '../core/session';

/**
 * What the engine needs from a training session: `Session` (tfjs, every backend) and
 * `FusedSession` (fused WGSL kernels, WebGPU) both provide it, with the same frames.
 */
export type SessionLike = Pick<
  Session,
  'task' | 'iteration' | 'sigma' | 'recordUpdate' | 'recordedUpdates' | 'setSigmaSchedule' | 'setLr' | 'step' | 'stepSlices' | 'frame' | 'rewind' | 'diagnostics' | 'dispose'
>;
