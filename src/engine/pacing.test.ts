import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { defaultPlaygroundConfig, LIMITS, type PlaygroundConfig } from '../core/playground-config';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { EngineHost, PACE_SLICE_MS } from './engine-host';
import type { EngineEvent, FrameMessage } from './protocol';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };

/** Every size at its limit: one outer update is minutes of CPU work (7 × 10⁴ inner steps on 8192 particles). */
function maxConfig(): PlaygroundConfig {
  const d = defaultPlaygroundConfig('lr-schedule');
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
