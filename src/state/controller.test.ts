import { describe, expect, it } from 'vitest';
import type { EngineConnection, EngineListener } from '../engine/client';
import type { EngineEvent, EngineRequest, FrameMessage } from '../engine/protocol';
import { createConfigStore, pendingReset } from './config-store';
import { FIRST_STAGE_BUDGET, MIN_SURFACE_GRID, PlaygroundController, REFINE_BUDGET, refinePlan, refinesOn, refineStagesWithin, surfaceBackendClass, surfaceGridFor } from './controller';
import { TASK_VIEWS } from '../content/task-views';
import type { TaskId } from '../core/config';
import { stepCostOf } from '../core/task';
import { landscapeTaskMeta, taskMeta } from './task-meta';
import { createSimStore } from './sim-store';

class FakeEngine implements EngineConnection {
  readonly sent: EngineRequest[] = [];
  private readonly listeners = new Set<EngineListener>();
  private jobs = 0;
  send(request: EngineRequest): void {
    this.sent.push(request);
  }
  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  nextJobId(): number {
    return ++this.jobs;
  }
  terminate(): void {}
  emit(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }
  last<T extends EngineRequest['type']>(type: T): Extract<EngineRequest, { type: T }> | undefined {
    return this.sent.filter((r): r is Extract<EngineRequest, { type: T }> => r.type === type).at(-1);
  }
  all<T extends EngineRequest['type']>(type: T): Extract<EngineRequest, { type: T }>[] {
    return this.sent.filter((r): r is Extract<EngineRequest, { type: T }> => r.type === type);
  }
}

