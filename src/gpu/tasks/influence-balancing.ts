/**
 * Influence balancing in WGSL — twin of src/core/tasks/influence-balancing.ts:
 * s'_i = ½ s_i + ½ s_{i+1} + θ b_i (the last row has no s_{i+1}), loss ½(s'_0 − 1)².
 * The update is done in place in increasing i, which reads s_{i+1} before it is
 * overwritten, so it equals the matrix product.
 */
import { INFLUENCE_BALANCING_POSITIVE, INFLUENCE_BALANCING_SIZE } from '../../core/tasks/influence-balancing';
import type { Task } from '../../core/task';
import type { WgslTask } from './task-wgsl';

export function influenceBalancingWgsl(task: Task): WgslTask {
  return {
    id: 'influence-balancing',
    stateSize: INFLUENCE_BALANCING_SIZE,
    dim: 1,
    reduction: task.meta.reduction,
    evalSteps: task.meta.evalSteps,
    data: null,
    code: /* wgsl */ `
const IB_POSITIVE: u32 = ${INFLUENCE_BALANCING_POSITIVE}u;

struct Prep { theta: f32 }

fn task_prep(th: array<f32, D>) -> Prep {
  return Prep(th[0]);
}

fn task_init(s: ptr<function, array<f32, S>>) {
  for (var i = 0u; i < S; i++) { (*s)[i] = 1.0; }
}

fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32 {
  for (var i = 0u; i < S - 1u; i++) {
    let b = select(-1.0, 1.0, i < IB_POSITIVE);
    (*s)[i] = ((*s)[i] * 0.5 + (*s)[i + 1u] * 0.5) + p.theta * b;
  }
  (*s)[S - 1u] = (*s)[S - 1u] * 0.5 - p.theta;
  let e = (*s)[0] - 1.0;
  return (e * e) * 0.5;
}
`,
  };
}
