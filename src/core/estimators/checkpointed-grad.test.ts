import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Slices } from '../slices';
import type { Task } from '../task';
import { createTask, TASK_IDS } from '../tasks/index';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { checkpointedGrad, checkpointedGradSlices, segmentSteps, TAPE_ELEMENTS } from './checkpointed-grad';
import { estimatorInfo } from './index';
import { unrollTruncation } from './unroll';

/** The reference: one tf.grad over the whole unroll (what TBPTT did before the segments). */
function oneShot(task: Task, state: tf.Tensor2D, theta: tf.Tensor2D, t0: Int32Array, K: number) {
  let exit: tf.Tensor2D | null = null;
  let loss: tf.Tensor1D | null = null;
  const grad = tf.grad((x: tf.Tensor) => {
    const out = unrollTruncation(task, state, x as tf.Tensor2D, t0, K);
    exit = tf.keep(out.state);
    loss = tf.keep(out.loss);
    return tf.sum(out.loss);
  })(theta) as tf.Tensor2D;
  return { grad, state: exit as unknown as tf.Tensor2D, loss: loss as unknown as tf.Tensor1D };
}

/** θ rows around θ₀ (one per particle) and an entering state a few steps into the episode. */
function setup(task: Task, P: number) {
  const d = task.meta.theta0.length;
  const theta = tf.tensor2d(Array.from({ length: P }, (_, p) => task.meta.theta0.map((v, k) => v + 0.05 * Math.sin(1 + p * 3 + k))), [P, d]);
  const t0 = Int32Array.from({ length: P }, (_, p) => 2 * p);
  const state = tf.tidy(() => unrollTruncation(task, task.initialState(P), theta, new Int32Array(P), 3).state);
  return { theta, t0, state };
}

