import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
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

/** The tfjs backends the CLI can run on (Node: no GPU backend). */
export const CLI_BACKENDS = ['wasm', 'cpu'] as const;
export type CliBackend = (typeof CLI_BACKENDS)[number];

let backendReady: CliBackend | null = null;

/**
 * The tfjs backend for the CLI: wasm by default — XNNPACK with SIMD, several times the
 * plain cpu backend on every task (docs/benchmarks.md) — or cpu, the last fallback (used
 * when wasm cannot start). Node gets no wasm threads (tfjs-backend-wasm turns them off
 * there). `ES_CLI_BACKEND` passes the choice to forked `reproduce` workers. Returns the
 * backend that runs, without tfjs' one-off "install tfjs-node" hint (which would otherwise
 * land in the middle of stderr on the first tensor).
 */
export async function setupBackend(requested?: CliBackend): Promise<CliBackend> {
  if (backendReady) return backendReady;
  const wanted = requested ?? (process.env.ES_CLI_BACKEND as CliBackend | undefined) ?? 'wasm';
  let name: CliBackend = wanted;
  if (wanted === 'wasm' && !(await startWasm())) name = 'cpu';
  if (name === 'cpu') await tf.setBackend('cpu');
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
  process.env.ES_CLI_BACKEND = name;
  backendReady = name;
  return name;
}

/** Starts tfjs-backend-wasm from its files in node_modules; false (with a note on stderr) when it cannot. */
async function startWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(`${dist}${sep}`);
    if (await tf.setBackend('wasm')) return true;
    progress('note: the wasm backend did not start; running on the cpu backend');
  } catch (e) {
    progress(`note: the wasm backend did not start (${e instanceof Error ? e.message : String(e)}); running on the cpu backend`);
  }
  return false;
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
