import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the umbrella package would import this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { stepAt, type Task } from '../task';
import { TASK_FACTORIES, TASK_IDS, createTask } from './index';
import { createInfluenceBalancing } from './influence-balancing';
import { createLinearQuadratic, linearQuadraticExact, linearQuadraticWindowGradient } from './linear-quadratic';
import { createLorenz } from './lorenz';
import { createLrSchedule } from './lr-schedule';
import { createRastrigin } from './rastrigin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---------- helpers ----------

/** Deterministic uniform numbers in [lo, hi). */
function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  };
}

function num(v: readonly number[] | Float32Array, i: number): number {
  const x = v[i];
  if (x === undefined) throw new Error(`index ${i} out of range`);
  return x;
}

/** Runs one batched step and reads state rows and losses back. */
function runStep(task: Task, states: number[][], thetas: number[][], ts: number[]): { states: number[][]; losses: number[] } {
  return tf.tidy(() => {
    const out = stepAt(task, tf.tensor2d(states), tf.tensor2d(thetas), ts);
    return { states: out.state.arraySync(), losses: Array.from(out.loss.dataSync()) };
  });
}

function episode(task: Task, thetas: number[][]): number[] {
  return tf.tidy(() => Array.from(task.episodeLoss(tf.tensor2d(thetas)).dataSync()));
}

function expectClose(actual: number, expected: number, rel: number, abs = 0): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected) + abs);
}

function expectRowsClose(actual: number[][], expected: number[][], rel: number, abs = 0): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expectClose(v, num(expected[i] ?? [], j), rel, abs)));
}

/** Float64 episode objective from a scalar reference step. */
function refEpisode(
  step: (s: number[], theta: readonly number[], t: number) => { s: number[]; loss: number },
  s0: number[],
  theta: readonly number[],
  steps: number,
  reduction: 'mean' | 'sum' | 'last',
): number {
  let s = s0;
  let acc = 0;
  for (let t = 0; t < steps; t++) {
    const out = step(s, theta, t);
    s = out.s;
    acc = reduction === 'last' ? out.loss : acc + out.loss;
  }
  return reduction === 'mean' ? acc / steps : acc;
}

/** Batched step with rows at different θ and t equals per-row P = 1 steps (and the reference). */
function checkBatching(
  task: Task,
  states: number[][],
  thetas: number[][],
  ts: number[],
  ref: (s: number[], theta: readonly number[], t: number) => { s: number[]; loss: number },
  rel: number,
  abs = 0,
): void {
  const batched = runStep(task, states, thetas, ts);
  states.forEach((s, i) => {
    const single = runStep(task, [s], [thetas[i] ?? []], [num(ts, i)]);
    expectRowsClose([batched.states[i] ?? []], single.states, 1e-6, 1e-6);
    expectClose(num(batched.losses, i), num(single.losses, 0), 1e-6, 1e-6);
    const r = ref(s, thetas[i] ?? [], num(ts, i));
    expectRowsClose([batched.states[i] ?? []], [r.s], rel, abs);
    expectClose(num(batched.losses, i), r.loss, rel, abs);
  });
}

function checkNoLeak(task: Task, thetas: number[][]): void {
  const theta = tf.tensor2d(thetas);
  const before = tf.memory().numTensors;
  const loss = tf.tidy(() => task.episodeLoss(theta));
  expect(loss.shape).toEqual([thetas.length]);
  loss.dispose();
  const [state, stepLoss] = tf.tidy(() => {
    const out = stepAt(task, task.initialState(thetas.length), theta, new Array<number>(thetas.length).fill(0));
    return [out.state, out.loss];
  });
  expect(state?.shape).toEqual([thetas.length, task.stateSize]);
  tf.dispose([state, stepLoss]);
  expect(tf.memory().numTensors).toBe(before);
  theta.dispose();
}

// ---------- linear-quadratic ----------

