/**
 * Compute-path selection: measuring a piece (warm-up, timed window, extrapolation), the
 * choice of the ops backend and of fused vs ops per estimator, the bound on how long a
 * slow candidate is run, the cache, and a session split across groups stepping exactly
 * like one (common random numbers).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId } from '../core/config';
import { defaultPlaygroundConfig, sessionConfigOf } from '../core/playground-config';
import { Session, type SessionConfig } from '../core/session';
import type { Slices } from '../core/slices';
import { drain } from '../core/slices';
import { useCpuBackend, useWasmBackend } from '../core/testing/setup';
import type { BackendName } from '../platform/backend-info';
import { calibrate, type CalibrationIO, choosePlan, fixedPlan, hopelessBackends, measurePiece, type PathId, type Piece, PlanCache, planKey, type TimedRun } from './compute-paths';
import { MixedSession } from './mixed-session';
import { PathSelector } from './path-selector';

beforeAll(useCpuBackend);

/** A fake clock and a piece whose every slice costs `msPerSlice` (the first update pays `warmUpMs` once), `slices` per update. */
function fakeWork(clock: { t: number }, msPerSlice: number, slices: number, warmUpMs = 0) {
  let updates = 0;
  return {
    *update(): Slices<void> {
      if (updates++ === 0) clock.t += warmUpMs;
      for (let i = 0; i < slices; i++) {
        clock.t += msPerSlice;
        if (i + 1 < slices) yield;
      }
    },
    dispose() {},
  };
}

function fakeIO(clock: { t: number }): CalibrationIO & { settles: number; active: BackendName | null } {
  const io = {
    settles: 0,
    active: null as BackendName | null,
    now: () => clock.t,
    settle: async () => {
      io.settles++;
    },
    useBackend: async (b: BackendName) => {
      io.active = b;
    },
  };
  return io;
}

describe('measurePiece', () => {
  it('times the second update (the first pays one-time costs) and fences at least every ~10 ms of work', async () => {
    const clock = { t: 0 };
    const io = fakeIO(clock);
    const run = await measurePiece(fakeWork(clock, 2, 20, 100), 'tfjs-wasm', io, { warmUpMs: 1000, windowMs: 150 });
    expect(run).toMatchObject({ complete: true, slices: 20, slicesPerUpdate: 20 });
    expect(run.ms).toBe(40);
    // 20 slices of 2 ms, fenced once ~10 ms of work has queued and at the end of each update.
    expect(io.settles).toBeGreaterThanOrEqual(2 * 4);
  });

  it('cuts a warm-up over budget: the path is not used', async () => {
    const clock = { t: 0 };
    const run = await measurePiece(fakeWork(clock, 50, 100), 'tfjs-webgpu', fakeIO(clock), { warmUpMs: 300, windowMs: 150 });
    expect(run.complete).toBe(false);
    expect(run.slicesPerUpdate).toBeNull();
    expect(run.note).toMatch(/first update not done after/);
    // Stopped right after the slice that crossed the budget: 7 × 50 ms, not the 5 s of the whole update.
    expect(clock.t).toBeLessThanOrEqual(350);
  });

  it('a timed update cut at the window keeps its slice rate (a slow first update is not the measurement)', async () => {
    const clock = { t: 0 };
    // The first update pays 500 ms of compilation: it must not count.
    const long = await measurePiece(fakeWork(clock, 10, 30, 500), 'tfjs-wasm', fakeIO(clock), { warmUpMs: 1000, windowMs: 150 });
    expect(long).toMatchObject({ complete: false, slicesPerUpdate: 30 });
    expect(long.ms / long.slices).toBeCloseTo(10, 6);
    // The first update 100 × 1 ms, later ones 100 × 3 ms: the timed one is cut near 150 ms.
    const c2 = { t: 0 };
    let updates = 0;
    const slower = {
      *update(): Slices<void> {
        const ms = updates++ === 0 ? 1 : 3;
        for (let i = 0; i < 100; i++) {
          c2.t += ms;
          if (i < 99) yield;
        }
      },
      dispose() {},
    };
    const cut = await measurePiece(slower, 'tfjs-wasm', fakeIO(c2), { warmUpMs: 1000, windowMs: 150 });
    expect(cut).toMatchObject({ complete: false, slicesPerUpdate: 100 });
    expect(cut.ms / cut.slices).toBeCloseTo(3, 6);
    expect(cut.ms).toBeLessThan(160);
  });
});

