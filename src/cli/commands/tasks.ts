import { ESTIMATORS } from '../../core/estimators/index';
import { createTask, TASK_IDS } from '../../core/tasks/index';
import type { Options } from '../args';
import type { CommandResult } from './common';
import { HORIZON_FACTORIES } from './common';

/** `tasks`: every task's metadata and defaults, and the estimator registry. */
export async function tasksCommand(opts: Options): Promise<CommandResult> {
  // With --link: the linked experiment's task and estimators only.
  const linked = opts.linked?.config;
  const tasks = TASK_IDS.filter((id) => !linked || id === linked.task).map((id) => {
    const m = createTask(id).meta;
    return {
      id,
      title: m.title,
      formula: m.formula,
      description: m.description,
      dim: m.theta0.length,
      paramNames: [...m.paramNames],
      logScale: [...m.logScale],
      theta0: [...m.theta0],
      bounds: m.bounds.map((b) => [...b]),
      optimum: m.optimum ? [...m.optimum] : null,
      reduction: m.reduction,
      evalSteps: m.evalSteps,
      // T = Infinity (never resets) is written as null.
      defaults: { ...m.defaults },
      neverResets: !Number.isFinite(m.defaults.T),
      horizonOption: id in HORIZON_FACTORIES,
    };
  });
  const estimators = ESTIMATORS.filter((e) => !linked || linked.estimators.includes(e.id)).map(({ id, title, autodiff, online }) => ({ id, title, autodiff, online }));
  return {
    json: {
      tasks,
      estimators,
      notes: {
        T: 'defaults.T is null for a task that never resets (T = ∞); neverResets says the same',
        horizonOption: 'whether `loss --T` (a custom horizon) is supported for the task',
      },
    },
    table: {
      header: ['id', 'title', 'dim', 'T', 'K', 'sigma', 'pairs', 'optimizer', 'lr', 'iterations', 'evalSteps', 'theta0', 'optimum'],
      rows: tasks.map((t) => [
        t.id,
        t.title,
        t.dim,
        t.defaults.T,
        t.defaults.K,
        t.defaults.sigma,
        t.defaults.pairs,
        t.defaults.optimizer,
        t.defaults.lr,
        t.defaults.iterations,
        t.evalSteps,
        t.theta0.join(';'),
        t.optimum ? t.optimum.join(';') : '',
      ]),
    },
  };
}
