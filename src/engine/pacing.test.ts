import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { defaultPlaygroundConfig, LIMITS, type PlaygroundConfig } from '../core/playground-config';
import { createTask } from '../core/tasks/index';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { EngineHost, PACE_SLICE_MS } from './engine-host';
import type { EngineEvent, FrameMessage } from './protocol';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };

/**
 * Every size at its limit: one outer update is minutes of CPU work (7 × 10⁴ inner steps on 8192 particles).
 * On linear-quadratic: lr-schedule's horizon is fixed at T = 100 (its schedule is built for it).
 */
function maxConfig(): PlaygroundConfig {
  const d = defaultPlaygroundConfig('linear-quadratic');
  return {
    ...d,
    estimators: [...ESTIMATOR_IDS].slice(0, LIMITS.estimators.max),
    pairs: LIMITS.pairs.max,
    T: LIMITS.T.max,
    K: LIMITS.K.max,
    R: LIMITS.K.max,
    stop: { kind: 'iterations', value: LIMITS.iterations.max },
    view: { ...d.view, speed: LIMITS.speed.max },
  };
}

function smallConfig(): PlaygroundConfig {
  return { ...defaultPlaygroundConfig('lr-schedule'), estimators: ['tes'], pairs: 4 };
}

function harness() {
  const events: { at: number; event: EngineEvent }[] = [];
  const host = new EngineHost({
    post: (event) => events.push({ at: performance.now(), event }),
    selectBackend: async () => {
      await useCpuBackend();
      return cpu;
    },
  });
  const frames = (): FrameMessage[] => events.flatMap((e) => (e.event.type === 'frame' ? [e.event.frame] : []));
  const waitFor = async (pred: () => boolean, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-3).map((e) => e.event.type))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  /** Delivers a message the way a worker does: as a macrotask, run only when the engine hands the thread back. */
  const deliver = (request: Parameters<EngineHost['handle']>[0]): Promise<number> =>
    new Promise((resolve) => {
      const sent = performance.now();
      setTimeout(() => {
        host.handle(request);
        resolve(sent);
      }, 0);
    });
  return { host, events, frames, waitFor, deliver };
}

/** Tensors created since `id` (a fresh tensor's id counts every tensor ever made). */
function tensorsMadeSince(id: number): number {
  const probe = tf.scalar(0);
  const n = probe.id - id - 1;
  probe.dispose();
  return n;
}

function tensorId(): number {
  const probe = tf.scalar(0);
  const id = probe.id;
  probe.dispose();
  return id;
}

describe('engine pacing at the maximum settings', () => {
  beforeAll(useCpuBackend);

  it('a pause mid-update takes effect within 200 ms and holds the update', async () => {
    const { host, events, frames, waitFor, deliver } = harness();
    host.handle({ type: 'init', config: maxConfig(), generation: 1 });
    await waitFor(() => frames().length > 0, 120_000);
    host.handle({ type: 'play' });
    // Well inside the first update (which takes minutes on the CPU backend).
    await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'running'));
    await new Promise((r) => setTimeout(r, 400));
    expect(frames().every((f) => f.iteration === 0)).toBe(true);
    const sent = await deliver({ type: 'pause' });
    await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'paused'), 5_000);
    const paused = events.find((e) => e.event.type === 'status' && e.event.status === 'paused')!;
    const latency = paused.at - sent;
    console.log(`pause latency at max settings (CPU backend): ${latency.toFixed(1)} ms (slice ${PACE_SLICE_MS} ms)`);
    expect(latency).toBeLessThan(200);
    // Held: after at most one more slice, no tensor work happens while paused.
    await new Promise((r) => setTimeout(r, 2 * PACE_SLICE_MS + 50));
    const id = tensorId();
    await new Promise((r) => setTimeout(r, 300));
    expect(tensorsMadeSince(id)).toBe(0);
    // Play resumes the same update (work goes on), pause holds it again.
    await deliver({ type: 'play' });
    await new Promise((r) => setTimeout(r, 200));
    expect(tensorsMadeSince(id)).toBeGreaterThan(10);
    await deliver({ type: 'pause' });
    await waitFor(() => events.filter((e) => e.event.type === 'status' && e.event.status === 'paused').length >= 2, 5_000);
    host.dispose();
    await host.settled();
  }, 240_000);

  it('a reset abandons a max-settings update at once and leaks no tensors', async () => {
    await useCpuBackend();
    const before = tf.memory().numTensors;
    const { host, events, frames, waitFor, deliver } = harness();
    host.handle({ type: 'init', config: maxConfig(), generation: 1 });
    await waitFor(() => frames().length > 0, 120_000);
    host.handle({ type: 'play' });
    await new Promise((r) => setTimeout(r, 400));
    const sent = await deliver({ type: 'reset', config: smallConfig(), generation: 2, keepRunning: false });
    await waitFor(() => frames().some((f) => f.generation === 2), 10_000);
    const first = events.find((e) => e.event.type === 'frame' && e.event.frame.generation === 2)!;
    console.log(`reset at max settings → new session's first frame: ${(first.at - sent).toFixed(1)} ms`);
    expect(first.at - sent).toBeLessThan(2_000);
    // The abandoned update was not reported as a failure.
    expect(events.some((e) => e.event.type === 'error')).toBe(false);
    host.dispose();
    await host.settled();
    // Task constants are created once per task and shared; nothing else may remain.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 4);
  }, 240_000);
});

