/**
 * Linear-quadratic in WGSL — twin of the default src/core/tasks/linear-quadratic.ts:
 * s' = a·s + Bθ, loss ½‖s' − c‖². B, c, s₀ are the factory's default patterns
 * (B = 0.1·(I + 0.5·(superdiag − subdiag)), c = (1, −1, …), s₀ = 0); Bθ does not change
 * within an unroll, so it is computed once in `task_prep`.
 */
import { LINEAR_QUADRATIC_DEFAULTS } from '../../core/tasks/linear-quadratic';
import type { Task } from '../../core/task';
import { fl, type WgslTask } from './task-wgsl';

/** The factory's default B, row-major (B[i][j] multiplies θ_j in row i). */
export function defaultLinearQuadraticB(n: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 0.1 : j === i + 1 ? 0.05 : j === i - 1 ? -0.05 : 0)),
  );
}

export function linearQuadraticWgsl(task: Task): WgslTask {
  const n = task.stateSize;
  const { a } = LINEAR_QUADRATIC_DEFAULTS;
  const B = defaultLinearQuadraticB(n);
  const c = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
  // θBᵀ as tfjs's matMul sums it: Σ_j θ_j B[i][j] in increasing j.
  const rows = B.map((row, i) => `  u[${i}] = ${row.map((b, j) => `th[${j}] * ${fl(b)}`).join(' + ')};`).join('\n');
  const loss = c.map((ci, i) => `sq(s1[${i}] - ${fl(ci)})`).join(' + ');
  return {
    id: 'linear-quadratic',
    stateSize: n,
    dim: n,
    reduction: task.meta.reduction,
    evalSteps: task.meta.evalSteps,
    data: null,
    code: /* wgsl */ `
struct Prep { u: array<f32, S> }

fn sq(x: f32) -> f32 { return x * x; }

fn task_prep(th: array<f32, D>) -> Prep {
  var u: array<f32, S>;
${rows}
  return Prep(u);
}

fn task_init(s: ptr<function, array<f32, S>>) {
  for (var i = 0u; i < S; i++) { (*s)[i] = 0.0; }
}

fn task_step(s: ptr<function, array<f32, S>>, p: Prep, t: u32) -> f32 {
  var s1: array<f32, S>;
  for (var i = 0u; i < S; i++) { s1[i] = (*s)[i] * ${fl(a)} + p.u[i]; }
  *s = s1;
  return (${loss}) * 0.5;
}
`,
  };
}
