import type { TaskId } from '../../core/config';
import type { LossReduction } from '../../core/task';

/**
 * One task's inner step in WGSL, the twin of its tfjs `step` in src/core/tasks. The
 * kernel generator (../kernels.ts) defines `S` (state size) and `D` (θ dimension) before
 * splicing this code in; the code defines:
 *
 *   struct Prep { … }                                   what a step needs from θ,
 *   fn task_prep(th: array<f32, D>) -> Prep            computed once per unroll (the tfjs
 *                                                      step recomputes the same values each
 *                                                      step, e.g. exp(θ), so hoisting them
 *                                                      changes nothing but the cost)
 *   fn task_init(s: ptr<function, array<f32, S>>)      the initial state
 *   fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32
 *                                                      one update in place; returns the loss
 *                                                      on the new state (same op order as tfjs)
 *
 * A task with a constant table (Lorenz's ground truth) reads it from `task_data`, a
 * read-only storage buffer the generator binds when `data` is not null. Such a task also
 * sets `stepInput` and defines what a step reads from the table separately, so the hot
 * loops read it once for both trajectories of a pair, four steps per load:
 *
 *   fn task_x1(t: u32) -> f32                          the table's input to step t
 *   fn task_x4(t: u32) -> vec4<f32>                    the same for steps t … t+3 (t a
 *                                                      multiple of 4)
 *   fn task_step_x(s, p: Prep, t: u32, x: f32) -> f32  task_step with that input given
 *
 * (On software WebGPU a storage load per step was most of a truncation's time.) The
 * generator defines these for the other tasks.
 */
export interface WgslTask {
  id: TaskId;
  stateSize: number;
  dim: number;
  reduction: LossReduction;
  /** Steps of the task's `episodeLoss` (evaluation, full-unroll ES, surfaces). */
  evalSteps: number;
  code: string;
  data: Float32Array | null;
  /** Element type `task_data` is declared with (default f32; vec4<f32> needs data padded to a multiple of 4). */
  dataElement?: 'f32' | 'vec4<f32>';
  /** The code defines task_x1, task_x4 and task_step_x (see above). */
  stepInput?: boolean;
}

/** A JS number as a WGSL float literal (abstract float, rounded to f32 where used, like Math.fround). */
export function fl(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite constant: ${x}`);
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
