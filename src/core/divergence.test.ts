import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId } from './config';
import { estimatorInfo } from './estimators/index';
import { Session, type SessionConfig } from './session';
import { AbandonedError, TimeSlicedPacer } from './slices';
import { stepAt, type Task, type TaskMeta } from './task';
import { useCpuBackend } from './testing/setup';
import { createTask } from './tasks/index';
import { defaultSettings } from './trainer';

/*
 * The divergence guard: particles whose loss or state becomes NaN/±Inf are counted and
 * left out of the update, updates that would make θ non-finite are skipped, and a session
 * can be rewound to its last finite θ. Everything here provokes non-finite numbers on
 * purpose, on the tfjs CPU backend.
 */

/**
 * A task that is finite only where θ₀ − c·t ≥ 0: `mode` 'state' puts the √ in the state
 * (the loss stays finite, so only the state check can catch it), 'loss' in the loss.
 */
function sqrtTask(mode: 'state' | 'loss', c = 0): Task {
  const meta: TaskMeta = {
    id: 'test-sqrt',
    title: 'test',
    formula: '',
    description: '',
    paramNames: ['a', 'b'],
    logScale: [false, false],
    theta0: [1, 0.5],
    bounds: [
      [-2, 2],
      [-2, 2],
    ],
    optimum: null,
    reduction: 'mean',
    defaults: { T: 8, K: 2, sigma: 1, pairs: 64, optimizer: 'sgd', lr: 0.1, iterations: 10 },
    evalSteps: 8,
  };
  const task: Task = {
    meta,
    stateSize: 1,
    initialState: (P) => tf.zeros([P, 1]),
    step(state, theta, t) {
      const [a, b] = tf.split(theta, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const root = tf.sqrt(tf.sub(a, tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), c)));
      const bLoss = tf.reshape(tf.square(b), [-1]) as tf.Tensor1D;
      if (mode === 'state') return { state: tf.add(state, root) as tf.Tensor2D, loss: bLoss };
      return { state: tf.clone(state), loss: tf.add(bLoss, tf.reshape(root, [-1])) as tf.Tensor1D };
    },
    episodeLoss(theta) {
      return tf.tidy(() => {
        let s = task.initialState(theta.shape[0]);
        let acc: tf.Tensor1D = tf.zeros([theta.shape[0]]);
        for (let t = 0; t < meta.evalSteps; t++) {
          const out = stepAt(task, s, theta, new Array<number>(theta.shape[0]).fill(t));
          s = out.state;
          acc = tf.add(acc, out.loss) as tf.Tensor1D;
        }
        return tf.div(acc, meta.evalSteps) as tf.Tensor1D;
      });
    },
  };
  return task;
}

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

const ES: EstimatorId[] = ['full-es', 'tes', 'pes', 'nres', 'gpes'];

