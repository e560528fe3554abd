/**
 * Task registry. Adding a task = one file in this folder + one line in TASK_FACTORIES
 * (and its id in `TaskId`, src/core/config.ts).
 */
import type { TaskId } from '../config';
import type { Task } from '../task';
import { createInfluenceBalancing } from './influence-balancing';
import { createLearnedOptimizer } from './learned-optimizer';
import { createLinearQuadratic } from './linear-quadratic';
import { createLorenz } from './lorenz';
import { createLrSchedule } from './lr-schedule';
import { createMlpHpo } from './mlp-hpo';
import { createMnist } from './mnist';
import { createRastrigin } from './rastrigin';
import { createRnn } from './rnn';

/** Default-configured factory of every task. */
export const TASK_FACTORIES: Readonly<Record<TaskId, () => Task>> = {
  'linear-quadratic': () => createLinearQuadratic(),
  'influence-balancing': () => createInfluenceBalancing(),
  'lr-schedule': () => createLrSchedule(),
  lorenz: () => createLorenz(),
  rastrigin: () => createRastrigin(),
  'mlp-hpo': () => createMlpHpo(),
  rnn: () => createRnn(),
  'learned-optimizer': () => createLearnedOptimizer(),
  mnist: () => createMnist(),
};

export const TASK_IDS = ['linear-quadratic', 'influence-balancing', 'lr-schedule', 'lorenz', 'rastrigin', 'mlp-hpo', 'rnn', 'learned-optimizer', 'mnist'] as const;

// Compile-time checks that TASK_IDS and TaskId list the same ids.
type Missing = Exclude<TaskId, (typeof TASK_IDS)[number]>;
type Extra = Exclude<(typeof TASK_IDS)[number], TaskId>;
const idsComplete: [Missing, Extra] extends [never, never] ? true : never = true;
void idsComplete;

const instances = new Map<TaskId, Task>();

/** The shared default instance of a task (created once; its constant tensors live for the session). */
export function createTask(id: TaskId): Task {
  let task = instances.get(id);
  if (!task) {
    const factory = TASK_FACTORIES[id];
    if (!factory) throw new Error(`unknown task '${String(id)}'`);
    task = factory();
    instances.set(id, task);
  }
  return task;
}

/**
 * Training digits a point of MNIST's landscape evaluates: the first 500 of the 5,000 (10
 * minibatches), not the whole training set. One point of the whole set is 100 minibatches
 * through the 3,322-weight network; the grid shrank to 8² and still took ~35 s on the CPU
 * backend beside a running session. A tenth of the digits draws a 12² grid in a few seconds;
 * the landscape panel says which loss it shows.
 */
export const MNIST_LANDSCAPE_TRAIN = 500;

const landscapeInstances = new Map<TaskId, Task>();

/**
 * The task a landscape grid evaluates: the task itself, except MNIST, whose landscape is
 * the training loss on its first MNIST_LANDSCAPE_TRAIN digits (same network, same θ₀).
 */
export function createLandscapeTask(id: TaskId): Task {
  if (id !== 'mnist') return createTask(id);
  let task = landscapeInstances.get(id);
  if (!task) {
    task = createMnist({ train: MNIST_LANDSCAPE_TRAIN });
    landscapeInstances.set(id, task);
  }
  return task;
}

export { createInfluenceBalancing, createLearnedOptimizer, createLinearQuadratic, createLorenz, createLrSchedule, createMlpHpo, createMnist, createRastrigin, createRnn };