function run(complete: boolean, ms: number, slices: number, slicesPerUpdate: number | null): TimedRun {
  return { complete, ms, slices, slicesPerUpdate };
}

describe('choosePlan', () => {
  const config = sessionConfigOf({ ...defaultPlaygroundConfig('lr-schedule'), estimators: ['pes', 'tbptt'] });

  it('puts the fused estimator on the kernels and the rest on the backend with the least total time', () => {
    const runs = new Map<Piece, Map<PathId, TimedRun>>([
      ['pes', new Map<PathId, TimedRun>([['fused', run(true, 1, 1, null)], ['tfjs-wasm', run(true, 5, 10, 10)], ['tfjs-webgpu', run(false, 200, 3, null)]])],
      // TBPTT: wasm finished; webgpu cut after 3 of its slices at 40 ms each → 10 × 40 = 400 ms extrapolated.
      ['tbptt', new Map<PathId, TimedRun>([['tfjs-wasm', run(true, 3, 10, 10)], ['tfjs-webgpu', run(false, 120, 3, null)]])],
    ]);
    const plan = choosePlan(config, ['webgpu', 'wasm'], runs, new Set<EstimatorId>(['pes']), ['pes', 'tbptt']);
    expect(plan.ops).toBe('wasm');
    expect(plan.estimators.map((e) => [e.piece, e.path, e.msPerUpdate])).toEqual([
      ['pes', 'fused', 1],
      ['tbptt', 'tfjs-wasm', 3],
    ]);
    const webgpu = plan.estimators[1]?.measured.find((m) => m.path === 'tfjs-webgpu');
    expect(webgpu?.msPerUpdate).toBeCloseTo(400, 6);
    expect(webgpu?.note).toMatch(/extrapolated/);
  });

  it('keeps an estimator on its fused kernel unless ops is more than 1.25× faster', () => {
    const runs = new Map<Piece, Map<PathId, TimedRun>>([['pes', new Map<PathId, TimedRun>([['fused', run(true, 4.9, 1, null)], ['tfjs-wasm', run(true, 4, 10, 10)]])]]);
    expect(choosePlan(config, ['wasm'], runs, new Set<EstimatorId>(['pes']), ['pes']).estimators[0]?.path).toBe('fused');
    runs.get('pes')?.set('fused', run(true, 5.1, 1, null));
    expect(choosePlan(config, ['wasm'], runs, new Set<EstimatorId>(['pes']), ['pes']).estimators[0]?.path).toBe('tfjs-wasm');
  });

  it('keeps an estimator on ops when ops is faster than its fused kernel, and weighs the reference by how often it runs', () => {
    const runs = new Map<Piece, Map<PathId, TimedRun>>([
      ['pes', new Map<PathId, TimedRun>([['fused', run(true, 9, 1, null)], ['tfjs-cpu', run(true, 4, 10, 10)], ['tfjs-wasm', run(true, 2, 10, 10)]])],
      ['tbptt', new Map<PathId, TimedRun>([['tfjs-cpu', run(true, 2, 10, 10)], ['tfjs-wasm', run(true, 3, 10, 10)]])],
      // The reference is 40 ms on cpu and 100 ms on wasm: 1/20 of that per update decides for cpu (2 + 2 + 4 + ... vs 2 + 3 + 5).
      ['reference', new Map<PathId, TimedRun>([['tfjs-cpu', run(true, 40, 5, 5)], ['tfjs-wasm', run(true, 100, 5, 5)]])],
    ]);
    const plan = choosePlan(config, ['wasm', 'cpu'], runs, new Set<EstimatorId>(['pes']), ['pes', 'tbptt', 'reference']);
    // wasm: 2 + 3 + 100/20 = 10; cpu: 4 + 2 + 40/20 = 8.
    expect(plan.ops).toBe('cpu');
    expect(plan.estimators.find((e) => e.piece === 'pes')?.path).toBe('tfjs-cpu');
    expect(plan.reference?.path).toBe('tfjs-cpu');
  });
});

