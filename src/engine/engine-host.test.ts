import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { chunkSeed, diagnosticsDue, EngineHost, frameIntervalMs, sampleChunks, stopReached, surfaceChunkSamples } from './engine-host';
import { metaLossSurface } from '../core/experiments/surface';
import { createTask } from '../core/tasks/index';
import type { EngineEvent, FrameMessage } from './protocol';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };

function smallConfig(overrides: Partial<PlaygroundConfig> = {}): PlaygroundConfig {
  return { ...defaultPlaygroundConfig('rastrigin'), estimators: ['full-es', 'bptt'], pairs: 8, ...overrides };
}

function harness(reported: BackendInfo = cpu) {
  const events: EngineEvent[] = [];
  const host = new EngineHost({
    post: (e) => events.push(e),
    // Always the tfjs CPU backend underneath; `reported` picks the engine's code path.
    selectBackend: async () => {
      await useCpuBackend();
      return reported;
    },
  });
  const frames = (): FrameMessage[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  const waitFor = async (pred: () => boolean, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-3).map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { host, events, frames, waitFor };
}

describe('engine host', () => {
  beforeAll(useCpuBackend);

  it('selects a backend, builds the session and posts the first frame', async () => {
    const { host, events, frames, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig(), generation: 1 });
    await waitFor(() => frames().length > 0);
    expect(events[0]).toEqual({ type: 'ready', backend: cpu });
    const f = frames()[0]!;
    expect(f.generation).toBe(1);
    expect(f.iteration).toBe(0);
    expect(f.estimators.map((e) => e.id)).toEqual(['full-es', 'bptt']);
    // ES particles are sent (2N = 16), autodiff has none.
    expect(f.estimators[0]!.particleCount).toBe(16);
    expect(f.estimators[0]!.particles.length).toBe(32);
    expect(f.estimators[1]!.particles.length).toBe(0);
    host.dispose();
  });

  it('single-steps while paused and runs to the stop condition', async () => {
    const { host, events, frames, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig({ stop: { kind: 'iterations', value: 30 } }), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'step', count: 1 });
    await waitFor(() => frames().some((f) => f.iteration === 1));
    host.handle({ type: 'play' });
    await waitFor(() => events.some((e) => e.type === 'status' && e.status === 'done'));
    await host.settled();
    await waitFor(() => frames().at(-1)?.iteration === 30);
    expect(frames().at(-1)!.iteration).toBe(30);
    // Playing again does not pass the stop condition.
    host.handle({ type: 'play' });
    await host.settled();
    expect(frames().at(-1)!.iteration).toBe(30);
    // Raising it (a live setting) lets the run continue.
    host.handle({ type: 'live', live: { sigma: { kind: 'constant', sigma0: 0.5 }, lr: 0.05, stop: { kind: 'iterations', value: 35 }, speed: 5 } });
    host.handle({ type: 'play' });
    await waitFor(() => frames().at(-1)?.iteration === 35);
    expect(frames().at(-1)!.sigma).toBe(0.5);
    host.dispose();
  });

  it('resets to a new generation and keeps the tensor count flat', async () => {
    const { host, frames, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig({ stop: { kind: 'iterations', value: 200 }, view: { ...smallConfig().view, speed: 50 } }), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'play' });
    await waitFor(() => (frames().at(-1)?.iteration ?? 0) >= 20);
    const early = frames().find((f) => f.iteration >= 20)!.numTensors;
    await waitFor(() => frames().at(-1)?.iteration === 200);
    expect(frames().at(-1)!.numTensors).toBe(early);
    host.handle({ type: 'reset', config: smallConfig({ seed: 7 }), generation: 2, keepRunning: false });
    await waitFor(() => frames().at(-1)?.generation === 2);
    expect(frames().at(-1)!.iteration).toBe(0);
    host.dispose();
  });

  it('computes a raw surface and a cancellable Monte-Carlo surface as jobs', async () => {
    const { host, events, frames, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig(), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'job', jobId: 1, spec: { kind: 'surface', task: 'rastrigin', grid: 16, sigma: 0.5, samples: 0, seed: 1 } });
    await waitFor(() => events.some((e) => e.type === 'job-result' && e.jobId === 1));
    const raw = events.find((e) => e.type === 'job-result' && e.jobId === 1);
    expect(raw?.type === 'job-result' && raw.result.kind === 'surface' && raw.result.raw.length).toBe(256);
    host.handle({ type: 'job', jobId: 2, spec: { kind: 'surface', task: 'rastrigin', grid: 16, sigma: 0.5, samples: 8, seed: 1 } });
    host.handle({ type: 'cancel', jobId: 2 });
    await waitFor(() => events.some((e) => e.type === 'job-result' && e.jobId === 2));
    const cancelled = events.find((e) => e.type === 'job-result' && e.jobId === 2);
    expect(cancelled?.type === 'job-result' && cancelled.cancelled).toBe(true);
    expect(host.jobsRunning).toBe(0);
    host.dispose();
  });

  it.each([
    ['row slices (CPU path)', cpu],
    ['whole-grid batches (GPU path)', { name: 'webgpu', label: 'WebGPU' } as BackendInfo],
  ])('%s reproduce metaLossSurface on the whole grid (same common random numbers)', async (_, backend) => {
    const { host, events, frames, waitFor } = harness(backend);
    host.handle({ type: 'init', config: smallConfig(), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'job', jobId: 9, spec: { kind: 'surface', task: 'lr-schedule', grid: 6, sigma: 0.3, samples: 3, seed: 11 } });
    await waitFor(() => events.some((e) => e.type === 'job-result' && e.jobId === 9), 60_000);
    const r = events.find((e) => e.type === 'job-result' && e.jobId === 9);
    if (r?.type !== 'job-result' || r.result.kind !== 'surface') throw new Error('no surface');
    const whole = await metaLossSurface({ task: createTask('lr-schedule'), grid: 6, sigma: 0.3, samples: 3, seed: 11 });
    expect(r.result.x).toEqual(whole.x);
    expect(r.result.y).toEqual(whole.y);
    r.result.raw.forEach((v, i) => expect(v).toBeCloseTo(whole.raw[i]!, 3));
    r.result.smoothed!.forEach((v, i) => expect(v).toBeCloseTo(whole.smoothed![i]!, 3));
    host.dispose();
  });

  it('measures variance against J with the exact reference on linear-quadratic', async () => {
    const { host, events, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig(), generation: 1 });
    host.handle({
      type: 'job',
      jobId: 3,
      spec: {
        kind: 'variance',
        task: 'linear-quadratic',
        theta: [-2, 2],
        estimators: ['pes', 'nres'],
        truncations: [1, 10],
        pairs: 4,
        sigma: 0.1,
        repeats: 8,
        protocol: 'update',
        seed: 1,
        gpesPeriodInTruncations: 1,
      },
    });
    await waitFor(() => events.some((e) => e.type === 'job-result' && e.jobId === 3), 60_000);
    const r = events.find((e) => e.type === 'job-result' && e.jobId === 3);
    if (r?.type !== 'job-result' || r.result.kind !== 'variance') throw new Error('no variance result');
    expect(r.result.referenceKind).toBe('exact');
    expect(r.result.rows).toHaveLength(4);
    expect(events.some((e) => e.type === 'job-progress' && e.jobId === 3)).toBe(true);
    host.dispose();
  });

  it('pauses and reports estimators whose loss becomes NaN', async () => {
    const { host, events, frames, waitFor } = harness();
    // A learning rate this large on Rastrigin with SGD sends θ to infinity within a few updates.
    host.handle({ type: 'init', config: smallConfig({ estimators: ['bptt'], optimizer: 'sgd', lr: 10 }), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'play' });
    await waitFor(() => events.some((e) => e.type === 'diverged'), 30_000);
    const d = events.find((e) => e.type === 'diverged');
    expect(d?.type === 'diverged' && d.estimators).toEqual(['bptt']);
    await waitFor(() => events.some((e) => e.type === 'status' && e.status === 'paused'));
    host.dispose();
  });

  it('leaves no tensors behind after dispose', async () => {
    const before = tf.memory().numTensors;
    const { host, frames, waitFor } = harness();
    host.handle({ type: 'init', config: smallConfig(), generation: 1 });
    await waitFor(() => frames().length > 0);
    host.dispose();
    await host.settled();
    // Task constants are created once per task and shared; nothing else may remain.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
  });
});

