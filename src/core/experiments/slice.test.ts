import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Task, TaskMeta } from '../task';
import { unrollEpisodeLoss } from '../task';
import { useCpuBackend } from '../testing/setup';
import { createTask } from '../tasks/index';
import { defaultSlice, projectDirection, projectOntoSlice, projectRows, randomDirections, sliceGeometry, sliceIssue, slicePoint, surfaceSlicePlan } from './slice';
import { metaLossSurface } from './surface';

beforeAll(useCpuBackend);

/** A 4-D task whose loss is Σ_k (k+1)·θ_k² (one step): easy to check slices against. */
function quadratic4(): Task {
  const w = tf.keep(tf.tensor2d([[1, 2, 3, 4]]));
  const meta: TaskMeta = {
    id: 'quadratic4',
    title: 'quadratic',
    formula: '',
    description: '',
    paramNames: ['a', 'b', 'c', 'd'],
    logScale: [false, false, false, false],
    theta0: [0.5, -0.5, 1, 0.25],
    bounds: [
      [-1, 1],
      [-2, 2],
      [-3, 3],
      [-1, 1],
    ],
    optimum: null,
    reduction: 'sum',
    defaults: { T: 1, K: 1, sigma: 0.1, pairs: 4, optimizer: 'sgd', lr: 0.1, iterations: 10 },
    evalSteps: 1,
  };
  const task: Task = {
    meta,
    stateSize: 1,
    initialState: (P) => tf.zeros([P, 1]),
    step: (state, theta) => ({ state: tf.clone(state), loss: tf.sum(tf.mul(tf.square(theta), w), 1) as tf.Tensor1D }),
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, 1),
  };
  return task;
}

const f = (t: readonly number[]): number => t.reduce((s, v, k) => s + (k + 1) * v * v, 0);

describe('landscape slices', () => {
  const task = quadratic4();

  it('random directions are orthonormal and deterministic in the seed', () => {
    const [u, v] = randomDirections(305, 7);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * (b[k] ?? 0), 0);
    expect(dot(u, u)).toBeCloseTo(1, 10);
    expect(dot(v, v)).toBeCloseTo(1, 10);
    expect(Math.abs(dot(u, v))).toBeLessThan(1e-12);
    expect(randomDirections(305, 7)).toEqual([u, v]);
    expect(randomDirections(305, 8)[0]).not.toEqual(u);
  });

  it('projection inverts slicePoint, for coordinates and for random directions', () => {
    for (const slice of [{ kind: 'coordinates', dims: [2, 0] } as const, { kind: 'random', seed: 3 } as const]) {
      const g = sliceGeometry(task.meta, slice);
      const p = slicePoint(g, 0.3, -0.7);
      const [x, y] = projectOntoSlice(g, p);
      expect(x).toBeCloseTo(0.3, 10);
      expect(y).toBeCloseTo(-0.7, 10);
      const rows = projectRows(g, Float32Array.from([...p, ...p]), 4);
      expect(rows[2]).toBeCloseTo(0.3, 5);
      expect(rows[3]).toBeCloseTo(-0.7, 5);
    }
    const coords = sliceGeometry(task.meta, { kind: 'coordinates', dims: [2, 0] });
    expect(coords.names).toEqual(['c', 'a']);
    expect(coords.ranges).toEqual([
      [-3, 3],
      [-1, 1],
    ]);
    expect(projectDirection(coords, [1, 2, 3, 4])).toEqual([3, 1]);
  });

  it('rejects bad slices with a clear message', () => {
    expect(sliceIssue({ kind: 'coordinates', dims: [1, 1] }, 4)).toMatch(/differ/);
    expect(sliceIssue({ kind: 'coordinates', dims: [0, 4] }, 4)).toMatch(/0 … 3/);
    expect(sliceIssue({ kind: 'random', seed: -1 }, 4)).toMatch(/seed/);
    expect(sliceIssue({ kind: 'random', seed: 1 }, 1)).toMatch(/at least two/);
    expect(() => sliceGeometry(task.meta, { kind: 'coordinates', dims: [3, 3] })).toThrow(/differ/);
    expect(defaultSlice(2)).toEqual({ kind: 'coordinates', dims: [0, 1] });
    expect(defaultSlice(305)).toEqual({ kind: 'random', seed: 1 });
  });

  it('surface on a slice: whole grid and row by row agree with the loss at each slice point', async () => {
    for (const slice of [{ kind: 'coordinates', dims: [3, 1] } as const, { kind: 'random', seed: 5 } as const]) {
      const g = sliceGeometry(task.meta, slice);
      const plan = surfaceSlicePlan(task, slice);
      const whole = await metaLossSurface({ task, grid: 5, sigma: 0, samples: 0, seed: 1, ...plan.whole() });
      expect(whole.x[0]).toBeCloseTo(plan.xRange[0], 10);
      const y = whole.y ?? [];
      for (let iy = 0; iy < y.length; iy++) {
        const row = await metaLossSurface({ task, grid: 5, sigma: 0, samples: 0, seed: 1, ...plan.row(y[iy] ?? 0) });
        for (let ix = 0; ix < whole.x.length; ix++) {
          const expected = f(slicePoint(g, whole.x[ix] ?? 0, y[iy] ?? 0));
          expect(whole.raw[iy * whole.x.length + ix]).toBeCloseTo(expected, 4);
          expect(row.raw[ix]).toBeCloseTo(expected, 4);
        }
      }
    }
  });

  it('the plain plane of a 2-D task is what the landscape always drew', async () => {
    const lr = createTask('lr-schedule');
    const plan = surfaceSlicePlan(lr, { kind: 'coordinates', dims: [0, 1] });
    expect(plan.xRange).toEqual(lr.meta.bounds[0]);
    expect(plan.whole()).toEqual({});
    const rnn = createTask('rnn');
    const rp = surfaceSlicePlan(rnn, defaultSlice(305));
    expect(rp.xRange).toEqual([-2, 2]);
    expect(rp.whole().directions?.length).toBe(2);
  });
});
