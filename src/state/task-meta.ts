/** Task metadata (parameter names, bounds, θ₀, optimum, defaults) on the main thread. */
import '../platform/metadata-backend';
import type { TaskId } from '../core/config';
import type { TaskMeta } from '../core/task';
import { createLandscapeTask, createTask } from '../core/tasks/index';

export function taskMeta(id: TaskId): TaskMeta {
  return createTask(id).meta;
}

/** Metadata of the task a landscape grid evaluates (MNIST's: a subset of its training digits). */
export function landscapeTaskMeta(id: TaskId): TaskMeta {
  return createLandscapeTask(id).meta;
}

/** Whether the task's episodes end (T finite), i.e. whether J = T/K means anything. */
export function hasFiniteHorizon(id: TaskId): boolean {
  return Number.isFinite(taskMeta(id).defaults.T);
}