/**
 * Longest stretch the engine kept the thread, measured from inside: a timer chain that
 * re-arms itself at once can only fire when the engine hands the thread back, so the
 * longest gap between two firings is the longest slice — the worst a pause can wait.
 */
function lagProbe(): { stop: () => number } {
  let last = performance.now();
  let worst = 0;
  let on = true;
  const tick = (): void => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (on) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    stop: () => {
      on = false;
      return worst;
    },
  };
}

/**
 * The autodiff baselines at their largest: TBPTT with step-unlocked workers (N = 4096
 * trajectories, K = T = 10 000, and K = T = 100 so that the backward pass is reached),
 * BPTT on the task with the longest episode (Lorenz, 2000 steps). Their gradient was one
 * tf.grad call over the whole unroll — seconds to minutes at these sizes with no yield
 * inside, so a pause waited for it (at K = 10 000 it never came: the tape grew past 7 GB);
 * it is now a sliced forward and a backward pass by checkpointed segments
 * (checkpointed-grad.ts). Pauses land at several points of the update; with `untilIteration`
 * the run then goes on, under the lag probe, until that many whole updates are done.
 */
const AUTODIFF_MAX: { name: string; config: () => PlaygroundConfig; pauseAtMs: number[]; untilIteration: number }[] = [
  {
    name: 'tbptt, step-unlocked, N = 4096, K = T = 10 000',
    config: () => ({ ...maxConfig(), estimators: ['tbptt'], workers: 'unlocked' }),
    pauseAtMs: [400, 1200],
    untilIteration: 0,
  },
  {
    name: 'tbptt, step-unlocked, N = 4096, K = T = 100 (a whole update: forward and backward)',
    config: () => ({ ...maxConfig(), estimators: ['tbptt'], workers: 'unlocked', T: 100, K: 100, R: 100 }),
    pauseAtMs: [400],
    untilIteration: 1,
  },
  {
    name: 'bptt on lorenz (a 2000-step episode)',
    config: () => ({ ...maxConfig(), task: 'lorenz', estimators: ['bptt'] }),
    pauseAtMs: [400, 1500],
    untilIteration: 1,
  },
];

describe('engine pacing of the autodiff baselines at the maximum settings', () => {
  beforeAll(useCpuBackend);

  for (const { name, config, pauseAtMs, untilIteration } of AUTODIFF_MAX) {
    it(`${name}: the engine never keeps the thread 200 ms, every pause takes effect within 200 ms and holds the update`, async () => {
      const { host, events, frames, waitFor, deliver } = harness();
      let probe: { stop: () => number } | null = null;
      // A failed assertion must not leave this engine running into the next test (whose
      // quiet-while-paused check counts every tensor made).
      try {
        const pausedCount = (): number => events.filter((e) => e.event.type === 'status' && e.event.status === 'paused').length;
        host.handle({ type: 'init', config: config(), generation: 1 });
        await waitFor(() => frames().length > 0, 120_000);
        // Armed before play: the update starts in the same turn as play.
        probe = lagProbe();
        host.handle({ type: 'play' });
        await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'running'));
        const latencies: number[] = [];
        let ranMs = 0;
        for (const at of pauseAtMs) {
          await new Promise((r) => setTimeout(r, at - ranMs));
          ranMs = at;
          const before = pausedCount();
          const sent = await deliver({ type: 'pause' });
          await waitFor(() => pausedCount() > before, 10_000);
          const paused = events.filter((e) => e.event.type === 'status' && e.event.status === 'paused').at(-1)!;
          latencies.push(paused.at - sent);
          // Held: tensor work stops (at once mid-update; a pause that lands between updates
          // lets that frame's evaluation finish first).
          const quietBy = Date.now() + 10_000;
          let quiet = false;
          while (!quiet && Date.now() < quietBy) {
            const id = tensorId();
            await new Promise((r) => setTimeout(r, 300));
            quiet = tensorsMadeSince(id) === 0;
          }
          expect(quiet, `work went on while paused (pause ${latencies.length})`).toBe(true);
          await deliver({ type: 'play' });
        }
        if (untilIteration === 0) expect(frames().every((f) => f.iteration === 0), 'the pauses held the first update part-way').toBe(true);
        await waitFor(() => frames().some((f) => f.iteration >= untilIteration), 180_000);
        const worstMs = probe.stop();
        console.log(`${name} (CPU backend): pause latency ${latencies.map((v) => v.toFixed(1)).join(', ')} ms; longest slice ${worstMs.toFixed(1)} ms`);
        for (const ms of latencies) expect(ms).toBeLessThan(200);
        expect(worstMs).toBeLessThan(200);
        expect(events.some((e) => e.event.type === 'error')).toBe(false);
      } finally {
        probe?.stop();
        host.dispose();
        await host.settled();
      }
    }, 240_000);
  }
});

