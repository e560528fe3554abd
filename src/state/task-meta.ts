/** Task metadata (parameter names, bounds, θ₀, optimum, defaults) on the main thread. */
import '../platform/metadata-backend';
import type { TaskId } from '../core/config';
import type { TaskMeta } from '../core/task';
import { createTask } from '../core/tasks/index';

export function taskMeta(id: TaskId): TaskMeta {
  return createTask(id).meta;
}

/** Whether the task's episodes end (T finite), i.e. whether J = T/K means anything. */
export function hasFiniteHorizon(id: TaskId): boolean {
  return Number.isFinite(taskMeta(id).defaults.T);
}