function setup(options: { requestedBackend?: 'cpu' | 'webgl' | 'webgpu' } = {}) {
  const engine = new FakeEngine();
  const configStore = createConfigStore();
  const simStore = createSimStore();
  const timers: (() => void)[] = [];
  const controller = new PlaygroundController(engine, configStore, simStore, {
    ...options,
    setTimer: (fn) => {
      timers.push(fn);
      return timers.length as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimer: (t) => {
      timers[(t as unknown as number) - 1] = () => {};
    },
  });
  controller.start();
  const runTimers = () => timers.splice(0).forEach((fn) => fn());
  return { engine, configStore, simStore, controller, runTimers };
}

function frame(generation: number, iteration: number, sigma = 0.3): FrameMessage {
  return {
    generation,
    iteration,
    sigma,
    lr: 0.01,
    wallMs: iteration * 10,
    status: 'running',
    numTensors: 42,
    jobsRunning: 0,
    updatesPerSecond: 10,
    estimators: [{ id: 'pes', theta: [-4 + iteration * 0.01, -4], grad: [1, 0], evalLoss: 100 - iteration, innerSteps: iteration * 1000, particles: new Float32Array(4), particleCount: 100 }],
  };
}

/** Answers the raw surface job with a 4×4 grid. */
function answerRaw(engine: FakeEngine) {
  const job = engine.all('job').find((j) => j.spec.kind === 'surface' && j.spec.samples === 0)!;
  const x = [-5, -5 / 3, 5 / 3, 5];
  engine.emit({
    type: 'job-result',
    jobId: job.jobId,
    cancelled: false,
    result: { kind: 'surface', x, y: x, raw: Array.from({ length: 16 }, (_, i) => i + 1), smoothed: null, sigma: 0, samples: 0, seed: 1 },
  });
}

/** Answers a refinement job with a constant smoothed grid. */
function answerStage(engine: FakeEngine, jobId: number, sigma: number, samples: number, value: number) {
  engine.emit({ type: 'job-result', jobId, cancelled: false, result: { kind: 'surface', x: [], y: [], raw: [], smoothed: new Array(16).fill(value), sigma, samples, seed: 9 } });
}

describe('playground controller', () => {
  it('starts the engine with the config and asks for the raw landscape', () => {
    const { engine, configStore } = setup();
    const init = engine.last('init')!;
    expect(init.config).toEqual(configStore.getState().config);
    expect(init.generation).toBe(1);
    const job = engine.last('job')!;
    expect(job.spec).toMatchObject({ kind: 'surface', task: 'lr-schedule', samples: 0 });
  });

  it('keeps the Monte-Carlo refinement within the backend budget', () => {
    expect(refineStagesWithin([4, 12, 48], 160_000, 2 ** 22)).toEqual([4, 12]);
    expect(refineStagesWithin([4, 12, 48], 160_000, 2 ** 27)).toEqual([4, 12, 48]);
    // The first stage always runs, however expensive.
    expect(refineStagesWithin([4, 12], 1_152_000, 2 ** 22)).toEqual([4]);
  });

  it('shrinks the landscape grid and Monte-Carlo samples of a heavy task only', () => {
    for (const id of Object.keys(TASK_VIEWS) as TaskId[]) {
      const meta = landscapeTaskMeta(id);
      const grid = surfaceGridFor(TASK_VIEWS[id].grid, meta.theta0.length, meta.evalSteps, stepCostOf(meta));
      if (id === 'mnist') {
        // A point is 10 minibatches (the first 500 training digits), not the episode's 100:
        // 16² points × 10 steps × ~1,300 per step would be 3.3e6 toy steps; the budget allows 12².
        // (Over all 5,000 digits the grid fell to the minimum 8² and still took ~35 s on the CPU backend.)
        expect(meta.evalSteps).toBe(10);
        expect(meta.theta0).toEqual(taskMeta('mnist').theta0);
        expect(grid).toBe(12);
      } else {
        expect(grid, id).toBe(TASK_VIEWS[id].grid);
      }
    }
    // Never below the minimum grid (nor above the view's).
    expect(surfaceGridFor(40, 2, 1000, 1e6)).toBe(MIN_SURFACE_GRID);
    expect(surfaceGridFor(6, 2, 1000, 1e6)).toBe(6);
    expect(surfaceGridFor(40, 1, 500, 1)).toBe(40);
    expect(surfaceGridFor(40, 1, 500, 1e3)).toBe(MIN_SURFACE_GRID);
    // MNIST's refinement on software WebGPU (CPU-class budget): one ± pair of samples, not all six.
    const mnist = landscapeTaskMeta('mnist');
    const perSample = 12 * 12 * mnist.evalSteps;
    expect(refinePlan(TASK_VIEWS.mnist.refineStages, perSample, FIRST_STAGE_BUDGET.gpu, REFINE_BUDGET.cpu)).toEqual([2, 4]);
    expect(refinePlan(TASK_VIEWS.mnist.refineStages, perSample * stepCostOf(mnist), FIRST_STAGE_BUDGET.gpu, REFINE_BUDGET.cpu)).toEqual([2]);
    // …and on a CPU-class backend (CPU, software WebGPU) none at all: the blur stays; on a GPU it refines.
    expect(refinesOn(perSample * stepCostOf(mnist), stepCostOf(mnist), true)).toBe(false);
    expect(refinesOn(perSample * stepCostOf(mnist), stepCostOf(mnist), false)).toBe(true);
    // Toy tasks refine everywhere, however large a sample (Lorenz: 24² × 2000 steps).
    expect(refinesOn(24 * 24 * 2000, 1, true)).toBe(true);
  });

  it('cuts the first refinement stage to what lands within ~100 ms, keeping the total', () => {
    // lr-schedule on a GPU: 40×40 points × 100 steps = 1.6e5 steps per sample; 2^20 steps fit 6.
    expect(refinePlan([16, 48], 160_000, FIRST_STAGE_BUDGET.gpu, REFINE_BUDGET.gpu)).toEqual([6, 58]);
    // A stage that fits stays as it is.
    expect(refinePlan([4, 12], 10_000, FIRST_STAGE_BUDGET.gpu, REFINE_BUDGET.gpu)).toEqual([4, 12]);
    // CPU: one ± pair first, however small the budget; the total budget still applies.
    expect(refinePlan([16, 48], 160_000, FIRST_STAGE_BUDGET.cpu, REFINE_BUDGET.cpu)).toEqual([2, 14]);
    expect(refinePlan([16], 160_000, FIRST_STAGE_BUDGET.cpu, REFINE_BUDGET.cpu)).toEqual([2, 14]);
    expect(refinePlan([16, 4], 160_000, FIRST_STAGE_BUDGET.cpu, REFINE_BUDGET.cpu)).toEqual([2, 18]);
    // Samples come in antithetic pairs: every stage is even, an odd one rounds up.
    expect(refinePlan([5, 9], 10_000, FIRST_STAGE_BUDGET.gpu, REFINE_BUDGET.gpu)).toEqual([6, 10]);
  });

  it('shows a blurred surface at once, then refines it with Monte-Carlo stages without waiting', () => {
    const { engine, simStore } = setup();
    engine.emit({ type: 'ready', backend: { name: 'webgpu', label: 'WebGPU' } });
    answerRaw(engine);
    const s = simStore.getState().surface;
    expect(s.rawStatus).toBe('ready');
    expect(s.smoothed).toMatchObject({ source: 'blur', sigma: 0.3 });
    // No timer runs: the first stage is asked for at once, smoothed grid only.
    const stage0 = engine.last('job')!;
    expect(stage0.spec).toMatchObject({ kind: 'surface', sigma: 0.3, samples: 6, smoothedOnly: true });
    expect(simStore.getState().surface.refining).toBe(true);
    answerStage(engine, stage0.jobId, 0.3, 6, 2);
    expect(simStore.getState().surface.smoothed).toMatchObject({ source: 'monte-carlo', samples: 6, sigma: 0.3 });
    const stage1 = engine.last('job')!;
    expect(stage1.spec).toMatchObject({ samples: 58 });
    answerStage(engine, stage1.jobId, 0.3, 58, 6);
    // Running mean over 64 samples: (6·2 + 58·6)/64.
    expect(simStore.getState().surface.smoothed?.values[0]).toBeCloseTo((6 * 2 + 58 * 6) / 64, 12);
    expect(simStore.getState().surface.smoothed?.samples).toBe(64);
    // Both stages fit the GPU budget; the refinement is then finished.
    expect(simStore.getState().surface.refining).toBe(false);
  });

  it('changes σ live: new blur at once, stale refinement cancelled, no reset', () => {
    const { engine, configStore, simStore } = setup();
    answerRaw(engine);
    const refining = engine.last('job')!;
    const before = simStore.getState().surface.smoothed!.values;
    configStore.getState().patch({ sigma: { kind: 'constant', sigma0: 2 } });
    expect(engine.last('live')!.live.sigma).toEqual({ kind: 'constant', sigma0: 2 });
    expect(engine.all('cancel').map((c) => c.jobId)).toContain(refining.jobId);
    const after = simStore.getState().surface.smoothed!;
    expect(after).toMatchObject({ sigma: 2, source: 'blur' });
    expect(after.values).not.toEqual(before);
    expect(engine.all('reset')).toHaveLength(0);
    expect(pendingReset(configStore.getState())).toBe(false);
  });

  it('follows a σ drag: latest σ wins, one job in the engine at a time, stale answers dropped', () => {
    const { engine, configStore, simStore } = setup();
    engine.emit({ type: 'ready', backend: { name: 'webgpu', label: 'WebGPU (software)' } });
    answerRaw(engine);
    const first = engine.last('job')!;
    expect(first.spec).toMatchObject({ sigma: 0.3, samples: 6 });
    const surfaceJobs = () => engine.all('job').filter((j) => j.spec.kind === 'surface' && j.spec.samples > 0);
    // A drag: three σ values while the first job is still in the engine.
    for (const sigma0 of [0.5, 0.8, 1.2]) configStore.getState().patch({ sigma: { kind: 'constant', sigma0 } });
    expect(simStore.getState().surface.smoothed).toMatchObject({ sigma: 1.2, source: 'blur' });
    // The in-flight job is cancelled once; nothing queues behind it.
    expect(engine.all('cancel').map((c) => c.jobId)).toEqual([first.jobId]);
    expect(surfaceJobs()).toHaveLength(1);
    // The engine finished it before it saw the cancel: its σ = 0.3 answer is dropped...
    answerStage(engine, first.jobId, 0.3, 6, 99);
    expect(simStore.getState().surface.smoothed).toMatchObject({ sigma: 1.2, source: 'blur' });
    // ...and the latest σ's job goes at once (none for 0.5 or 0.8).
    expect(surfaceJobs()).toHaveLength(2);
    const latest = surfaceJobs().at(-1)!;
    expect(latest.spec).toMatchObject({ sigma: 1.2, samples: 6 });
    answerStage(engine, latest.jobId, 1.2, 6, 3);
    expect(simStore.getState().surface.smoothed).toMatchObject({ sigma: 1.2, source: 'monte-carlo', samples: 6 });
    // A late answer of an old job never overwrites the newer surface.
    answerStage(engine, first.jobId, 0.3, 6, 99);
    expect(simStore.getState().surface.smoothed?.values[0]).toBe(3);
  });

  it('with ?backend=webgpu on software WebGPU, a heavy task (MNIST) gets a notice offering measured paths; a light task, a real GPU or no ?backend= do not', () => {
    const offers = (simStore: ReturnType<typeof createSimStore>) => simStore.getState().notices.filter((n) => n.action?.kind === 'reopen-on-backend');
    const soft = setup({ requestedBackend: 'webgpu' });
    soft.engine.emit({ type: 'ready', backend: { name: 'webgpu', label: 'WebGPU (software)' } });
    expect(offers(soft.simStore)).toEqual([]);
    soft.configStore.getState().setTask('mnist');
    expect(soft.controller.reset()).toBe(true);
    expect(offers(soft.simStore)).toHaveLength(1);
    // backend null: reopen without ?backend=, where the engine measures every path.
    expect(offers(soft.simStore)[0]).toMatchObject({ kind: 'warning', action: { backend: null } });
    expect(offers(soft.simStore)[0]?.text).toMatch(/software WebGPU/);
    // A real GPU: no notice.
    const gpu = setup({ requestedBackend: 'webgpu' });
    gpu.engine.emit({ type: 'ready', backend: { name: 'webgpu', label: 'WebGPU' } });
    gpu.configStore.getState().setTask('mnist');
    gpu.controller.reset();
    expect(offers(gpu.simStore)).toEqual([]);
    // No ?backend=: the engine measured the paths; nothing to second-guess.
    const auto = setup();
    auto.engine.emit({ type: 'ready', backend: { name: 'webgpu', label: 'WebGPU (software)', available: ['webgpu', 'wasm', 'cpu'] } });
    auto.configStore.getState().setTask('mnist');
    auto.controller.reset();
    expect(offers(auto.simStore)).toEqual([]);
  });

  it('sends the latest σ when the superseded job answers with a cancel or an error', () => {
    const { engine, configStore } = setup();
    answerRaw(engine);
    const first = engine.last('job')!;
    configStore.getState().patch({ sigma: { kind: 'constant', sigma0: 0.9 } });
    engine.emit({ type: 'job-result', jobId: first.jobId, cancelled: true, result: { kind: 'surface', x: [], y: [], raw: [], smoothed: null, sigma: 0.3, samples: 6, seed: 1 } });
    const second = engine.last('job')!;
    expect(second.spec).toMatchObject({ sigma: 0.9 });
    configStore.getState().patch({ sigma: { kind: 'constant', sigma0: 1.5 } });
    engine.emit({ type: 'job-error', jobId: second.jobId, message: 'device lost' });
    expect(engine.last('job')!.spec).toMatchObject({ sigma: 1.5 });
  });

  it('waits for a σ schedule to settle before refining (the blur follows every frame)', () => {
    const { engine, configStore, simStore, runTimers } = setup();
    answerRaw(engine);
    answerStage(engine, engine.last('job')!.jobId, 0.3, 6, 2);
    answerStage(engine, engine.last('job')!.jobId, 0.3, 58, 2);
    const jobs = engine.all('job').length;
    configStore.getState().patch({ sigma: { kind: 'exponential', sigma0: 0.3, gamma: 0.5 } });
    // σ(0) is unchanged; frames move it.
    engine.emit({ type: 'frame', frame: frame(1, 1) });
    expect(simStore.getState().surface.smoothed).toMatchObject({ sigma: 0.15, source: 'blur' });
    expect(engine.all('job')).toHaveLength(jobs);
    runTimers();
    expect(engine.last('job')!.spec).toMatchObject({ sigma: 0.15 });
  });

  it('holds reset fields until reset, then rebuilds with a new generation', () => {
    const { engine, configStore, simStore, controller } = setup();
    engine.emit({ type: 'frame', frame: frame(1, 5) });
    expect(simStore.getState().iteration).toBe(5);
    configStore.getState().patch({ pairs: 7 });
    expect(engine.all('live')).toHaveLength(0);
    expect(pendingReset(configStore.getState())).toBe(true);
    expect(controller.reset()).toBe(true);
    const reset = engine.last('reset')!;
    expect(reset.config.pairs).toBe(7);
    expect(reset.generation).toBe(2);
    expect(pendingReset(configStore.getState())).toBe(false);
    expect(simStore.getState().iteration).toBe(0);
    // A late frame of the old session is dropped.
    engine.emit({ type: 'frame', frame: frame(1, 6) });
    expect(simStore.getState().iteration).toBe(0);
    engine.emit({ type: 'frame', frame: frame(2, 1) });
    expect(simStore.getState().curves.pes).toHaveLength(1);
  });

  it('refuses to apply an inconsistent config and says why', () => {
    const { engine, configStore, simStore, controller } = setup();
    configStore.getState().patch({ K: 30 });
    expect(controller.reset()).toBe(false);
    expect(engine.all('reset')).toHaveLength(0);
    expect(simStore.getState().notices[0]?.text).toMatch(/must divide T = 100/);
  });

  it('records curves, trails, σ history and diagnostics from events', () => {
    const { engine, simStore } = setup();
    for (let i = 1; i <= 3; i++) engine.emit({ type: 'frame', frame: frame(1, i) });
    engine.emit({ type: 'diagnostics', generation: 1, iteration: 3, reference: 'autodiff', rows: [{ id: 'pes', cosine: 0.9, normRatio: 1.1 }] });
    const s = simStore.getState();
    expect(s.curves.pes?.map((p) => p.loss)).toEqual([99, 98, 97]);
    expect(s.trails.pes).toHaveLength(3);
    expect(s.schedule).toHaveLength(3);
    expect(s.diagnostics.series.pes).toEqual([{ iteration: 3, cosine: 0.9, normRatio: 1.1 }]);
    expect(s.numTensors).toBe(42);
  });

  it('marks diverged estimators and tells the user', () => {
    const { engine, simStore } = setup();
    engine.emit({ type: 'frame', frame: frame(1, 1) });
    engine.emit({ type: 'diverged', generation: 1, iteration: 1, estimators: ['pes'] });
    expect(simStore.getState().estimators[0]?.diverged).toBe(true);
    expect(simStore.getState().notices[0]?.text).toMatch(/PES diverged/);
  });

  it('measures variance on the divisors of T with the ES estimators only', () => {
    const { engine, configStore, simStore, controller } = setup();
    configStore.getState().setTask('linear-quadratic');
    configStore.getState().patch({ estimators: ['pes', 'nres', 'tbptt'] });
    controller.reset();
    controller.measureVariance(32);
    const job = engine.last('job')!;
    expect(job.spec).toMatchObject({ kind: 'variance', task: 'linear-quadratic', estimators: ['pes', 'nres'], truncations: [1, 2, 5, 10, 20, 50, 100], repeats: 32 });
    expect(simStore.getState().variance.status).toBe('running');
    engine.emit({ type: 'job-progress', jobId: job.jobId, done: 7, total: 14 });
    expect(simStore.getState().variance.progress).toBe(0.5);
    controller.cancelVariance();
    expect(engine.last('cancel')!.jobId).toBe(job.jobId);
    expect(simStore.getState().variance.status).toBe('cancelled');
  });

  it('loads a preset as a fresh, paused experiment', () => {
    const { engine, configStore, controller } = setup();
    controller.loadPreset('nres-lorenz');
    const reset = engine.last('reset')!;
    expect(reset.config.task).toBe('lorenz');
    expect(reset.keepRunning).toBe(false);
    expect(configStore.getState().presetId).toBe('nres-lorenz');
    expect(engine.all('job').some((j) => j.spec.kind === 'surface' && j.spec.task === 'lorenz')).toBe(true);
  });

  it('draws a many-parameter task on a slice the user can change (random directions by default)', () => {
    const { engine, simStore, controller } = setup();
    controller.loadPreset('pes-rnn');
    const first = engine.all('job').find((j) => j.spec.kind === 'surface' && j.spec.task === 'rnn')!;
    expect(first.spec).toMatchObject({ kind: 'surface', task: 'rnn', samples: 0, slice: { kind: 'random', seed: 1 } });
    expect(simStore.getState().surface.slice).toEqual({ kind: 'random', seed: 1 });
    expect(controller.setLandscapeSlice({ kind: 'coordinates', dims: [3, 3] })).toMatch(/differ/);
    expect(controller.setLandscapeSlice({ kind: 'coordinates', dims: [0, 300] })).toBeNull();
    // The old job is cancelled, a new one asks for the chosen coordinates.
    expect(engine.last('cancel')!.jobId).toBe(first.jobId);
    const second = engine.all('job').at(-1)!;
    expect(second.spec).toMatchObject({ kind: 'surface', task: 'rnn', slice: { kind: 'coordinates', dims: [0, 300] } });
    expect(simStore.getState().surface).toMatchObject({ rawStatus: 'computing', slice: { kind: 'coordinates', dims: [0, 300] } });
  });

  it('reports a fatal engine error', () => {
    const { engine, simStore } = setup();
    engine.emit({ type: 'fatal', message: 'No tfjs backend could be initialised' });
    expect(simStore.getState().engine).toMatchObject({ phase: 'failed', fatal: 'No tfjs backend could be initialised' });
  });
});

describe('surfaceBackendClass', () => {
  const plan = (surfacePath: 'fused' | 'tfjs-wasm' | 'tfjs-webgpu') => ({ ops: 'wasm' as const, surfacePath, how: 'measured' as const, calibrationMs: 1, estimators: [], reference: null });
  it('budgets the landscape by where its jobs run, not by the device backend', () => {
    const gpu = { name: 'webgpu' as const, label: 'WebGPU' as const };
    const soft = { name: 'webgpu' as const, label: 'WebGPU (software)' as const };
    // A real GPU, but MNIST's surface runs on tfjs-wasm: CPU budgets.
    expect(surfaceBackendClass({ engine: { phase: 'ready', backend: gpu, fatal: null }, plan: plan('tfjs-wasm') })).toEqual({ cpu: true, cpuClass: true });
    // A real GPU, fused surface: GPU budgets.
    expect(surfaceBackendClass({ engine: { phase: 'ready', backend: gpu, fatal: null }, plan: plan('fused') })).toEqual({ cpu: false, cpuClass: false });
    // Software WebGPU, fused: CPU-class (SwiftShader), not the CPU backend.
    expect(surfaceBackendClass({ engine: { phase: 'ready', backend: soft, fatal: null }, plan: plan('fused') })).toEqual({ cpu: false, cpuClass: true });
    // Before the first plan: the device backend.
    expect(surfaceBackendClass({ engine: { phase: 'ready', backend: gpu, fatal: null }, plan: null })).toEqual({ cpu: false, cpuClass: false });
  });
});