describe('engine pacing of a landscape job on the CPU backend', () => {
  beforeAll(useCpuBackend);

  it('a Lorenz landscape at the largest grid (128 points × 2000 steps a row) never keeps the thread 200 ms; a pause meanwhile takes effect within 200 ms', async () => {
    const { host, events, frames, waitFor, deliver } = harness();
    let probe: { stop: () => number } | null = null;
    try {
      const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lorenz'), estimators: ['tes'], pairs: 4 };
      host.handle({ type: 'init', config, generation: 1 });
      await waitFor(() => frames().length > 0, 120_000);
      host.handle({ type: 'play' });
      await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'running'));
      probe = lagProbe();
      host.handle({ type: 'job', jobId: 1, spec: { kind: 'surface', task: 'lorenz', grid: LIMITS.surfaceGrid.max, sigma: 0.1, samples: 0, seed: 1 } });
      // Well inside the first grid rows (each is 128 episodes of 2000 steps).
      await new Promise((r) => setTimeout(r, 1500));
      const sent = await deliver({ type: 'pause' });
      await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'paused'), 10_000);
      const paused = events.find((e) => e.event.type === 'status' && e.event.status === 'paused')!;
      await new Promise((r) => setTimeout(r, 1500));
      host.handle({ type: 'cancel', jobId: 1 });
      await waitFor(() => events.some((e) => e.event.type === 'job-result'), 60_000);
      const worstMs = probe.stop();
      const progress = events.filter((e) => e.event.type === 'job-progress').length;
      console.log(`lorenz landscape job (CPU backend): pause latency ${(paused.at - sent).toFixed(1)} ms; longest slice ${worstMs.toFixed(1)} ms; ${progress} progress events`);
      expect(paused.at - sent).toBeLessThan(200);
      expect(worstMs).toBeLessThan(200);
      expect(events.some((e) => e.event.type === 'error' || e.event.type === 'job-error')).toBe(false);
    } finally {
      probe?.stop();
      host.dispose();
      await host.settled();
    }
  }, 240_000);
});

describe('engine pacing of a variance job on the CPU backend', () => {
  beforeAll(useCpuBackend);

  it('a Lorenz variance sweep (its full-ES reference and each estimate unroll 2000 steps) never keeps the thread 200 ms', async () => {
    const { host, events, frames, waitFor } = harness();
    let probe: { stop: () => number } | null = null;
    try {
      const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lorenz'), estimators: ['tes'], pairs: 4 };
      host.handle({ type: 'init', config, generation: 1 });
      await waitFor(() => frames().length > 0, 120_000);
      host.handle({ type: 'play' });
      await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'running'));
      probe = lagProbe();
      const theta = [...createTask('lorenz').meta.theta0];
      host.handle({
        type: 'job',
        jobId: 1,
        spec: { kind: 'variance', task: 'lorenz', theta, estimators: ['pes'], truncations: [1, 20], pairs: 10, sigma: 0.04, repeats: 4, protocol: 'update', seed: 1, gpesPeriodInTruncations: 1 },
      });
      await waitFor(() => events.some((e) => e.event.type === 'job-result' || e.event.type === 'job-error'), 180_000);
      const worstMs = probe.stop();
      console.log(`lorenz variance job (CPU backend): longest slice ${worstMs.toFixed(1)} ms`);
      expect(events.some((e) => e.event.type === 'job-error' || e.event.type === 'error')).toBe(false);
      expect(worstMs).toBeLessThan(200);
    } finally {
      probe?.stop();
      host.dispose();
      await host.settled();
    }
  }, 240_000);
});

describe('engine pacing at ordinary settings', () => {
  beforeAll(useCpuBackend);

  it('a pause during a short update finishes it: the frame after the pause is where the run stopped, and a step adds one', async () => {
    const { host, events, frames, waitFor, deliver } = harness();
    // Updates of tens of ms on the CPU backend, so the pause lands inside one (several yields each).
    const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lr-schedule'), pairs: 512, view: { ...defaultPlaygroundConfig('lr-schedule').view, speed: 20 } };
    host.handle({ type: 'init', config, generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'play' });
    await waitFor(() => frames().some((f) => f.iteration >= 3));
    await deliver({ type: 'pause' });
    // Before the hold threshold, an update in progress was held with no frame until the next
    // step, so under load the page showed a stale iteration and a step jumped by many (the
    // e2e 'moving σ' test caught it at load 14; here, unloaded, frames are frequent enough
    // that the old code passes too — this pins the behaviour, it does not reproduce the race).
    await waitFor(() => events.some((e) => e.event.type === 'status' && e.event.status === 'paused'), 5_000);
    await new Promise((r) => setTimeout(r, 500));
    const stopped = frames().at(-1)!;
    await deliver({ type: 'step', count: 1 });
    await waitFor(() => frames().at(-1)!.iteration !== stopped.iteration, 10_000);
    expect(frames().at(-1)!.iteration).toBe(stopped.iteration + 1);
    expect(events.some((e) => e.event.type === 'error')).toBe(false);
    host.dispose();
    await host.settled();
  }, 60_000);
});
