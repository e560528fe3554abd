/**
 * Lorenz in WGSL — twin of src/core/tasks/lorenz.ts: explicit Euler with all three
 * updates from the old (x, y, z), then the loss (z₁ − z^gt_t)² on the new state. The
 * ground-truth table is the same float64 trajectory rounded to float32 that the tfjs task
 * gathers from.
 */
import { LORENZ_B, LORENZ_DT, LORENZ_X0, lorenzGroundTruthZ } from '../../core/tasks/lorenz';
import type { Task } from '../../core/task';
import { fl, type WgslTask } from './task-wgsl';

/** The tfjs task stores max(T, 20000) ground-truth steps by default. */
const GROUND_TRUTH_STEPS = 20000;

export function lorenzWgsl(task: Task): WgslTask {
  const steps = Math.max(task.meta.defaults.T, GROUND_TRUTH_STEPS);
  return {
    id: 'lorenz',
    stateSize: 3,
    dim: 2,
    reduction: task.meta.reduction,
    evalSteps: task.meta.evalSteps,
    // As vec4s (padded): the hot loops read the table four steps per load.
    data: padToVec4(Float32Array.from(lorenzGroundTruthZ(steps))),
    dataElement: 'vec4<f32>',
    stepInput: true,
    code: /* wgsl */ `
const LORENZ_DT: f32 = ${fl(LORENZ_DT)};
const LORENZ_B: f32 = ${fl(LORENZ_B)};
const LORENZ_GT_STEPS: u32 = ${steps}u;
const LORENZ_GT_LAST: u32 = ${Math.ceil(steps / 4) - 1}u;

// tf.gather past the table's end yields 0 on the tfjs backends; mirror that.
fn task_x4(t: u32) -> vec4<f32> {
  let v = task_data[min(t >> 2u, LORENZ_GT_LAST)];
  return select(vec4<f32>(0.0), v, vec4<u32>(t, t + 1u, t + 2u, t + 3u) < vec4<u32>(LORENZ_GT_STEPS));
}

fn task_x1(t: u32) -> f32 {
  return select(0.0, task_data[min(t >> 2u, LORENZ_GT_LAST)][t & 3u], t < LORENZ_GT_STEPS);
}

struct Prep { a: f32, r: f32 }

fn task_prep(th: array<f32, D>) -> Prep {
  return Prep(exp(th[0]), exp(th[1]));
}

fn task_init(s: ptr<function, array<f32, S>>) {
  (*s)[0] = ${fl(LORENZ_X0[0])};
  (*s)[1] = ${fl(LORENZ_X0[1])};
  (*s)[2] = ${fl(LORENZ_X0[2])};
}

fn task_step_x(s: ptr<function, array<f32, S>>, p: Prep, t: u32, gt: f32) -> f32 {
  let x = (*s)[0];
  let y = (*s)[1];
  let z = (*s)[2];
  let x1 = x + (p.a * (y - x)) * LORENZ_DT;
  let y1 = y + ((p.r - z) * x - y) * LORENZ_DT;
  let z1 = z + (x * y - z * LORENZ_B) * LORENZ_DT;
  (*s)[0] = x1;
  (*s)[1] = y1;
  (*s)[2] = z1;
  let e = z1 - gt;
  return e * e;
}

fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32 {
  return task_step_x(s, p, t, task_x1(t));
}
`,
  };
}

function padToVec4(data: Float32Array): Float32Array {
  const out = new Float32Array(Math.ceil(data.length / 4) * 4);
  out.set(data);
  return out;
}
