import * as tf from '@tensorflow/tfjs-core';
import type { Options } from '../args';
import type { CommandResult } from './common';
import { readAndDispose, taskIdOf, taskWithHorizon, thetaOf } from './common';

/** `loss`: the evaluation meta-loss of one unperturbed episode (task.episodeLoss) at θ. */
export async function lossCommand(opts: Options): Promise<CommandResult> {
  const id = taskIdOf(opts);
  const task = taskWithHorizon(id, opts.number('T'));
  const theta = thetaOf(opts, task);
  const loss = tf.tidy(() => task.episodeLoss(tf.tensor2d([theta])));
  const [value] = await readAndDispose(loss);
  return { json: { task: id, theta, steps: task.meta.evalSteps, loss: value ?? null } };
}
