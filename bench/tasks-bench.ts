/**
 * Task and estimator throughput in Node on every CPU-class tfjs backend (wasm with SIMD,
 * the plain cpu backend), with a NumPy peer timed in the same run:
 *   - `step`: the task's inner step alone, at P = 1, 32 and 256 particles (batched);
 *   - `estimators`: one update of full-es, pes, nres and tbptt at the task's defaults
 *     (noise, perturbation and the estimator's bookkeeping included);
 *   - `fullEs`: for the tasks that barely unroll (evalSteps ≤ FULL_ES_MAX_STEPS: rastrigin,
 *     mnist over 500 digits), one rank-shaped full-ES update at N = 25 and N = 400 pairs;
 *   - `peers`: bench/peers/mnist_full_es.py (NumPy, vectorised the way NumPy is fastest)
 *     for the MNIST full-ES update at the same N, and the ratios against it;
 *   - `ops`: the formulations backend-ops.ts chooses between, on each backend.
 * The browser's paths (fused WGSL kernels, tfjs on WebGPU / WebGL) are timed by `npm run
 * bench` in Chromium.
 *
 *   npm run bench:tasks                    # writes bench/results/tasks.json
 *   npm run bench:tasks -- --quick         # fewer repetitions (a smoke run)
 *   npm run bench:tasks -- --task mnist    # one task (the file then holds only it)
 *   npm run bench:tasks -- --backends wasm # one backend
 *
 * Each figure is the median over repetitions, after a warm-up. Compare backends and
 * tasks within one run; the machine is whatever runs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';
import type { EstimatorId, TaskId } from '../src/core/config';
import type { Task } from '../src/core/task';

// The estimator registry imports tfjs' gradient registrations, whose ESM files need the
// CLI's resolve hook (see src/cli/tfjs-resolve-hooks.mjs); everything else is imported
// after it is registered.
register('../src/cli/tfjs-resolve-hooks.mjs', import.meta.url);
const tf: typeof TF = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-cpu');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
wasm.setWasmPaths(`${join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}${sep}`);
const { estimatorInfo } = await import('../src/core/estimators/index');
const { createMnist, createTask, TASK_IDS } = await import('../src/core/tasks/index');
const { defaultSettings } = await import('../src/core/trainer');
const { forceSharedGemm, repeatRows, tanh } = await import('../src/core/backend-ops');

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes('--quick');
const REPEATS = quick ? 2 : 5;
/** Least wall time of one repetition, so fast tasks are timed over many steps. */
const MIN_MS = quick ? 100 : 400;
const PARTICLES = [1, 32, 256];
/** Tasks with at most this many inner steps per episode also get rank-shaped full-ES figures at these N. */
const FULL_ES_MAX_STEPS = 20;
const FULL_ES_PAIRS = [25, 400];
/**
 * MNIST's full-ES figures (and the NumPy peer's) are an update over 500 training digits
 * (10 minibatches of 50), the sizing the compute-path work was measured at: the default
 * task holds 5,000 digits (T = 100), and both sides scale linearly in the digits.
 */
