import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { EstimatorId, TaskId } from '../../core/config';
import type { Task } from '../../core/task';
import { createLinearQuadratic, createLorenz, createLrSchedule, createTask } from '../../core/tasks/index';
import type { Options } from '../args';
import { UsageError } from '../args';
import type { Table } from '../csv';

/** What a command hands back to the entry point: the JSON document and, if tabular, its CSV form. */
export interface CommandResult {
  json: unknown;
  table?: Table;
}

export type CommandHandler = (opts: Options) => Promise<CommandResult>;

let backendReady = false;

/**
 * The tfjs CPU backend, without its one-off "install tfjs-node" hint (which would
 * otherwise land in the middle of stderr on the first tensor).
 */
export async function setupBackend(): Promise<void> {
  if (backendReady) return;
  await tf.setBackend('cpu');
  await tf.ready();
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0] ?? '').includes('running TensorFlow.js in Node.js')) warn(...args);
  };
  try {
    tf.tensor1d([0]).dispose();
  } finally {
    console.warn = warn;
  }
  backendReady = true;
}

/** A progress line on stderr. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

export function taskIdOf(opts: Options): TaskId {
  const id = opts.string('task');
  if (id === undefined) throw new UsageError('missing --task');
  return id as TaskId;
}

export function estimatorIdsOf(opts: Options, name: 'estimators'): EstimatorId[] {
  return (opts.strings(name) ?? []) as EstimatorId[];
}

/**
 * Tasks whose factory takes a horizon option `{ T }` (see src/core/tasks/*.ts):
 * only these accept `--T` on `loss`.
 */
export const HORIZON_FACTORIES: Partial<Record<TaskId, (T: number) => Task>> = {
  'linear-quadratic': (T) => createLinearQuadratic({ T }),
  'lr-schedule': (T) => createLrSchedule({ T }),
  lorenz: (T) => createLorenz({ T }),
};

/** The task, re-created with horizon T when one is given. */
export function taskWithHorizon(id: TaskId, T: number | undefined): Task {
  if (T === undefined) return createTask(id);
  const factory = HORIZON_FACTORIES[id];
  if (!factory) {
    const ok = Object.keys(HORIZON_FACTORIES).join(', ');
    throw new UsageError(`--T is not supported for ${id} (its factory takes no horizon); tasks with --T: ${ok}`);
  }
  if (!Number.isFinite(T)) throw new UsageError(`--T must be a finite number of steps for loss, got ${T}`);
  return factory(T);
}

/** θ from --theta (checked against the task's dimension), else the task's θ₀. */
export function thetaOf(opts: Options, task: Task): number[] {
  const theta = opts.numbers('theta');
  const names = task.meta.paramNames;
  if (theta === undefined) return [...task.meta.theta0];
  if (theta.length !== names.length) {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    throw new UsageError(
      `--theta has ${plural(theta.length, 'value')} but ${task.meta.id} has ${plural(names.length, 'parameter')} (${names.join(', ')})`,
    );
  }
  return theta;
}

/** Reads a [n] tensor back and disposes it. */
export async function readAndDispose(t: tf.Tensor): Promise<number[]> {
  const values = Array.from(await t.data());
  t.dispose();
  return values;
}
