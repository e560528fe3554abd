/**
 * Task throughput in Node on the tfjs CPU backend: particle-steps per second of every
 * registered task, for
 *   - `step`: the task's inner step alone, at P = 1, 32 and 256 particles (batched), and
 *   - `pes`: one PES update at the task's default population (2N particles, K steps:
 *     noise, perturbation and the estimator's bookkeeping included), and
 *   - `fullEs`: for the tasks that barely unroll (evalSteps ≤ FULL_ES_MAX_STEPS: rastrigin,
 *     mnist), where full-unroll ES is the estimator of interest, one full-ES update with rank
 *     shaping at N = 25 and N = 400 pairs (2N particles × evalSteps steps).
 *
 *   npm run bench:tasks                    # writes bench/results/tasks.json
 *   npm run bench:tasks -- --quick         # fewer repetitions (a smoke run)
 *   npm run bench:tasks -- --task mnist    # one task, merged into the existing tasks.json
 *
 * Each figure is the median over repetitions of (particles × steps) / seconds, after a
 * warm-up. The machine is whatever runs it; compare tasks with each other, or runs of the
 * same machine, not against GPU figures.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';
import type { TaskId } from '../src/core/config';
import type { Task } from '../src/core/task';

// The estimator registry imports tfjs' gradient registrations, whose ESM files need the
// CLI's resolve hook (see src/cli/tfjs-resolve-hooks.mjs); everything else is imported
// after it is registered.
register('../src/cli/tfjs-resolve-hooks.mjs', import.meta.url);
const tf: typeof TF = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-cpu');
const { estimatorInfo } = await import('../src/core/estimators/index');
const { createTask, TASK_IDS } = await import('../src/core/tasks/index');
const { defaultSettings } = await import('../src/core/trainer');

const quick = process.argv.includes('--quick');
const REPEATS = quick ? 2 : 5;
/** Least wall time of one repetition, so fast tasks are timed over many steps. */
const MIN_MS = quick ? 100 : 400;
const PARTICLES = [1, 32, 256];
/** Tasks with at most this many inner steps per episode also get full-ES figures. */
const FULL_ES_MAX_STEPS = 20;
const FULL_ES_PAIRS = [25, 400];
const only = process.argv.includes('--task') ? process.argv[process.argv.indexOf('--task') + 1] : undefined;

interface StepFigure {
  particles: number;
  stepsPerRepeat: number;
  msPerStep: number;
  particleStepsPerSecond: number;
}

interface TaskFigures {
  task: TaskId;
  dim: number;
  stateSize: number;
  step: StepFigure[];
  pes: { pairs: number; K: number; msPerUpdate: number; particleStepsPerSecond: number };
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

function benchPes(task: Task): TaskFigures['pes'] {
  const settings = defaultSettings(task);
  const est = estimatorInfo('pes').create({ task, settings });
  const theta = tf.tensor1d([...task.meta.theta0]);
  const sigma = task.meta.defaults.sigma;
  const update = (): number => {
    const t0 = performance.now();
    const { grad, excluded } = est.estimate(theta, sigma);
    grad.dataSync();
    grad.dispose();
    excluded?.dispose();
    return performance.now() - t0;
  };
  update(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) times.push(update());
  est.dispose();
  theta.dispose();
  const msPerUpdate = median(times);
  const particleSteps = 2 * settings.pairs * settings.K;
  return { pairs: settings.pairs, K: settings.K, msPerUpdate, particleStepsPerSecond: (1000 * particleSteps) / msPerUpdate };
}

/** One rank-shaped full-ES update of N pairs (2N particles × evalSteps steps), median time. */
function benchFullEs(task: Task, pairs: number): NonNullable<TaskFigures['fullEs']>[number] {
  const est = estimatorInfo('full-es').create({ task, settings: defaultSettings(task, { pairs, rankShaping: true }) });
  const theta = tf.tensor1d([...task.meta.theta0]);
  const update = (): number => {
    const t0 = performance.now();
    const { grad, excluded } = est.estimate(theta, task.meta.defaults.sigma);
    grad.dataSync();
    grad.dispose();
    excluded?.dispose();
    return performance.now() - t0;
  };
  update(); // warm-up
  // Large populations of slow tasks: fewer repetitions (each is seconds on the CPU backend).
  const times: number[] = [];
  for (let r = 0; r < (pairs > 100 ? Math.min(REPEATS, 2) : REPEATS); r++) times.push(update());
  est.dispose();
  theta.dispose();
  const msPerUpdate = median(times);
  const steps = task.meta.evalSteps;
  return { pairs, steps, msPerUpdate, particleStepsPerSecond: (1000 * 2 * pairs * steps) / msPerUpdate };
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  if (only !== undefined && !(TASK_IDS as readonly string[]).includes(only)) throw new Error(`--task: unknown task "${only}"; valid: ${TASK_IDS.join(', ')}`);
  const results: TaskFigures[] = [];
  for (const id of TASK_IDS) {
    if (only !== undefined && id !== only) continue;
    const task = createTask(id);
    const step = PARTICLES.map((P) => benchStep(task, P));
    const pes = benchPes(task);
    const fullEs = task.meta.evalSteps <= FULL_ES_MAX_STEPS ? FULL_ES_PAIRS.map((N) => benchFullEs(task, N)) : undefined;
    const fig: TaskFigures = { task: id, dim: task.meta.theta0.length, stateSize: task.stateSize, step, pes, ...(fullEs ? { fullEs } : {}) };
    results.push(fig);
    const rates = step.map((s) => `P=${s.particles}: ${Math.round(s.particleStepsPerSecond)}`).join(', ');
    const es = fullEs ? `; full-ES ${fullEs.map((f) => `N=${f.pairs}: ${f.msPerUpdate.toFixed(0)} ms`).join(', ')}` : '';
    process.stderr.write(`${id.padEnd(20)} step ${rates} particle-steps/s; PES N=${pes.pairs} K=${pes.K}: ${pes.msPerUpdate.toFixed(1)} ms/update${es}\n`);
  }
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'tasks.json');
  // One task (--task): replace its entry in the existing results, keep the others.
  const date = new Date().toISOString();
  let out: Record<string, unknown> = {
    backend: tf.getBackend(),
    node: process.version,
    quick,
    repeats: REPEATS,
    date,
    numTensorsAfter: tf.memory().numTensors,
    tasks: results,
  };
  if (only !== undefined && existsSync(file)) {
    // The other tasks keep their figures and the run they come from; `updated` says which one is newer.
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { tasks?: TaskFigures[]; updated?: unknown[] };
    const all = [...(previous.tasks ?? []).filter((t) => t.task !== only), ...results];
    const updated = [...(previous.updated ?? []).filter((u) => (u as { task?: string }).task !== only), { task: only, date, quick, numTensorsAfter: tf.memory().numTensors }];
    out = { ...previous, updated, tasks: TASK_IDS.flatMap((id) => all.filter((t) => t.task === id)) };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`wrote ${file}\n`);
}

void main();
