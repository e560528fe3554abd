/**
 * WGSL twins of the built-in tasks (one file per task, mirroring src/core/tasks).
 * Only the shared default instances (`createTask(id)`) are mirrored: a task built with
 * other options has no twin and stays on the tfjs path.
 */
import type { TaskId } from '../../core/config';
import type { Task } from '../../core/task';
import { createTask } from '../../core/tasks/index';
import { influenceBalancingWgsl } from './influence-balancing';
import { linearQuadraticWgsl } from './linear-quadratic';
import { lorenzWgsl } from './lorenz';
import { lrScheduleWgsl } from './lr-schedule';
import { rastriginWgsl } from './rastrigin';
import type { WgslTask } from './task-wgsl';

const FACTORIES: Readonly<Partial<Record<TaskId, (task: Task) => WgslTask>>> = {
  'linear-quadratic': linearQuadraticWgsl,
  'influence-balancing': influenceBalancingWgsl,
  'lr-schedule': lrScheduleWgsl,
  lorenz: lorenzWgsl,
  rastrigin: rastriginWgsl,
};

const cache = new Map<TaskId, WgslTask>();

/** The WGSL twin of a task, or null when there is none (non-default instance). */
export function wgslTaskFor(task: Task): WgslTask | null {
  const id = task.meta.id as TaskId;
  const factory = FACTORIES[id];
  if (!factory || createTask(id) !== task) return null;
  let w = cache.get(id);
  if (!w) {
    w = factory(task);
    cache.set(id, w);
  }
  return w;
}

export type { WgslTask } from './task-wgsl';