describe('divergence guard in the estimators', () => {
  beforeAll(useCpuBackend);

  for (const mode of ['loss', 'state'] as const) {
    // Full-unroll ES keeps no particle state between updates: only its losses can be checked.
    for (const id of mode === 'state' ? ES.filter((e) => e !== 'full-es') : ES) {
      it(`${id}: pairs with a NaN ${mode} are counted and left out; the gradient stays finite`, async () => {
        const task = sqrtTask(mode);
        const settings = defaultSettings(task, { pairs: 64, K: 2, T: 8, R: 4, seed: 3 });
        const before = tf.memory().numTensors;
        const est = estimatorInfo(id).create({ task, settings });
        const theta = tf.tensor1d([1, 0.5]);
        const { grad, excluded, workers, perWorker } = est.estimate(theta, 1, { perWorker: true });
        // Which pairs crossed into θ₀ < 0: one of θ ± ε has a negative first coordinate.
        const particles = est.particles(theta);
        const rows = await values(particles);
        particles.dispose();
        let expected = 0;
        for (let i = 0; i < 64; i++) if ((rows[i * 2] ?? 0) < 0 || (rows[(64 + i) * 2] ?? 0) < 0) expected++;
        expect(expected).toBeGreaterThan(5); // the test means something: σ = 1 around θ₀ = 1
        expect(expected).toBeLessThan(60);
        expect(workers).toBe(64);
        expect(await values(excluded as tf.Scalar)).toEqual([expected]);
        const g = await values(grad);
        expect(g.every((v) => Number.isFinite(v))).toBe(true);
        // The kept pairs' own estimates are finite, the excluded ones are zero rows.
        const each = await values(perWorker as tf.Tensor2D);
        expect(each.every((v) => Number.isFinite(v))).toBe(true);
        expect(each.filter((v, k) => k % 2 === 0 && v === 0).length).toBeGreaterThanOrEqual(expected);
        grad.dispose();
        excluded?.dispose();
        perWorker?.dispose();
        est.dispose();
        theta.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('tbptt: step-unlocked trajectories that turn NaN are masked row-wise ([P, 1]) and the mean is over the rest', async () => {
    // NaN once t > 4 (θ₀ = 1, c = 0.25): only the trajectories whose truncation reaches it.
    const task = sqrtTask('loss', 0.25);
    const settings = defaultSettings(task, { pairs: 8, K: 2, T: 8, workers: 'unlocked', seed: 1 });
    const est = estimatorInfo('tbptt').create({ task, settings });
    const theta = tf.tensor1d([1, 0.5]);
    const { grad, excluded, workers, perWorker } = est.estimate(theta, 0, { perWorker: true });
    expect(workers).toBe(8);
    const ex = (await values(excluded as tf.Scalar))[0] ?? -1;
    expect(ex).toBeGreaterThan(0);
    expect(ex).toBeLessThan(8);
    const each = await values(perWorker as tf.Tensor2D);
    expect(each.every((v) => Number.isFinite(v))).toBe(true);
    const g = await values(grad);
    // The mean over the kept trajectories (zero rows for the excluded ones).
    const kept = 8 - ex;
    for (let k = 0; k < 2; k++) {
      let sum = 0;
      for (let p = 0; p < 8; p++) sum += each[p * 2 + k] ?? 0;
      expect(g[k]).toBeCloseTo(sum / kept, 5);
    }
    [grad, excluded, perWorker].forEach((t) => t?.dispose());
    est.dispose();
    theta.dispose();
  });

  it('bptt: a NaN gradient is counted as its one worker excluded', async () => {
    const est = estimatorInfo('bptt').create({ task: sqrtTask('loss'), settings: defaultSettings(sqrtTask('loss')) });
    const theta = tf.tensor1d([-1, 0.5]);
    const { grad, excluded, workers } = est.estimate(theta, 0);
    expect(workers).toBe(1);
    expect(await values(excluded as tf.Scalar)).toEqual([1]);
    [grad, excluded].forEach((t) => t?.dispose());
    est.dispose();
    theta.dispose();
  });
});

function rastrigin(estimators: EstimatorId[], optimizer: 'sgd' | 'adam', lr: number, sigma = 1): SessionConfig {
  const task = createTask('rastrigin');
  return {
    task: 'rastrigin',
    estimators,
    settings: defaultSettings(task, { pairs: 16, T: 1, K: 1, R: 1 }),
    sigma: { kind: 'constant', sigma0: sigma },
    optimizer,
    lr,
  };
}

const ALL: EstimatorId[] = ['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt'];

describe('divergence guard in the session', () => {
  beforeAll(useCpuBackend);

  for (const optimizer of ['sgd', 'adam'] as const) {
    for (const lr of [1e30, 1e38]) {
      it(`θ never becomes NaN/±Inf: ${optimizer}, learning rate ${lr.toExponential()}, every estimator`, async () => {
        const session = new Session(rastrigin(ALL, optimizer, lr));
        session.step();
        await session.frame();
        const baseline = tf.memory().numTensors;
        for (let i = 0; i < 6; i++) session.step();
        const f = await session.frame();
        expect(tf.memory().numTensors).toBe(baseline);
        for (const e of f.estimators) {
          expect(e.theta.every((v) => Number.isFinite(v)), `${e.id} θ = ${e.theta.join(', ')}`).toBe(true);
          expect(e.optimizer?.values.flat().every((v) => Number.isFinite(v))).toBe(true);
          // Something had to give: updates skipped (θ would overflow) and/or particles excluded.
          expect((e.health?.skippedTotal ?? 0) + (e.health?.excludedTotal ?? 0), e.id).toBeGreaterThan(0);
        }
        session.dispose();
      });
    }
  }

  it('counts excluded particles per estimator when σ is far too large, and keeps training on the rest', async () => {
    // σ = 1e19: a pair overflows (z² > 3.4e38) when its |z| is beyond ≈ 1.8 in some coordinate.
    const session = new Session(rastrigin(['full-es', 'pes'], 'adam', 0.05, 1e19));
    session.step();
    const f = await session.frame();
    for (const e of f.estimators) {
      const h = e.health;
      expect(h?.workers).toBe(16);
      expect(h?.excludedLast).toBeGreaterThan(0);
      expect(h?.excludedLast).toBeLessThan(16);
      expect(h?.excludedTotal).toBe(h?.excludedLast);
      expect(h?.skippedTotal).toBe(0);
      expect(e.theta.every((v) => Number.isFinite(v))).toBe(true);
    }
    session.dispose();
  });

  it('rewinds to the θ and optimizer state of the last frame with a finite θ and loss, with fresh particles', async () => {
    const config = rastrigin(['pes', 'bptt'], 'adam', 0.05);
    const session = new Session(config);
    for (let i = 0; i < 5; i++) session.step();
    const good = await session.frame();
    for (const e of good.estimators) expect(e.health?.checkpointIteration).toBe(5);
    // Explode: the learning rate goes live to 1e37; the loss overflows, θ stays finite.
    session.setLr(1e37);
    for (let i = 0; i < 4; i++) session.step();
    const bad = await session.frame();
    for (const e of bad.estimators) {
      expect(Number.isFinite(e.evalLoss)).toBe(false);
      expect(e.theta.every((v) => Number.isFinite(v))).toBe(true);
      expect(e.health?.checkpointIteration).toBe(5);
    }
    const baseline = tf.memory().numTensors;
    expect(session.rewind()).toEqual([
      { id: 'pes', iteration: 5 },
      { id: 'bptt', iteration: 5 },
    ]);
    session.setLr(0.05);
    const back = await session.frame();
    expect(back.iteration).toBe(9); // the counter keeps counting
    for (const [i, e] of back.estimators.entries()) {
      expect(e.theta).toEqual(good.estimators[i]?.theta);
      expect(e.optimizer).toEqual(good.estimators[i]?.optimizer);
      expect(e.health?.excludedLast).toBe(0);
    }
    session.step();
    const after = await session.frame();
    for (const e of after.estimators) expect(Number.isFinite(e.evalLoss)).toBe(true);
    // Rewinding replaced tensors, it did not pile them up.
    expect(tf.memory().numTensors).toBe(baseline);
    session.dispose();
  });
});

describe('sliced stepping', () => {
  beforeAll(useCpuBackend);

  const lrSchedule = (): SessionConfig => {
    const task = createTask('lr-schedule');
    return {
      task: 'lr-schedule',
      estimators: ['full-es', 'tes', 'pes', 'tbptt'],
      settings: defaultSettings(task, { pairs: 8, burnIn: true }),
      sigma: { kind: 'constant', sigma0: 0.3 },
      optimizer: 'adam',
      lr: 0.05,
    };
  };

  it('a pacer that hands the thread back at every yield gives exactly the results of plain steps', async () => {
    const a = new Session(lrSchedule());
    const b = new Session(lrSchedule());
    let handBacks = 0;
    const pacer = new TimeSlicedPacer({
      now: () => 0,
      sliceMs: 0,
      yieldNow: () => {
        handBacks++;
        return new Promise((resolve) => setTimeout(resolve, 0));
      },
    });
    for (let i = 0; i < 3; i++) {
      a.step();
      await pacer.run(b.stepSlices());
    }
    const fa = await a.frame();
    const fb = await b.frame(pacer);
    expect(fb.estimators.map((e) => e.theta)).toEqual(fa.estimators.map((e) => e.theta));
    expect(fb.estimators.map((e) => e.evalLoss)).toEqual(fa.estimators.map((e) => e.evalLoss));
    // One hand-back per inner step at least (K = 10, 3 updates, burn-in of T = 100 steps).
    expect(handBacks).toBeGreaterThan(3 * 10);
    a.dispose();
    b.dispose();
  });

  it('an update abandoned part-way frees everything once the session is disposed', async () => {
    const before = tf.memory().numTensors;
    const session = new Session(lrSchedule());
    session.step();
    let calls = 0;
    const pacer = new TimeSlicedPacer({ now: () => 0, sliceMs: 0, yieldNow: () => Promise.resolve(), abandoned: () => ++calls > 7 });
    await expect(pacer.run(session.stepSlices())).rejects.toBeInstanceOf(AbandonedError);
    await expect(pacer.run(session.stepSlices())).rejects.toBeInstanceOf(AbandonedError);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumes from a frame: θ, optimizer state and iteration carry over', async () => {
    const a = new Session(lrSchedule());
    for (let i = 0; i < 4; i++) a.step();
    const f = await a.frame();
    const b = new Session({
      ...lrSchedule(),
      resume: {
        iteration: f.iteration,
        estimators: f.estimators.map((e) => ({ id: e.id, theta: e.theta, optimizer: e.optimizer ?? { values: [], t: 0 }, innerSteps: e.innerSteps })),
      },
    });
    const g = await b.frame();
    expect(g.iteration).toBe(4);
    expect(g.estimators.map((e) => e.theta)).toEqual(f.estimators.map((e) => e.theta));
    expect(g.estimators.map((e) => e.optimizer)).toEqual(f.estimators.map((e) => e.optimizer));
    expect(g.estimators.map((e) => e.innerSteps)).toEqual(f.estimators.map((e) => e.innerSteps));
    b.step();
    const h = await b.frame();
    for (const e of h.estimators) expect(Number.isFinite(e.evalLoss)).toBe(true);
    a.dispose();
    b.dispose();
  });
});