describe('calibrate', () => {
  it('measures every candidate, cuts slow ones at 1.5× the best so far, and chooses the fastest', async () => {
    const config = sessionConfigOf({ ...defaultPlaygroundConfig('mlp-hpo'), estimators: ['pes', 'tbptt'] });
    const clock = { t: 0 };
    const io = fakeIO(clock);
    // ms per slice of each backend; 20 slices an update.
    const speed: Record<BackendName, number> = { wasm: 1, cpu: 3, webgpu: 500, webgl: 800 };
    const plan = await calibrate({
      config,
      backends: ['webgpu', 'webgl', 'wasm', 'cpu'],
      fusedAvailable: false,
      io,
      work: (_piece, path) => fakeWork(clock, speed[path.slice(5) as BackendName], 20),
      budget: { warmUpMs: 1500, windowMs: 150 },
    });
    expect(plan.ops).toBe('wasm');
    expect(plan.how).toBe('measured');
    expect(plan.estimators.every((e) => e.path === 'tfjs-wasm')).toBe(true);
    // mlp-hpo's reference (BPTT) runs op by op: measured too.
    expect(plan.reference?.path).toBe('tfjs-wasm');
    // Each GPU candidate stopped at the first slice past 1.5 × 20 ms (its 500/800 ms slice), not after 10–16 s of updates.
    expect(plan.calibrationMs).toBeLessThan(3 * 2 * 800 + 3 * 2 * 500 + 3 * 4 * 60 + 100);
    expect(plan.calibrationMs).toBeLessThan(10_000);
  });

  it('gives a fused estimator whose first update paid the shared shader compile a second chance once the group is warm', async () => {
    // linear-quadratic: every ES-family estimator has a fused kernel. The fused group's
    // pipelines compile once (2 s on a loaded SwiftShader), inside the first estimator's
    // warm-up: without a second look, that estimator would lose to tfjs although its
    // kernel is 10× faster.
    const config = sessionConfigOf({ ...defaultPlaygroundConfig('linear-quadratic'), estimators: ['pes', 'nres'] });
    const clock = { t: 0 };
    let compiled = false;
    const plan = await calibrate({
      config,
      backends: ['wasm', 'cpu'],
      fusedAvailable: true,
      fusedEstimators: ['pes', 'nres'],
      io: fakeIO(clock),
      work: (_piece, path) => {
        if (path !== 'fused') return fakeWork(clock, 1, 10);
        const compile = compiled ? 0 : 2000;
        compiled = true;
        return fakeWork(clock, 0.1, 10, compile);
      },
      budget: { warmUpMs: 1500, windowMs: 150 },
    });
    expect(plan.estimators.map((e) => [e.piece, e.path])).toEqual([
      ['pes', 'fused'],
      ['nres', 'fused'],
    ]);
  });
});

describe('hopelessBackends', () => {
  it('skips a GPU backend only when its probe is slower than the CPU-class best at both small ops and a GEMM', () => {
    const probes = new Map<BackendName, { dispatchMs: number; gemmMs: number }>([
      ['wasm', { dispatchMs: 3.4, gemmMs: 8.5 }],
      ['cpu', { dispatchMs: 7.3, gemmMs: 59.5 }],
      // Software WebGPU / WebGL as measured: hopeless at both.
      ['webgpu', { dispatchMs: 11, gemmMs: 111 }],
      ['webgl', { dispatchMs: 20.5, gemmMs: 24.5 }],
    ]);
    expect([...hopelessBackends(probes).keys()]).toEqual(['webgpu', 'webgl']);
    // A real GPU: slow to dispatch a small op, fast at a GEMM: measured.
    probes.set('webgpu', { dispatchMs: 20, gemmMs: 0.5 });
    expect([...hopelessBackends(probes).keys()]).toEqual(['webgl']);
    expect(hopelessBackends(probes).get('webgl')).toMatch(/probe was 6\.0× slower at small ops and 3× at a GEMM/);
    // Quick at small ops, 80× slower at a GEMM (software WebGPU as measured once): measured on a
    // light task, not on a GEMM-bound one (MNIST), where one slice would take seconds.
    probes.set('webgpu', { dispatchMs: 6, gemmMs: 680 });
    expect(hopelessBackends(probes).has('webgpu')).toBe(false);
    expect(hopelessBackends(probes, true).has('webgpu')).toBe(true);
  });
});

