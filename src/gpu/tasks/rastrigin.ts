/**
 * Rastrigin in WGSL — twin of src/core/tasks/rastrigin.ts: a static function, the state
 * is a dummy carried through unchanged, the loss Σ(z² − 10 cos 2πz) + 10d, z = θ − shift.
 * The loss depends on θ only, so it is computed once per unroll in `task_prep`.
 */
import { RASTRIGIN_SHIFT } from '../../core/tasks/rastrigin';
import type { Task } from '../../core/task';
import { fl, type WgslTask } from './task-wgsl';

export function rastriginWgsl(task: Task): WgslTask {
  const d = RASTRIGIN_SHIFT.length;
  const terms = RASTRIGIN_SHIFT.map(
    (s, i) => `  let z${i} = th[${i}] - ${fl(s)};\n  let q${i} = z${i} * z${i} - cos(z${i} * ${fl(2 * Math.PI)}) * 10.0;`,
  ).join('\n');
  const sum = RASTRIGIN_SHIFT.map((_, i) => `q${i}`).join(' + ');
  return {
    id: 'rastrigin',
    stateSize: 1,
    dim: d,
    reduction: task.meta.reduction,
    evalSteps: task.meta.evalSteps,
    data: null,
    code: /* wgsl */ `
struct Prep { loss: f32 }

fn task_prep(th: array<f32, D>) -> Prep {
${terms}
  return Prep((${sum}) + ${fl(10 * d)});
}

fn task_init(s: ptr<function, array<f32, S>>) {
  (*s)[0] = 0.0;
}

fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32 {
  return p.loss;
}
`,
  };
}
