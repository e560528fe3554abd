/**
 * The larger tasks (MLP hyper-parameters, RNN, learned optimizer, MNIST): their inner
 * training actually learns, batching over particles is exact, and ES gradients agree
 * with autodiff where the brief asks. Sizes and seeds are fixed; runtime is kept to a
 * few tens of seconds on the CPU backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimatorInfo } from '../estimators/index';
import { stepAt, type Task, taskDim, unrollEpisodeLoss } from '../task';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { initMlp, logisticLoss, logisticLossAndGrad, mlpLayers, mlpSize, type MlpShape, withOnes } from './batched-mlp';
import { normalArray } from './datasets';
import { createTask } from './index';
import { createMnist } from './mnist';
import { createMlpHpo } from './mlp-hpo';
import { learnedOptimizerSize } from './learned-optimizer';
import { createRnn, rnnSignal, rnnSize } from './rnn';
import { runTraining } from '../experiments/training';
import { defaultTrainConfig } from '../trainer';
import type { EstimatorId, TaskId } from '../config';

beforeAll(useCpuBackend);

// ---------- helpers ----------

/** One step under tf.tidy: [state, loss]. */
function tidyStep(task: Task, state: tf.Tensor2D, theta: tf.Tensor2D, t: tf.Tensor1D): [tf.Tensor2D, tf.Tensor1D] {
  return tf.tidy(() => {
    const out = task.step(state, theta, t, t.dataSync() as Int32Array);
    return [out.state, out.loss];
  });
}

/** Per-step losses of one unperturbed episode at θ (P = 1). */
function stepLosses(task: Task, theta: readonly number[], steps: number): number[] {
  const out: number[] = [];
  let state = task.initialState(1);
  const th = tf.tensor2d([[...theta]]);
  for (let t = 0; t < steps; t++) {
    const [next, loss] = tidyStep(task, state, th, tf.tensor1d([t], 'int32'));
    state.dispose();
    state = next;
    out.push(loss.dataSync()[0] ?? Number.NaN);
    loss.dispose();
  }
  state.dispose();
  th.dispose();
  return out;
}

function episode(task: Task, thetas: readonly (readonly number[])[]): number[] {
  return tf.tidy(() => Array.from(task.episodeLoss(tf.tensor2d(thetas.map((r) => [...r]))).dataSync()));
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, i) => {
    const w = b[i] ?? 0;
    ab += v * w;
    aa += v * v;
    bb += w * w;
  });
  return ab / Math.sqrt(aa * bb);
}

async function gradientAt(task: Task, id: 'bptt' | 'full-es' | 'tbptt', theta: readonly number[], sigma: number, pairs: number, seed: number): Promise<number[]> {
  const est = estimatorInfo(id).create({ task, settings: defaultSettings(task, { pairs, seed }) });
  const th = tf.tensor1d([...theta]);
  const { grad, excluded } = est.estimate(th, sigma);
  const g = Array.from(await grad.data());
  grad.dispose();
  excluded?.dispose();
  th.dispose();
  est.dispose();
  return g;
}

/** Batched step with rows at different θ and t equals per-row P = 1 steps. */
function expectBatchingExact(task: Task, thetas: number[][], ts: number[], tol: number): void {
  const P = thetas.length;
  const [batchedState, batchedLoss] = tf.tidy(() => {
    // Distinct states: a few steps from the initial state at each row's θ.
    let s = task.initialState(P);
    const th = tf.tensor2d(thetas);
    for (let t = 0; t < 3; t++) s = stepAt(task, s, th, new Array<number>(P).fill(t)).state;
    const out = stepAt(task, s, th, ts);
    return [s.arraySync(), out.loss.arraySync()] as const;
  });
  const states = batchedState;
  const [bs, bl] = tidyStep(task, tf.tensor2d(states), tf.tensor2d(thetas), tf.tensor1d(ts, 'int32'));
  const bState = bs.arraySync();
  const bLoss = Array.from(bl.dataSync());
  tf.dispose([bs, bl]);
  for (let i = 0; i < P; i++) {
    const [ss, sl] = tidyStep(task, tf.tensor2d([states[i] ?? []]), tf.tensor2d([thetas[i] ?? []]), tf.tensor1d([ts[i] ?? 0], 'int32'));
    const sState = ss.arraySync()[0] ?? [];
    const sLoss = sl.dataSync()[0] ?? Number.NaN;
    tf.dispose([ss, sl]);
    expect(Math.abs(sLoss - (bLoss[i] ?? Number.NaN))).toBeLessThanOrEqual(tol * (1 + Math.abs(sLoss)));
    sState.forEach((v, k) => expect(Math.abs(v - (bState[i]?.[k] ?? Number.NaN))).toBeLessThanOrEqual(tol * (1 + Math.abs(v))));
  }
  expect(batchedLoss.length).toBe(P);
}