describe('linear-quadratic', () => {
  const a = 0.9;
  const B = [
    [0.1, 0.05],
    [-0.05, 0.1],
  ];
  const c = [1, -1];
  const refStep = (s: number[], th: readonly number[]): { s: number[]; loss: number } => {
    const n0 = a * num(s, 0) + num(B[0] ?? [], 0) * num(th, 0) + num(B[0] ?? [], 1) * num(th, 1);
    const n1 = a * num(s, 1) + num(B[1] ?? [], 0) * num(th, 0) + num(B[1] ?? [], 1) * num(th, 1);
    return { s: [n0, n1], loss: 0.5 * ((n0 - num(c, 0)) ** 2 + (n1 - num(c, 1)) ** 2) };
  };
  const task = createLinearQuadratic();
  const exact = linearQuadraticExact();

  it('meta', () => {
    expect(task.meta.id).toBe('linear-quadratic');
    expect(task.meta.defaults).toMatchObject({ T: 100, K: 10, sigma: 0.1, pairs: 32, optimizer: 'sgd' });
    expect(task.meta.optimum).toEqual(exact.optimum);
  });

  it('step matches the scalar reference, batched over θ and t', () => {
    const r = rng(1);
    const states = Array.from({ length: 5 }, () => [r(-3, 3), r(-3, 3)]);
    const thetas = Array.from({ length: 5 }, () => [r(-3, 3), r(-3, 3)]);
    checkBatching(task, states, thetas, [0, 3, 17, 50, 99], refStep, 1e-5, 1e-6);
  });

  it('episodeLoss matches the exact float64 loss', () => {
    const thetas = [[-2, 2], [0, 0], exact.optimum, [2.5, -2.5]];
    const got = episode(task, thetas);
    thetas.forEach((th, i) => {
      expectClose(num(got, i), exact.loss(th), 1e-4);
      expectClose(exact.loss(th), refEpisode(refStep, [0, 0], th, 100, 'mean'), 1e-12);
    });
  });

  it('exact gradient vanishes at the optimum and matches central differences', () => {
    exact.gradient(exact.optimum).forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-12));
    const h = 1e-5;
    const fd = (f: (th: number[]) => number, th: number[]): number[] =>
      th.map((_, i) => {
        const p = [...th];
        const m = [...th];
        p[i] = num(th, i) + h;
        m[i] = num(th, i) - h;
        return (f(p) - f(m)) / (2 * h);
      });
    for (const th of [[-2, 2], [0.3, 1.7], [2.9, -0.1]]) {
      const g = exact.gradient(th);
      fd(exact.loss, th).forEach((v, i) => expectClose(num(g, i), v, 1e-6, 1e-9));
      // Hessian: the loss is quadratic, so g(θ) = H (θ − θ*).
      const Hd = exact.hessian.map((row) => row.reduce((acc, v, j) => acc + v * (num(th, j) - num(exact.optimum, j)), 0));
      Hd.forEach((v, i) => expectClose(num(g, i), v, 1e-9, 1e-12));
      // Smoothing adds a constant: L_σ(θ) − L(θ) is independent of θ.
      expectClose(exact.smoothedLoss(th, 0.3) - exact.loss(th), exact.smoothedLoss([0, 0], 0.3) - exact.loss([0, 0]), 1e-9);
    }
  });

  it('window gradients: full = d/dθ windowLoss; truncated = gradient with the incoming state held fixed', () => {
    const h = 1e-5;
    const th = [0.7, -1.9];
    for (const [t0, K] of [[0, 10], [30, 10], [90, 10], [40, 1]] as const) {
      const full = exact.windowGradient(th, t0, K, 'full');
      const trunc = exact.truncationGradient(th, t0, K);
      expect(linearQuadraticWindowGradient(th, t0, K, 'truncated')).toEqual(trunc);
      const sIn = exact.state(th, t0);
      const truncLoss = (x: number[]): number => {
        let s = sIn;
        let acc = 0;
        for (let j = 0; j < K; j++) {
          const out = refStep(s, x);
          s = out.s;
          acc += out.loss;
        }
        return acc / K;
      };
      for (let i = 0; i < 2; i++) {
        const p = [...th];
        const m = [...th];
        p[i] = num(th, i) + h;
        m[i] = num(th, i) - h;
        expectClose(num(full, i), (exact.windowLoss(p, t0, K) - exact.windowLoss(m, t0, K)) / (2 * h), 1e-6, 1e-9);
        expectClose(num(trunc, i), (truncLoss(p) - truncLoss(m)) / (2 * h), 1e-6, 1e-9);
      }
      if (t0 > 0) expect(Math.abs(num(full, 0) - num(trunc, 0))).toBeGreaterThan(1e-3);
      else expect(trunc).toEqual(full);
    }
    // Windows tiling the episode: mean of window gradients = episode gradient.
    const sum = [0, 0];
    for (let t0 = 0; t0 < 100; t0 += 10) exact.windowGradient(th, t0, 10).forEach((g, i) => (sum[i] = num(sum, i) + g / 10));
    exact.gradient(th).forEach((g, i) => expectClose(num(sum, i), g, 1e-10));
  });

  it('tfjs autodiff through K steps from a fixed state matches the truncated gradient', () => {
    const th = [0.7, -1.9];
    const t0 = 30;
    const K = 10;
    const sIn = exact.state(th, t0);
    const g = tf.tidy(() => {
      const f = (theta: tf.Tensor): tf.Scalar => {
        let s = tf.tensor2d([sIn]);
        let acc: tf.Tensor = tf.scalar(0);
        for (let j = 0; j < K; j++) {
          const out = stepAt(task, s, theta as tf.Tensor2D, [t0 + j]);
          s = out.state;
          acc = tf.add(acc, tf.sum(out.loss));
        }
        return tf.div(acc, K) as tf.Scalar;
      };
      return Array.from(tf.grad(f)(tf.tensor2d([th])).dataSync());
    });
    exact.truncationGradient(th, t0, K).forEach((v, i) => expectClose(num(g, i), v, 1e-3, 1e-6));
  });

  it('plot bounds contain θ₀ and the optimum with margin', () => {
    task.meta.bounds.forEach(([lo, hi], i) => {
      for (const v of [num(task.meta.theta0, i), num(exact.optimum, i)]) {
        expect(v - lo).toBeGreaterThan(0.1 * (hi - lo));
        expect(hi - v).toBeGreaterThan(0.1 * (hi - lo));
      }
    });
  });

  it('does not leak tensors', () => checkNoLeak(task, [[0, 0], [1, 1]]));
});