/** |a − b| ≤ rtol·max|b| + atol entry by entry (float32 sums associated differently). */
function expectClose(actual: tf.Tensor, expected: tf.Tensor, what: string, rtol = 2e-4): void {
  const a = actual.dataSync();
  const b = expected.dataSync();
  expect(a.length, what).toBe(b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < b.length; i++) {
    expect(Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(rtol * scale + 1e-7);
  }
}

function disposeAll(...xs: { grad: tf.Tensor; state: tf.Tensor; loss: tf.Tensor }[]): void {
  for (const x of xs) tf.dispose([x.grad, x.state, x.loss]);
}

describe('checkpointed reverse pass', () => {
  beforeAll(useCpuBackend);

  // Every registered task: 'sum' (lr-schedule), 'mean' (most), 'last' (influence-balancing).
  for (const id of TASK_IDS) {
    it(`equals one tf.grad over the unroll on ${id} (${createTask(id).meta.reduction}), for segments that do and do not divide K`, () => {
      const task = createTask(id);
      const { theta, t0, state } = setup(task, 3);
      const K = 7;
      const ref = oneShot(task, state, theta, t0, K);
      const before = tf.memory().numTensors;
      for (const options of [{ segment: 1 }, { segment: 3 }, { segment: 7 }, { segment: 10 }, { segment: 2, maxCheckpoints: 2 }, { segment: 3, rows: 2 }, { segment: 2, maxCheckpoints: 2, rows: 1 }, {}]) {
        const got = checkpointedGrad(task, state, theta, t0, K, options);
        const what = `${id} ${JSON.stringify(options)}`;
        expectClose(got.grad, ref.grad, `${what} grad`);
        expectClose(got.state, ref.state, `${what} state`, 1e-6);
        expectClose(got.loss, ref.loss, `${what} loss`, 1e-6);
        disposeAll(got);
      }
      expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
      disposeAll(ref);
      tf.dispose([theta, state]);
    });
  }

  it('recursive checkpointing (more segments than checkpoints) gives the same gradient', () => {
    const task = createTask('lr-schedule');
    const { theta, t0, state } = setup(task, 2);
    const K = 53;
    const ref = oneShot(task, state, theta, t0, K);
    for (const options of [{ segment: 1, maxCheckpoints: 2 }, { segment: 2, maxCheckpoints: 3 }, { segment: 4, maxCheckpoints: 5 }]) {
      const got = checkpointedGrad(task, state, theta, t0, K, options);
      expectClose(got.grad, ref.grad, `K = ${K} ${JSON.stringify(options)}`);
      disposeAll(got);
    }
    disposeAll(ref);
    tf.dispose([theta, state]);
  });

  it('yields between every forward step and every taped segment, never running more than a segment of steps under one tape', () => {
    const base = createTask('lr-schedule');
    let steps = 0;
    const task: Task = { ...base, step: (s, th, t, times) => ((steps += 1), base.step(s, th, t, times)) };
    const { theta, t0, state } = setup(base, 2);
    const K = 7;
    const work: Slices<{ grad: tf.Tensor2D; state: tf.Tensor2D; loss: tf.Tensor1D }> = checkpointedGradSlices(task, state, theta, t0, K, { segment: 3 });
    const perSlice: number[] = [];
    let r = work.next();
    for (; !r.done; r = work.next()) {
      perSlice.push(steps);
      steps = 0;
    }
    perSlice.push(steps);
    disposeAll(r.value);
    // Forward: K steps, one per slice; backward: segments of 3, 3 and 1 recomputed under a
    // tape, one per slice (the last forward step and the last segment share a slice).
    expect(perSlice).toEqual([1, 1, 1, 1, 1, 1, 1 + 1, 3, 3]);
    expect(Math.max(...perSlice)).toBeLessThanOrEqual(3 + 1);
    tf.dispose([theta, state]);
  });

  it('tapes a large θ (the RNN) in blocks of rows: no slice differentiates more than TAPE_ELEMENTS row-step entries', () => {
    const base = createTask('rnn');
    const perRow = base.stateSize + base.meta.theta0.length;
    const P = 96;
    let work = 0;
    const task: Task = { ...base, step: (s, th, t, times) => ((work += s.shape[0] * perRow), base.step(s, th, t, times)) };
    const { theta, t0, state } = setup(base, P);
    const perSlice: number[] = [];
    const gen = checkpointedGradSlices(task, state, theta, t0, 3);
    let r = gen.next();
    for (; !r.done; r = gen.next()) {
      perSlice.push(work);
      work = 0;
    }
    perSlice.push(work);
    disposeAll(r.value);
    tf.dispose([theta, state]);
    // A forward step is all P rows (P·perRow > TAPE_ELEMENTS here); a taped block at most
    // TAPE_ELEMENTS; the last forward step shares its slice with the first block.
    expect(P * perRow).toBeGreaterThan(TAPE_ELEMENTS);
    const backward = perSlice.slice(3);
    expect(backward.length).toBeGreaterThan(3);
    for (const w of backward) expect(w).toBeLessThanOrEqual(TAPE_ELEMENTS);
  });

  it('at N = 4096 one taped segment is one step (the slice that bounds a pause)', () => {
    expect(segmentSteps(4096)).toBe(1);
    expect(segmentSteps(1)).toBeGreaterThan(1);
    expect(segmentSteps(1)).toBeLessThanOrEqual(16);
  });

  it('abandoned at any slice, it frees everything it made', () => {
    const task = createTask('linear-quadratic');
    const { theta, t0, state } = setup(task, 2);
    const K = 9;
    const before = tf.memory().numTensors;
    // Count the slices once, then abandon after each of them.
    const options = { segment: 2, maxCheckpoints: 2, rows: 1 };
    const counter = checkpointedGradSlices(task, state, theta, t0, K, options);
    let total = 0;
    let res = counter.next();
    while (!res.done) {
      total++;
      res = counter.next();
    }
    disposeAll(res.value);
    expect(total).toBeGreaterThan(K);
    for (let stop = 1; stop <= total; stop++) {
      const work = checkpointedGradSlices(task, state, theta, t0, K, options);
      for (let i = 0; i < stop; i++) work.next();
      work.return(undefined as never);
      expect(tf.memory().numTensors, `abandoned after slice ${stop}`).toBe(before);
    }
    tf.dispose([theta, state]);
  });
});

describe('TBPTT and BPTT through the checkpointed pass', () => {
  beforeAll(useCpuBackend);

  for (const id of TASK_IDS) {
    it(`bptt equals tf.grad of episodeLoss on ${id}`, async () => {
      const task = createTask(id);
      const theta = tf.tensor1d([...task.meta.theta0]);
      const ref = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(task.episodeLoss(tf.expandDims(x, 0) as tf.Tensor2D)))(theta));
      const est = estimatorInfo('bptt').create({ task, settings: defaultSettings(task) });
      const before = tf.memory().numTensors;
      const { grad, excluded } = est.estimate(theta, 0);
      expectClose(grad, ref, `${id} bptt`);
      tf.dispose([grad, excluded]);
      expect(tf.memory().numTensors).toBe(before);
      est.dispose();
      tf.dispose([theta, ref]);
    });
  }

  it('tbptt with step-unlocked workers returns one gradient row per trajectory and leaks nothing', () => {
    const task = createTask('lr-schedule');
    const settings = defaultSettings(task, { K: 5, pairs: 5, workers: 'unlocked' });
    const est = estimatorInfo('tbptt').create({ task, settings });
    const theta = tf.tensor1d([-3, -2.5]);
    // Warm up (positions the workers at their offsets), then count tensors across one update.
    tf.dispose(Object.values(est.estimate(theta, 0)) as tf.Tensor[]);
    const before = tf.memory().numTensors;
    const first = est.estimate(theta, 0, { perWorker: true });
    expect(first.perWorker?.shape).toEqual([5, 2]);
    tf.dispose([first.grad, first.perWorker, first.excluded] as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
    est.dispose();
    tf.dispose(theta);
  });
});