// ---------- the batched MLP ----------

describe('batched MLP', () => {
  it('hand-written logistic-loss gradient equals tfjs autodiff', () => {
    const shape: MlpShape = { inputs: 2, hidden: 5, outputs: 1 };
    const P = 3;
    const B = 7;
    const size = mlpSize(shape);
    const w = tf.tensor2d(normalArray(P * size, 0.7, 11), [P, size]);
    const X = withOnes(tf.tensor3d(normalArray(P * B * 2, 1, 12), [P, B, 2]));
    const y = tf.tensor3d(Float32Array.from({ length: P * B }, (_, i) => (i % 3 === 0 ? 1 : -1)), [P, B, 1]);
    const byHand = tf.tidy(() => logisticLossAndGrad(mlpLayers(w, shape), X, y, shape));
    // Σ over particles of each particle's loss: its gradient row i is particle i's gradient.
    const auto = tf.tidy(() => tf.grad((flat: tf.Tensor) => tf.sum(logisticLoss(mlpLayers(flat as tf.Tensor2D, shape), X, y)))(w));
    const a = auto.dataSync();
    const h = byHand.grad.dataSync();
    expect(h.length).toBe(P * size);
    for (let i = 0; i < h.length; i++) expect(Math.abs((h[i] ?? 0) - (a[i] ?? 0))).toBeLessThan(1e-5 + 1e-4 * Math.abs(a[i] ?? 0));
    const l1 = byHand.loss.dataSync();
    const l2 = tf.tidy(() => logisticLoss(mlpLayers(w, shape), X, y).dataSync());
    for (let i = 0; i < P; i++) expect(Math.abs((l1[i] ?? 0) - (l2[i] ?? 0))).toBeLessThan(1e-6);
    tf.dispose([w, X, y, byHand.loss, byHand.grad, auto]);
  });

  it('initial weights are deterministic in the seed and scaled by fan-in', () => {
    const shape: MlpShape = { inputs: 2, hidden: 64, outputs: 1 };
    const a = initMlp(shape, 3, 5);
    expect(Array.from(initMlp(shape, 3, 5))).toEqual(Array.from(a));
    expect(Array.from(initMlp(shape, 4, 5))).not.toEqual(Array.from(a));
    // First layer: std 5/√2; biases zero.
    const w1 = Array.from(a.subarray(0, 128));
    const sd = Math.sqrt(mean(w1.map((v) => v * v)));
    expect(sd).toBeGreaterThan(2.5);
    expect(sd).toBeLessThan(4.5);
    expect(Array.from(a.subarray(128, 192)).every((v) => v === 0)).toBe(true);
  });
});

// ---------- mlp-hpo ----------