// ---------- influence balancing ----------

describe('influence-balancing', () => {
  const n = 23;
  const b = Array.from({ length: n }, (_, i) => (i < 10 ? 1 : -1));
  const refStep = (s: number[], th: readonly number[]): { s: number[]; loss: number } => {
    const next = s.map((v, i) => 0.5 * v + (i + 1 < n ? 0.5 * num(s, i + 1) : 0) + num(th, 0) * num(b, i));
    return { s: next, loss: 0.5 * (num(next, 0) - 1) ** 2 };
  };
  const task = createInfluenceBalancing();

  it('meta', () => {
    expect(task.meta).toMatchObject({ id: 'influence-balancing', reduction: 'last', evalSteps: 500, theta0: [0.5] });
    expect(task.meta.defaults).toEqual({ T: Infinity, K: 1, sigma: 0.1, pairs: 500, optimizer: 'sgd', lr: 1e-4, iterations: 3000 });
    expect(task.stateSize).toBe(23);
  });

  it('step matches the scalar reference, batched', () => {
    const r = rng(2);
    const states = Array.from({ length: 4 }, () => Array.from({ length: n }, () => r(-2, 2)));
    const thetas = [[0.5], [-1 / 6], [0.9], [-0.7]];
    checkBatching(task, states, thetas, [0, 5, 1000, 7], refStep, 1e-5, 1e-6);
  });

  it('evaluation loss: ≈ 0 at θ* = −1/6, larger at θ₀ = 0.5, and matches the reference', () => {
    const thetas = [[-1 / 6], [0.5], [0], [-0.4]];
    const got = episode(task, thetas);
    expect(num(got, 0)).toBeLessThan(1e-8);
    expectClose(num(got, 1), 8, 1e-5); // steady state s[0] = −6θ = −3 → ½·16
    thetas.forEach((th, i) =>
      expectClose(num(got, i), refEpisode(refStep, new Array<number>(n).fill(1), th, 500, 'last'), 1e-4, 1e-8),
    );
  });

  it('does not leak tensors', () => checkNoLeak(task, [[0.5], [0]]));
});

// ---------- lr-schedule ----------

