import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLinearQuadratic, linearQuadraticExact } from '../tasks/linear-quadratic';
import { createLorenz } from '../tasks/lorenz';
import { createTask } from '../tasks/index';
import type { Task } from '../task';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { estimatorInfo } from './index';
import { unrollTruncation } from './unroll';

/** ∂/∂θ_k by central differences of a scalar function of θ evaluated in float32 by tfjs. */
function centralDifference(f: (theta: number[]) => number, theta: number[], h: number): number[] {
  return theta.map((_, k) => {
    const plus = theta.map((v, i) => (i === k ? v + h : v));
    const minus = theta.map((v, i) => (i === k ? v - h : v));
    return (f(plus) - f(minus)) / (2 * h);
  });
}

function episodeLoss(task: Task, theta: number[]): number {
  return tf.tidy(() => task.episodeLoss(tf.tensor2d([theta])).arraySync()[0] ?? NaN);
}

async function gradientOf(task: Task, id: 'bptt' | 'tbptt', theta: number[], settings = defaultSettings(task)): Promise<number[]> {
  const est = estimatorInfo(id).create({ task, settings });
  const th = tf.tensor1d(theta);
  const { grad } = est.estimate(th, 0);
  const g = Array.from(await grad.data());
  grad.dispose();
  th.dispose();
  est.dispose();
  return g;
}

/**
 * Tolerance for comparing AD with central differences, computed from the function:
 * the truncation error is estimated by Richardson (|FD(h) − FD(h/2)|), the float32
 * round-off by 2⁻²³·|L|/h; we allow 10× their sum.
 */
function fdTolerance(f: (theta: number[]) => number, theta: number[], h: number): number[] {
  const a = centralDifference(f, theta, h);
  const b = centralDifference(f, theta, h / 2);
  const roundoff = (Math.abs(f(theta)) * 2 ** -23 * 4) / h;
  return a.map((v, k) => 10 * (Math.abs(v - (b[k] ?? 0)) + roundoff));
}

describe('autodiff baselines', () => {
  beforeAll(useCpuBackend);

  it('bptt equals the exact linear-quadratic gradient', async () => {
    const task = createLinearQuadratic();
    const theta = [0.3, -0.7];
    const g = await gradientOf(task, 'bptt', theta);
    const exact = linearQuadraticExact().gradient(theta);
    g.forEach((v, k) => expect(v).toBeCloseTo(exact[k] ?? NaN, 4));
  });

  for (const [name, make, theta, h] of [
    ['lr-schedule', () => createTask('lr-schedule'), [-3, -2], 1e-2],
    ['lorenz (T = 200, not yet chaotic)', () => createLorenz({ T: 200 }), [2.2, 3.3], 1e-3],
    ['rastrigin', () => createTask('rastrigin'), [0.3, -0.2], 1e-3],
  ] as const) {
    it(`bptt matches central finite differences on ${name}`, async () => {
      const task = make();
      const th = [...theta];
      const f = (x: number[]): number => episodeLoss(task, x);
      const fd = centralDifference(f, th, h);
      const tol = fdTolerance(f, th, h);
      const g = await gradientOf(task, 'bptt', th);
      g.forEach((v, k) => expect(Math.abs(v - (fd[k] ?? NaN)), `coordinate ${k}: ad ${v} fd ${fd[k]}`).toBeLessThanOrEqual(tol[k] ?? 0));
    });
  }

  it('tbptt is the gradient through the last K steps with the entering state held constant', async () => {
    const task = createLinearQuadratic();
    const K = 5;
    const settings = defaultSettings(task, { K, workers: 'lockstep' });
    const theta = [0.4, 0.1];
    const est = estimatorInfo('tbptt').create({ task, settings });
    const th = tf.tensor1d(theta);
    // Advance two truncations, then compare the third against finite differences.
    for (let j = 0; j < 2; j++) est.estimate(th, 0).grad.dispose();
    const { grad } = est.estimate(th, 0);
    const g = Array.from(await grad.data());
    grad.dispose();
    est.dispose();
    th.dispose();
    // The state entering window 2 is the unperturbed state after 2K steps.
    const entering = tf.tidy(() => unrollTruncation(task, task.initialState(1), tf.tensor2d([theta]), new Int32Array([0]), 2 * K).state);
    const window = (x: number[]): number =>
      tf.tidy(() => unrollTruncation(task, entering, tf.tensor2d([x]), new Int32Array([2 * K]), K).loss.arraySync()[0] ?? NaN);
    // Quadratic in θ: central differences are exact up to round-off at any h.
    const fd = centralDifference(window, theta, 0.1);
    entering.dispose();
    g.forEach((v, k) => expect(v).toBeCloseTo(fd[k] ?? NaN, 3));
    // And it is not the full-history gradient of that window (the TBPTT bias).
    const fullHistory = centralDifference(
      (x) => tf.tidy(() => {
        const s = unrollTruncation(task, task.initialState(1), tf.tensor2d([x]), new Int32Array([0]), 2 * K).state;
        return unrollTruncation(task, s, tf.tensor2d([x]), new Int32Array([2 * K]), K).loss.arraySync()[0] ?? NaN;
      }),
      theta,
      0.1,
    );
    expect(Math.hypot((g[0] ?? 0) - (fullHistory[0] ?? 0), (g[1] ?? 0) - (fullHistory[1] ?? 0))).toBeGreaterThan(0.1 * Math.hypot(...fullHistory));
  });
});
