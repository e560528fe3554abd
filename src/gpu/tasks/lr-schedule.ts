/**
 * Learning-rate-schedule toy regression in WGSL — twin of src/core/tasks/lr-schedule.ts:
 * η_t = e^{θ₀}(1 − t/T) + e^{θ₁}·t/T with the time index before the update, one SGD step
 * on f with weight decay, then the loss f on the new point, in the tfjs op order.
 */
import { LR_SCHEDULE_WEIGHT_DECAY, LR_SCHEDULE_X0 } from '../../core/tasks/lr-schedule';
import type { Task } from '../../core/task';
import { fl, type WgslTask } from './task-wgsl';

export function lrScheduleWgsl(task: Task): WgslTask {
  // The schedule's T is the task's own horizon (its option), not the run's episode length.
  const T = task.meta.defaults.T;
  return {
    id: 'lr-schedule',
    stateSize: 2,
    dim: 2,
    reduction: task.meta.reduction,
    evalSteps: task.meta.evalSteps,
    data: null,
    code: /* wgsl */ `
const LRS_T: f32 = ${fl(T)};
const LRS_SQRT5: f32 = ${fl(Math.sqrt(5))};
const LRS_WD: f32 = ${fl(LR_SCHEDULE_WEIGHT_DECAY)};

struct Prep { e0: f32, e1: f32 }

fn task_prep(th: array<f32, D>) -> Prep {
  return Prep(exp(th[0]), exp(th[1]));
}

fn task_init(s: ptr<function, array<f32, S>>) {
  (*s)[0] = ${fl(LR_SCHEDULE_X0[0])};
  (*s)[1] = ${fl(LR_SCHEDULE_X0[1])};
}

fn lrs_f(a: f32, b: f32) -> f32 {
  let sb = sin(b);
  let t0 = sqrt(a * a + 5.0) - LRS_SQRT5;
  let t1 = (sb * sb) * exp((a * a) * -5.0);
  let t2 = abs(b - 100.0) * 0.25;
  return (t0 + t1) + t2;
}

fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32 {
  let a = (*s)[0];
  let b = (*s)[1];
  let w = f32(t) / LRS_T;
  let eta = p.e0 * (1.0 - w) + p.e1 * w;
  let bump = exp((a * a) * -5.0);
  let sb = sin(b);
  let g0 = a / sqrt(a * a + 5.0) - (a * 10.0) * ((sb * sb) * bump);
  let g1 = sin(b * 2.0) * bump + sign(b - 100.0) * 0.25;
  let a1 = a - eta * (g0 + a * LRS_WD);
  let b1 = b - eta * (g1 + b * LRS_WD);
  (*s)[0] = a1;
  (*s)[1] = b1;
  return lrs_f(a1, b1);
}
`,
  };
}