describe('lr-schedule', () => {
  const T = 100;
  const f = (x0: number, x1: number): number =>
    Math.sqrt(x0 * x0 + 5) - Math.sqrt(5) + Math.sin(x1) ** 2 * Math.exp(-5 * x0 * x0) + 0.25 * Math.abs(x1 - 100);
  const refStep = (s: number[], th: readonly number[], t: number): { s: number[]; loss: number } => {
    const [x0, x1] = [num(s, 0), num(s, 1)];
    const eta = (Math.exp(num(th, 0)) * (T - t)) / T + (Math.exp(num(th, 1)) * t) / T;
    const e = Math.exp(-5 * x0 * x0);
    const g0 = x0 / Math.sqrt(x0 * x0 + 5) - 10 * x0 * Math.sin(x1) ** 2 * e;
    const g1 = 2 * Math.sin(x1) * Math.cos(x1) * e + 0.25 * Math.sign(x1 - 100);
    const n0 = x0 - eta * (g0 + 1e-10 * x0);
    const n1 = x1 - eta * (g1 + 1e-10 * x1);
    return { s: [n0, n1], loss: f(n0, n1) };
  };
  const task = createLrSchedule();

  it('meta', () => {
    expect(task.meta).toMatchObject({ id: 'lr-schedule', reduction: 'sum', theta0: [-4, -4], optimum: null, evalSteps: 100 });
    expect(task.meta.defaults).toMatchObject({ T: 100, K: 10, sigma: 0.3, pairs: 50, optimizer: 'adam', lr: 1e-2 });
  });

  it('step matches the scalar reference, batched over θ and t', () => {
    const states = [[1, 1], [0.2, -0.4], [-0.05, 3], [2, 150], [0.5, 99]];
    const thetas = [[-4, -4], [0, -2], [1, 1], [-1, 2], [-3, 0.5]];
    checkBatching(task, states, thetas, [0, 10, 37, 99, 64], refStep, 1e-5, 1e-5);
  });

  it('episodeLoss (sum over T) matches the reference', () => {
    // θ whose trajectories stay clear of the rough region (x₀ ≈ 0, where sin²(x₁)e^{−5x₀²} bites):
    // there float32 and float64 unrolls drift apart by design of the task (e.g. θ = (−1, 1)).
    const thetas = [[-4, -4], [-2, -3], [0, -1], [2, 2], [4, 4]];
    const got = episode(task, thetas);
    thetas.forEach((th, i) => expectClose(num(got, i), refEpisode(refStep, [1, 1], th, T, 'sum'), 1e-4));
  });

  it('the schedule uses the task T', () => {
    const short = createLrSchedule({ T: 20 });
    expect(short.meta.defaults.T).toBe(20);
    expect(short.meta.evalSteps).toBe(20);
    const got = runStep(short, [[1, 1]], [[-1, 0]], [10]);
    const eta = (Math.exp(-1) * 10) / 20 + (Math.exp(0) * 10) / 20;
    const g1 = Math.sin(2) * Math.exp(-5) - 0.25;
    expectClose(num(got.states[0] ?? [], 1), 1 - eta * g1, 1e-5);
  });

  it('does not leak tensors', () => checkNoLeak(task, [[-4, -4], [0, 0]]));

  it('refuses episodes of another T than its schedule was built for (η_t would extrapolate past T)', async () => {
    // At T = 200 on the T = 100 task, t/T runs to 2 and η_t = e^{θ₀}(1 − t/T) + e^{θ₁} t/T
    // goes negative: η ≈ −15 at θ = (2.74, −4.22) by the episode's end, an inner loop that ascends.
    const eta = (t: number, th: number[]) => Math.exp(th[0]!) * (1 - t / 100) + Math.exp(th[1]!) * (t / 100);
    expect(eta(199, [2.74, -4.22])).toBeLessThan(-15);
    const { estimatorInfo } = await import('../estimators/index');
    const { defaultSettings } = await import('../trainer');
    for (const id of ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'] as const) {
      expect(() => estimatorInfo(id).create({ task, settings: defaultSettings(task, { pairs: 2, T: 200, K: 10, R: 10 }) }), id).toThrow(
        /lr-schedule.*T = 100.*T = 200/,
      );
    }
    // The task built for T = 200 takes T = 200 episodes.
    const long = createLrSchedule({ T: 200 });
    expect(() => estimatorInfo('pes').create({ task: long, settings: defaultSettings(long, { pairs: 2 }) }).dispose()).not.toThrow();
  });
});

// ---------- lorenz ----------