describe('plans without measuring, and the cache', () => {
  it('?backend= fixes the plan; the cache hands back a measured plan as cached', () => {
    const config = sessionConfigOf({ ...defaultPlaygroundConfig('lorenz'), estimators: ['pes', 'tbptt'] });
    const forced = fixedPlan(config, 'cpu', false, 'forced');
    expect(forced).toMatchObject({ ops: 'cpu', how: 'forced', fusedJobs: false });
    expect(forced.estimators.map((e) => e.path)).toEqual(['tfjs-cpu', 'tfjs-cpu']);
    const cache = new PlanCache();
    const key = planKey(config, ['wasm', 'cpu'], false);
    cache.set(key, { ...forced, how: 'measured', calibrationMs: 250 });
    expect(cache.get(key)).toMatchObject({ how: 'cached', calibrationMs: 0, ops: 'cpu' });
    // σ, the learning rate and θ₀ do not change the work; N does.
    expect(planKey({ ...config, lr: 0.5, theta0: [1, 2] }, ['wasm', 'cpu'], false)).toBe(key);
    expect(planKey({ ...config, settings: { ...config.settings, pairs: 99 } }, ['wasm', 'cpu'], false)).not.toBe(key);
  });
});

describe('PathSelector', () => {
  it('takes a plan kept from an earlier page load (without measuring) and keeps what it measures', async () => {
    // Both candidate backends registered (the measuring below really runs on them).
    await useWasmBackend();
    await useCpuBackend();
    const config = sessionConfigOf({ ...defaultPlaygroundConfig('rastrigin'), estimators: ['pes'] });
    const kept = new Map<string, ReturnType<typeof fixedPlan>>();
    const store = { get: async (k: string) => kept.get(k) ?? null, set: async (k: string, p: ReturnType<typeof fixedPlan>) => void kept.set(k, p) };
    const key = planKey(config, ['wasm', 'cpu'], false);
    kept.set(key, { ...fixedPlan(config, 'wasm', false, 'single'), how: 'measured', calibrationMs: 321 });
    const selector = new PathSelector({ name: 'wasm', label: 'WebAssembly', available: ['wasm', 'cpu'] }, { now: () => 0, schedule: (fn) => fn(), forced: false, store });
    const plan = await selector.planFor(config, () => false);
    expect(plan).toMatchObject({ ops: 'wasm', how: 'cached', calibrationMs: 0 });
    // A configuration not kept is measured, and kept.
    const other = { ...config, settings: { ...config.settings, pairs: 3 } };
    const measured = await selector.planFor(other, () => false);
    expect(measured.how).toBe('measured');
    expect(kept.has(planKey(other, ['wasm', 'cpu'], false))).toBe(true);
    await useCpuBackend();
  });
});

describe('MixedSession', () => {
  it('two groups step, evaluate and report exactly like one session (common random numbers kept)', async () => {
    const config: SessionConfig = sessionConfigOf({ ...defaultPlaygroundConfig('lr-schedule'), estimators: ['tes', 'pes', 'nres'], pairs: 6 });
    const one = new Session(config);
    const mixed = new MixedSession(config.estimators, [
      { estimators: ['pes'], session: new Session({ ...config, estimators: ['pes'] }) },
      { estimators: ['tes', 'nres'], session: new Session({ ...config, estimators: ['tes', 'nres'] }) },
    ]);
    for (let i = 0; i < 3; i++) {
      drain(one.stepSlices());
      drain(mixed.stepSlices());
    }
    const a = await one.frame();
    const b = await mixed.frame();
    expect(b.iteration).toBe(3);
    expect(b.estimators.map((e) => e.id)).toEqual(['tes', 'pes', 'nres']);
    expect(b.estimators.map((e) => e.theta)).toEqual(a.estimators.map((e) => e.theta));
    expect(b.estimators.map((e) => e.evalLoss)).toEqual(a.estimators.map((e) => e.evalLoss));
    expect(mixed.rewind(['nres', 'tes']).map((r) => r.id)).toEqual(['tes', 'nres']);
    one.dispose();
    mixed.dispose();
  });
});