describe('mlp-hpo', () => {
  const task = createTask('mlp-hpo');
  const good = [0, -5];

  it('batches particles exactly', () => {
    expectBatchingExact(task, [[...task.meta.theta0], good, [-2, -3]], [0, 7, 199], 1e-5);
  });

  it('unperturbed inner training lowers the validation loss', () => {
    const losses = stepLosses(task, good, task.meta.evalSteps);
    // 8 steps = one pass over the 8 validation minibatches. Measured: 0.463 over the first
    // pass, 0.367 over the last (log 2 ≈ 0.693 is chance).
    expect(mean(losses.slice(-8))).toBeLessThan(0.85 * mean(losses.slice(0, 8)));
    expect(losses.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('the meta-objective separates good from bad hyper-parameters', () => {
    const [atTheta0, atGood, tooFast, tooSlow] = episode(task, [task.meta.theta0, good, [3, -5], [-5, -9]]);
    expect(atGood).toBeLessThan((atTheta0 ?? 0) - 0.1);
    expect(atGood).toBeLessThan(tooSlow ?? 0);
    // Beyond the edge of stability the run is capped, not NaN.
    expect(tooFast).toBeGreaterThan(1.5);
    expect(tooFast).toBeLessThanOrEqual(2);
  });

  it('full-es gradient at θ₀ aligns with the BPTT gradient, better with more pairs', async () => {
    const theta0 = task.meta.theta0;
    const ad = await gradientAt(task, 'bptt', theta0, 0, 1, 1);
    expect(Math.hypot(...ad)).toBeGreaterThan(0);
    const seeds = [1, 2, 3, 4];
    const meanCos: number[] = [];
    for (const pairs of [1, 4, 16]) {
      const cs: number[] = [];
      for (const seed of seeds) cs.push(cosine(await gradientAt(task, 'full-es', theta0, 0.1, pairs, seed), ad));
      meanCos.push(mean(cs));
    }
    // Measured (σ = 0.1, seeds 1–4): ≈ 0.5, 0.7, 0.93. Positive throughout, growing with N.
    expect(meanCos[0]).toBeGreaterThan(0);
    expect(meanCos[1]).toBeGreaterThan(meanCos[0] ?? 1);
    expect(meanCos[2]).toBeGreaterThan(meanCos[1] ?? 1);
    expect(meanCos[2]).toBeGreaterThan(0.85);
  }, 60_000);

  it('episodes leak no tensors', () => {
    const small = createMlpHpo({ T: 8 });
    episode(small, [small.meta.theta0]);
    const before = tf.memory().numTensors;
    episode(small, [small.meta.theta0, good]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Evaluation loss before and after a short training run with the task's defaults. */
async function shortRun(task: TaskId, estimator: EstimatorId, iterations: number, overrides: { pairs?: number; lr?: number } = {}): Promise<{ before: number; after: number }> {
  const config = defaultTrainConfig(task, estimator);
  config.iterations = iterations;
  if (overrides.pairs !== undefined) config.settings = { ...config.settings, pairs: overrides.pairs };
  if (overrides.lr !== undefined) config.lr = overrides.lr;
  const r = await runTraining(config, { logEvery: iterations });
  return { before: r.history[0]?.evalLoss ?? Number.NaN, after: r.final.evalLoss };
}

// ---------- rnn ----------

describe('mnist (shared-minibatch GEMM)', () => {
  it('a population split across minibatches (step-unlocked) steps exactly like one row at a time', () => {
    const task = createTask('mnist');
    const t0 = [...task.meta.theta0];
    const other = t0.map((v, i) => v + 0.05 * Math.sin(i));
    // Rows 0 and 3 share a minibatch (t = 1 and 11 ≡ 1 mod 10), rows 1 and 2 are alone: the
    // groups' rows come back in a non-involutive order, so a wrong un-permutation shows.
    expectBatchingExact(task, [t0, other, t0, other], [1, 4, 9, 11], 1e-5);
  });

  it('the episode loss (minibatches chunked into larger GEMMs) equals unrolling the steps', () => {
    // 6 rows: chunks of 3 minibatches and a remainder of 1 (of 10); the default: all in one call.
    for (const [task, P] of [[createTask('mnist'), 3], [createMnist({ gemmValues: 3 * 50 * 6 * 16 }), 6]] as const) {
      const theta = tf.tidy(() => tf.add(tf.tile(tf.tensor2d([[...task.meta.theta0]]), [P, 1]), tf.mul(tf.randomNormal([P, taskDim(task)], 0, 1, 'float32', 5), 0.1)) as tf.Tensor2D);
      const episode = tf.tidy(() => task.episodeLoss(theta)).dataSync();
      const unrolled = tf.tidy(() => unrollEpisodeLoss(task, theta, task.meta.evalSteps)).dataSync();
      theta.dispose();
      for (let p = 0; p < P; p++) expect(Math.abs((episode[p] ?? NaN) - (unrolled[p] ?? NaN))).toBeLessThan(1e-5 * (1 + Math.abs(unrolled[p] ?? 0)));
    }
  });
});

describe('rnn', () => {
  const task = createTask('rnn');

  it('has H² + 3H + 1 weights and a deterministic signal', () => {
    expect(task.meta.theta0.length).toBe(rnnSize(16));
    expect(rnnSize(16)).toBe(305);
    expect(Array.from(rnnSignal(50, 3))).toEqual(Array.from(rnnSignal(50, 3)));
    expect(task.meta.paramNames[0]).toBe('W_h[0,0]');
    expect(task.meta.paramNames[304]).toBe('b_o');
  });

  it('batches particles exactly', () => {
    const t0 = [...task.meta.theta0];
    const other = t0.map((v, i) => v + 0.05 * Math.sin(i));
    expectBatchingExact(task, [t0, other, t0], [0, 17, 199], 1e-5);
  });

  it('the step is the documented recurrence', () => {
    const small = createRnn({ hidden: 2, T: 10 });
    const theta = [0.5, -0.2, 0.1, 0.3, 1.0, -1.0, 0.05, -0.05, 0.7, 0.4, 0.1];
    expect(theta.length).toBe(rnnSize(2));
    const x = rnnSignal(11);
    const h = [0.2, -0.4];
    const pre = [0, 1].map((j) => (h[0] ?? 0) * (theta[j] ?? 0) + (h[1] ?? 0) * (theta[2 + j] ?? 0) + (x[3] ?? 0) * (theta[4 + j] ?? 0) + (theta[6 + j] ?? 0));
    const h1 = pre.map(Math.tanh);
    const yHat = (h1[0] ?? 0) * (theta[8] ?? 0) + (h1[1] ?? 0) * (theta[9] ?? 0) + (theta[10] ?? 0);
    const [s, l] = tidyStep(small, tf.tensor2d([h]), tf.tensor2d([theta]), tf.tensor1d([3], 'int32'));
    const sv = s.dataSync();
    expect(Math.abs((sv[0] ?? 0) - (h1[0] ?? 0))).toBeLessThan(1e-6);
    expect(Math.abs((sv[1] ?? 0) - (h1[1] ?? 0))).toBeLessThan(1e-6);
    expect(Math.abs((l.dataSync()[0] ?? 0) - (yHat - (x[4] ?? 0)) ** 2)).toBeLessThan(1e-5);
    tf.dispose([s, l]);
  });

  it('training lowers the loss (TBPTT and PES on the weights)', async () => {
    const tbptt = await shortRun('rnn', 'tbptt', 40);
    // Measured: 0.559 → ≈ 0.05 after 40 updates.
    expect(tbptt.after).toBeLessThan(0.3 * tbptt.before);
    const pes = await shortRun('rnn', 'pes', 25, { pairs: 8 });
    expect(pes.after).toBeLessThan(0.7 * pes.before);
  }, 60_000);
});

// ---------- learned-optimizer ----------

describe('learned-optimizer', () => {
  const task = createTask('learned-optimizer');

  it('has tens of meta-parameters and starts as SGD', () => {
    expect(task.meta.theta0.length).toBe(learnedOptimizerSize(8));
    expect(task.meta.theta0.length).toBe(34);
    expect(task.meta.theta0.slice(0, 2)).toEqual([0.1, 0].map((v) => Math.fround(v)));
  });

  it('batches particles exactly', () => {
    const t0 = [...task.meta.theta0];
    const other = t0.map((v, i) => v + 0.02 * Math.cos(i));
    expectBatchingExact(task, [t0, other], [5, 150], 1e-5);
  });

  it('θ₀ (SGD) trains the inner network, a larger step trains it faster', () => {
    const losses = stepLosses(task, task.meta.theta0, task.meta.evalSteps);
    expect(mean(losses.slice(-8))).toBeLessThan(0.8 * mean(losses.slice(0, 8)));
    const faster = [...task.meta.theta0];
    faster[0] = 1;
    faster[1] = 1;
    const [l0, l1] = episode(task, [task.meta.theta0, faster]);
    expect(l1).toBeLessThan((l0 ?? 0) - 0.1);
  });

  it('meta-training improves the evaluation loss from θ₀', async () => {
    // Measured (seed 1, N = 8, the task's σ and Adam 3e-3): 0.382 → 0.357 after 20 updates.
    const r = await shortRun('learned-optimizer', 'nres', 20, { pairs: 8 });
    expect(r.after).toBeLessThan(r.before - 0.01);
  }, 60_000);
});