describe('lorenz', () => {
  const dt = 0.005;
  const bb = 8 / 3;
  const euler = (s: number[], a: number, r: number): number[] => {
    const [x, y, z] = [num(s, 0), num(s, 1), num(s, 2)];
    return [x + a * (y - x) * dt, y + ((r - z) * x - y) * dt, z + (x * y - bb * z) * dt];
  };
  const gt: number[] = [];
  {
    let s = [1.2, 1.3, 1.6];
    for (let t = 0; t < 2000; t++) {
      s = euler(s, 10, 28);
      gt.push(num(s, 2));
    }
  }
  const refStep = (s: number[], th: readonly number[], t: number): { s: number[]; loss: number } => {
    const next = euler(s, Math.exp(num(th, 0)), Math.exp(num(th, 1)));
    return { s: next, loss: (num(next, 2) - num(gt, t)) ** 2 };
  };
  const short = createLorenz({ T: 200 });

  it('meta', () => {
    const task = createLorenz();
    expect(task.meta).toMatchObject({ id: 'lorenz', reduction: 'mean', theta0: [3.116, 3.7], evalSteps: 2000 });
    expect(task.meta.defaults).toMatchObject({ T: 2000, K: 100, sigma: 0.04, pairs: 200, optimizer: 'adam' });
    expect(task.meta.optimum).toEqual([Math.log(10), Math.log(28)]);
    expect(short.meta.evalSteps).toBe(200);
  });

  it('step matches the scalar reference, batched over θ and t', () => {
    const states = [[1.2, 1.3, 1.6], [-5, 3, 20], [10, 12, 30], [0.1, -0.2, 5]];
    const thetas = [[Math.log(10), Math.log(28)], [3.116, 3.7], [2, 3.2], [2.8, 3.5]];
    checkBatching(short, states, thetas, [0, 150, 1999, 42], refStep, 1e-5, 1e-4);
  });

  it('episodeLoss over 200 steps matches the reference', () => {
    const thetas = [[3.116, 3.7], [2.5, 3.3], [2, 3.6], [Math.log(10), Math.log(28)]];
    const got = episode(short, thetas);
    thetas.forEach((th, i) => expectClose(num(got, i), refEpisode(refStep, [1.2, 1.3, 1.6], th, 200, 'mean'), 1e-3, 1e-4));
  });

  it('loss at the optimum ≈ 0 over the full T = 2000, large at θ₀', () => {
    const got = episode(createTask('lorenz'), [[Math.log(10), Math.log(28)], [3.116, 3.7]]);
    expect(num(got, 0)).toBeLessThan(1e-2);
    expect(num(got, 1)).toBeGreaterThan(10);
  });

  it('does not leak tensors', () => checkNoLeak(short, [[3.116, 3.7], [2.3, 3.3]]));
});

// ---------- rastrigin ----------

describe('rastrigin', () => {
  const shift = [1.0, -0.5];
  const refStep = (s: number[], th: readonly number[]): { s: number[]; loss: number } => ({
    s: [...s],
    loss: 20 + th.reduce((acc, v, i) => {
      const z = v - num(shift, i);
      return acc + z * z - 10 * Math.cos(2 * Math.PI * z);
    }, 0),
  });
  const task = createRastrigin();

  it('meta', () => {
    expect(task.meta).toMatchObject({ id: 'rastrigin', optimum: shift, evalSteps: 1, reduction: 'mean' });
    expect(task.meta.defaults).toMatchObject({ T: 1, K: 1, sigma: 1, pairs: 50, optimizer: 'adam', lr: 0.05 });
  });

  it('step matches the reference, batched; state is carried through', () => {
    const thetas = [[-3.3, 3.7], [1, -0.5], [0.2, 0.1], [4.9, -5]];
    checkBatching(task, [[0], [0], [0], [0]], thetas, [0, 0, 0, 0], refStep, 1e-5, 1e-4);
  });

  it('episodeLoss: 0 at the shift, reference elsewhere', () => {
    const thetas = [shift, [-3.3, 3.7], [2, 0.5]];
    const got = episode(task, thetas);
    expect(Math.abs(num(got, 0))).toBeLessThan(1e-4);
    thetas.forEach((th, i) => expectClose(num(got, i), refStep([0], th).loss, 1e-5, 1e-4));
  });

  it('does not leak tensors', () => checkNoLeak(task, [[0, 0], [1, 1]]));
});

// ---------- registry ----------

describe('registry', () => {
  it('has one factory per id and memoizes instances', () => {
    expect([...TASK_IDS].sort()).toEqual(Object.keys(TASK_FACTORIES).sort());
    for (const id of TASK_IDS) {
      const task = createTask(id);
      expect(task.meta.id).toBe(id);
      expect(createTask(id)).toBe(task);
    }
  });

  it('metas are self-consistent', () => {
    for (const id of TASK_IDS) {
      const { meta } = createTask(id);
      const d = meta.theta0.length;
      expect(meta.paramNames.length).toBe(d);
      expect(meta.logScale.length).toBe(d);
      expect(meta.bounds.length).toBe(d);
      if (meta.optimum) expect(meta.optimum.length).toBe(d);
      meta.bounds.forEach(([lo, hi], i) => {
        expect(num(meta.theta0, i)).toBeGreaterThan(lo);
        expect(num(meta.theta0, i)).toBeLessThan(hi);
        if (meta.optimum) {
          expect(num(meta.optimum, i)).toBeGreaterThan(lo);
          expect(num(meta.optimum, i)).toBeLessThan(hi);
        }
      });
      const { T, K } = meta.defaults;
      if (Number.isFinite(T)) {
        expect(T % K).toBe(0);
        expect(meta.evalSteps).toBe(T);
      }
      expect(meta.formula.length).toBeGreaterThan(0);
      expect(meta.description.length).toBeGreaterThan(0);
    }
  });
});