const MNIST_FULL_ES_TRAIN = 500;
const ESTIMATORS: readonly EstimatorId[] = ['full-es', 'pes', 'nres', 'tbptt'];
const BACKENDS = (option('--backends') ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
const only = option('--task');

interface StepFigure {
  particles: number;
  stepsPerRepeat: number;
  msPerStep: number;
  particleStepsPerSecond: number;
}

interface UpdateFigure {
  estimator: EstimatorId;
  pairs: number;
  msPerUpdate: number;
  updatesPerSecond: number;
}

interface TaskFigures {
  task: TaskId;
  dim: number;
  stateSize: number;
  step: StepFigure[];
  estimators: UpdateFigure[];
  fullEs?: { pairs: number; steps: number; msPerUpdate: number; particleStepsPerSecond: number }[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** Runs `steps` batched steps from the initial state at θ₀ (state kept, losses read once). */
function runSteps(task: Task, theta: TF.Tensor2D, steps: number, start: number): void {
  const P = theta.shape[0];
  let state = task.initialState(P);
  let acc: TF.Tensor1D = tf.zeros([P]);
  const horizon = Number.isFinite(task.meta.defaults.T) ? task.meta.defaults.T : 1_000_000;
  for (let i = 0; i < steps; i++) {
    const t = (start + i) % horizon;
    const [s, a] = tf.tidy(() => {
      const out = task.step(state, theta, tf.fill([P], t, 'int32') as TF.Tensor1D, new Int32Array(P).fill(t));
      return [out.state, tf.add(acc, out.loss) as TF.Tensor1D] as const;
    });
    state.dispose();
    acc.dispose();
    state = s;
    acc = a;
  }
  acc.dataSync();
  state.dispose();
  acc.dispose();
}

function benchStep(task: Task, P: number): StepFigure {
  const theta = tf.tidy(() => tf.tile(tf.tensor2d([[...task.meta.theta0]]), [P, 1]) as TF.Tensor2D);
  runSteps(task, theta, 2, 0); // warm-up
  // Size a repetition to at least MIN_MS.
  let steps = 1;
  for (;;) {
    const t0 = performance.now();
    runSteps(task, theta, steps, 0);
    if (performance.now() - t0 >= MIN_MS || steps >= 4096) break;
    steps *= 2;
  }
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    runSteps(task, theta, steps, r * steps);
    rates.push((performance.now() - t0) / steps);
  }
  theta.dispose();
  const msPerStep = median(rates);
  return { particles: P, stepsPerRepeat: steps, msPerStep, particleStepsPerSecond: (1000 * P) / msPerStep };
}

/** Median time of one update of `id` with the given settings (after one warm-up update). */
function timeUpdates(task: Task, id: EstimatorId, settings: ReturnType<typeof defaultSettings>, repeats: number): number {
  const est = estimatorInfo(id).create({ task, settings });
  const theta = tf.tensor1d([...task.meta.theta0]);
  const update = (): number => {
    const t0 = performance.now();
    const { grad, excluded } = est.estimate(theta, task.meta.defaults.sigma);
    grad.dataSync();
    grad.dispose();
    excluded?.dispose();
    return performance.now() - t0;
  };
  update();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) times.push(update());
  est.dispose();
  theta.dispose();
  return median(times);
}

function benchEstimator(task: Task, id: EstimatorId): UpdateFigure {
  const settings = defaultSettings(task);
  const ms = timeUpdates(task, id, settings, Math.min(REPEATS, 3));
  return { estimator: id, pairs: settings.pairs, msPerUpdate: ms, updatesPerSecond: 1000 / ms };
}

function benchFullEs(task: Task, pairs: number): NonNullable<TaskFigures['fullEs']>[number] {
  const ms = timeUpdates(task, 'full-es', defaultSettings(task, { pairs, rankShaping: true }), pairs > 100 ? Math.min(REPEATS, 3) : REPEATS);
  const steps = task.meta.evalSteps;
  return { pairs, steps, msPerUpdate: ms, particleStepsPerSecond: (1000 * 2 * pairs * steps) / ms };
}

/** The pairs of formulations backend-ops.ts chooses between, timed on the active backend. */
function benchOps(): Record<string, number> {
  const time = (f: () => TF.Tensor): number => {
    tf.tidy(() => f().dataSync());
    const ts: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      tf.tidy(() => f().dataSync());
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const row = tf.randomNormal([1, 3322]);
  const x = tf.randomNormal([50, 12800]);
  // mlp-hpo's step in both formulations, by particles per minibatch (backend-ops.ts sharedGemmPays).
  const mlp = createTask('mlp-hpo');
  const step = (P: number, groups: number, shared: boolean): number => {
    const theta = tf.tile(tf.tensor2d([[...mlp.meta.theta0]]), [P, 1]) as TF.Tensor2D;
    const state = mlp.initialState(P);
    const times = Int32Array.from({ length: P }, (_, p) => (p % groups) * 10 + 3);
    const t = tf.tensor1d(times, 'int32');
    forceSharedGemm(shared);
    try {
      return time(() => tf.tidy(() => mlp.step(state, theta, t as TF.Tensor1D, times).loss));
    } finally {
      forceSharedGemm(null);
      tf.dispose([theta, state, t]);
    }
  };
  const formulations: Record<string, number> = {};
  for (const [P, groups] of [[32, 1], [256, 1], [256, 8]] as const) {
    formulations[`mlp-hpo step, ${P} particles on ${groups} minibatch(es): shared GEMM (ms)`] = step(P, groups, true);
    formulations[`mlp-hpo step, ${P} particles on ${groups} minibatch(es): per particle (ms)`] = step(P, groups, false);
  }
  const out = {
    ...formulations,
    'repeat 400 rows of 3,322: tf.tile (ms)': time(() => tf.tile(row, [400, 1])),
    'repeat 400 rows of 3,322: ones x row GEMM (ms)': time(() => tf.matMul(tf.ones([400, 1]), row)),
    'repeat 400 rows of 3,322: concat (ms)': time(() => tf.concat(new Array<TF.Tensor>(400).fill(row))),
    'repeat 400 rows of 3,322: chosen (ms)': time(() => repeatRows(row as TF.Tensor2D, 400)),
    'tanh of 640k: tf.tanh (ms)': time(() => tf.tanh(x)),
    'tanh of 640k: 2 sigmoid(2x) - 1 (ms)': time(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1)),
    'tanh of 640k: chosen (ms)': time(() => tanh(x)),
  };
  tf.dispose([row, x]);
  return out;
}

/** The NumPy peer's MNIST full-ES update, median ms (null when python3 with numpy is missing). */
function numpyPeer(pairs: number): { msPerUpdate: number; numpy: string } | null {
  try {
    const out = execFileSync('python3', [join(dirname(fileURLToPath(import.meta.url)), 'peers', 'mnist_full_es.py'), '--pairs', String(pairs), '--train', String(MNIST_FULL_ES_TRAIN), '--repeats', String(REPEATS)], { encoding: 'utf8' });
    const r = JSON.parse(out) as { msPerUpdate: number; numpy: string };
    return { msPerUpdate: r.msPerUpdate, numpy: r.numpy };
  } catch (e) {
    process.stderr.write(`numpy peer unavailable: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  }
}

async function main(): Promise<void> {
  if (only !== undefined && !(TASK_IDS as readonly string[]).includes(only)) throw new Error(`--task: unknown task "${only}"; valid: ${TASK_IDS.join(', ')}`);
  const byBackend: Record<string, { tasks: TaskFigures[]; ops: Record<string, number>; numTensorsAfter: number }> = {};
  for (const backend of BACKENDS) {
    if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
    await tf.ready();
    const results: TaskFigures[] = [];
    for (const id of TASK_IDS) {
      if (only !== undefined && id !== only) continue;
      const task = createTask(id);
      const step = PARTICLES.map((P) => benchStep(task, P));
      const estimators = ESTIMATORS.map((e) => benchEstimator(task, e));
      const fullEsTask = id === 'mnist' ? createMnist({ train: MNIST_FULL_ES_TRAIN }) : task;
      const fullEs = fullEsTask.meta.evalSteps <= FULL_ES_MAX_STEPS ? FULL_ES_PAIRS.map((N) => benchFullEs(fullEsTask, N)) : undefined;
      results.push({ task: id, dim: task.meta.theta0.length, stateSize: task.stateSize, step, estimators, ...(fullEs ? { fullEs } : {}) });
      const rates = step.map((s) => `P=${s.particles}: ${Math.round(s.particleStepsPerSecond)}`).join(', ');
      const ups = estimators.map((e) => `${e.estimator} ${e.msPerUpdate.toFixed(1)}`).join(', ');
      const es = fullEs ? `; full-ES ${fullEs.map((f) => `N=${f.pairs}: ${f.msPerUpdate.toFixed(0)} ms`).join(', ')}` : '';
      process.stderr.write(`[${backend}] ${id.padEnd(20)} step ${rates} particle-steps/s; ms/update ${ups}${es}\n`);
    }
    byBackend[backend] = { tasks: results, ops: benchOps(), numTensorsAfter: tf.memory().numTensors };
  }
  // The NumPy peer of MNIST's full-ES update, in the same run, and the ratios.
  const peers: Record<string, unknown>[] = [];
  if (only === undefined || only === 'mnist') {
    for (const pairs of FULL_ES_PAIRS) {
      const peer = numpyPeer(pairs);
      if (!peer) continue;
      const ours = Object.fromEntries(BACKENDS.map((b) => [b, byBackend[b]?.tasks.find((t) => t.task === 'mnist')?.fullEs?.find((f) => f.pairs === pairs)?.msPerUpdate ?? null]));
      const ratios = Object.fromEntries(Object.entries(ours).map(([b, ms]) => [`${b} / numpy`, ms === null ? null : ms / peer.msPerUpdate]));
      peers.push({ work: `mnist full-ES update over ${MNIST_FULL_ES_TRAIN} digits, N = ${pairs} pairs, rank shaping`, numpyMsPerUpdate: peer.msPerUpdate, numpy: peer.numpy, msPerUpdate: ours, ratios });
      process.stderr.write(`mnist full-ES N=${pairs}: numpy ${peer.msPerUpdate.toFixed(0)} ms; ${Object.entries(ours).map(([b, ms]) => `${b} ${ms?.toFixed(0)} ms`).join(', ')}\n`);
    }
  }
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'tasks.json');
  const out = { node: process.version, quick, repeats: REPEATS, date: new Date().toISOString(), ...(only ? { task: only } : {}), backends: byBackend, peers };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`wrote ${file}\n`);
}

void main();