describe('engine cadence rules', () => {
  it('frames at most ~12 Hz and at most a quarter of the time', () => {
    expect(frameIntervalMs(1)).toBe(80);
    expect(frameIntervalMs(400)).toBe(1200);
  });

  it('diagnostics every 20 updates, throttled by their cost', () => {
    expect(diagnosticsDue(19, 0, 1e9, 0)).toBe(false);
    expect(diagnosticsDue(20, 0, 1e9, 0)).toBe(true);
    expect(diagnosticsDue(40, 20, 100, 50)).toBe(false);
    expect(diagnosticsDue(40, 20, 150, 50)).toBe(true);
    // Slow updates (MNIST's full ES on the CPU backend): after 5 s of stepping and ≥ 2 updates.
    expect(diagnosticsDue(3, 0, 1e9, 0, 6000)).toBe(true);
    expect(diagnosticsDue(3, 0, 1e9, 0, 4000)).toBe(false);
    expect(diagnosticsDue(1, 0, 1e9, 0, 6000)).toBe(false);
    expect(diagnosticsDue(3, 0, 100, 50, 6000)).toBe(false);
  });

  it('stop conditions', () => {
    const live = { sigma: { kind: 'constant' as const, sigma0: 1 }, lr: 1, speed: 1 };
    expect(stopReached({ ...live, stop: { kind: 'iterations', value: 10 } }, 9, null)).toBeNull();
    expect(stopReached({ ...live, stop: { kind: 'iterations', value: 10 } }, 10, null)).toMatch(/10 iterations/);
    expect(stopReached({ ...live, stop: { kind: 'loss', value: 0.5 } }, 10, [1, Number.NaN])).toBeNull();
    expect(stopReached({ ...live, stop: { kind: 'loss', value: 0.5 } }, 10, [1, 0.4])).toMatch(/≤ 0.5/);
    expect(stopReached({ ...live, stop: { kind: 'none' } }, 1e9, [0])).toBeNull();
  });

  it('surface calls are sliced to a budget', () => {
    expect(surfaceChunkSamples(40, 100)).toBe(31);
    expect(surfaceChunkSamples(24, 2000)).toBe(1);
    expect(sampleChunks(0, 8)).toEqual([]);
    expect(sampleChunks(20, 8)).toEqual([8, 8, 4]);
    expect(chunkSeed(5, 0)).toBe(5);
    expect(chunkSeed(5, 1)).not.toBe(chunkSeed(5, 2));
  });
});
