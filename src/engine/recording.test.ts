/**
 * Slow motion and the per-update record behind the curves and trails, on the simulated
 * clock and event loop (testing/virtual-loop.ts): counts of updates against virtual time,
 * never a stopwatch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { Session } from '../core/session';
import { sessionConfigOf } from '../core/playground-config';
import { createTask } from '../core/tasks/index';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { RecordingStride, recordingCapacity, slowMotionRate, SPEED_STEPS, speedLabel, speedStepIndex } from './cadence';
import { EngineHost } from './engine-host';
import type { EngineEvent, FrameMessage } from './protocol';
import { VirtualLoop } from './testing/virtual-loop';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };

function harness(config: PlaygroundConfig, maxTurns: number) {
  const loop = new VirtualLoop(maxTurns);
  loop.countSteps(createTask(config.task));
  loop.captureSetTimeout();
  const events: EngineEvent[] = [];
  const host = new EngineHost({
    post: (event) => events.push(event),
    now: loop.now,
    schedule: loop.schedule,
    selectBackend: async () => {
      await useCpuBackend();
      return cpu;
    },
  });
  const frames = (): FrameMessage[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  const close = async (): Promise<void> => {
    host.dispose();
    const { idle } = await loop.settle(1_000, true);
    if (idle) await host.settled();
    loop.dispose();
  };
  /** The init's first await (the backend) may settle outside the loop: let it, then run the loop. */
  const init = async (c: PlaygroundConfig): Promise<void> => {
    host.handle({ type: 'init', config: c, generation: 1 });
    for (let i = 0; i < 1000 && loop.pending === 0 && events.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    await loop.runUntil(() => frames().length > 0, `first frame ${loop.pending} ${JSON.stringify(events)}`);
  };
  return { loop, host, events, frames, init, close };
}

function small(speed: number, iterations = 1000): PlaygroundConfig {
  const d = defaultPlaygroundConfig('lr-schedule');
  return { ...d, estimators: ['tes', 'pes'], pairs: 4, stop: { kind: 'iterations', value: iterations }, view: { ...d.view, speed } };
}

describe('speed steps', () => {
  it('slow motion below 1 (speed × 100 updates/s), updates per tick from 1 up', () => {
    expect(slowMotionRate(0.02)).toBe(2);
    expect(slowMotionRate(0.2)).toBeCloseTo(20);
    expect(slowMotionRate(1)).toBeNull();
    expect(SPEED_STEPS[0]).toBe(0.02);
    expect(speedLabel(0.02)).toBe('2 upd/s');
    expect(speedLabel(5)).toBe('5×');
    // A link from before the steps (any integer 1–100) finds its nearest step.
    expect(SPEED_STEPS[speedStepIndex(37)]).toBe(50);
    expect(SPEED_STEPS[speedStepIndex(1)]).toBe(1);
    expect(SPEED_STEPS[speedStepIndex(0.05)]).toBe(0.05);
  });
});

describe('recording stride', () => {
  it('records every update while they fit; doubles once when a frame comes late, halves when frames find it nearly empty', () => {
    const r = new RecordingStride(4);
    let pending = 0;
    const recordedOf = (from: number, to: number): number[] => {
      const out: number[] = [];
      for (let it = from; it <= to; it++) {
        if (r.shouldRecord(it, pending)) {
          pending++;
          out.push(it);
        }
      }
      return out;
    };
    expect(recordedOf(1, 3)).toEqual([1, 2, 3]);
    r.frameTook(pending);
    pending = 0;
    // 10 updates before the next frame: 4 fit, then the stride doubles (once).
    expect(recordedOf(4, 13)).toEqual([4, 5, 6, 7]);
    expect(r.every).toBe(2);
    r.frameTook(pending);
    pending = 0;
    expect(recordedOf(14, 19)).toEqual([14, 16, 18]);
    r.frameTook(pending);
    pending = 0;
    // A frame that finds fewer than a quarter of the capacity recorded: back to every update.
    expect(recordedOf(21, 21)).toEqual([]);
    r.frameTook(pending);
    expect(r.every).toBe(1);
  });

  it('records nothing at capacity 0 (a task whose evaluation is too costly: its frames only)', () => {
    const r = new RecordingStride(0);
    expect([1, 2, 3].filter((it) => r.shouldRecord(it, 0))).toEqual([]);
  });

  it('sizes the capacity by the evaluation cost and θ size', () => {
    expect(recordingCapacity(100, 1, 1, 256)).toBe(81);
    expect(recordingCapacity(1, 1, 2, 256)).toBe(256);
    expect(recordingCapacity(2000, 1, 3, 256)).toBe(4);
    expect(recordingCapacity(500, 1, 1, 256)).toBe(16);
    // The fused kernels evaluate every row in a thread of its own.
    expect(recordingCapacity(500, 1, 1, 256, true)).toBe(256);
    expect(recordingCapacity(20, 50_000, 10_000, 48)).toBe(0);
    expect(recordingCapacity(100, 1, 1000, 48)).toBe(16);
  });
});

describe('engine: slow motion and a record of every update', () => {
  beforeAll(useCpuBackend);

  for (const [speed, perSecond] of [
    [0.02, 2],
    [0.05, 5],
  ] as const) {
    it(`speed ${speed} runs ${perSecond} updates per (virtual) second`, async () => {
      const h = harness(small(speed), 5_000);
      try {
        // One estimator: an update and its frame (~110 virtual ms) fit in 1/5 s.
        await h.init({ ...small(speed), estimators: ['tes'] });
        await h.loop.deliver(() => h.host.handle({ type: 'play' }));
        await h.loop.runFor(5_000);
        const iteration = h.frames().at(-1)?.iteration ?? 0;
        // One update at play, then one every 1/rate s: 5 s → 5·rate (+1, −1 for the last frame in flight).
        expect(iteration).toBeGreaterThanOrEqual(5 * perSecond - 1);
        expect(iteration).toBeLessThanOrEqual(5 * perSecond + 1);
        // Every update gets its own frame in slow motion (what the landscape animates).
        const its = h.frames().map((f) => f.iteration);
        expect(new Set(its).size).toBe(iteration + 1);
      } finally {
        await h.close();
      }
    }, 60_000);
  }

  it('at full speed the frames carry every update in between: θ and loss at each, as a step-by-step session has them', async () => {
    const config = small(20, 60);
    const h = harness(config, 5_000);
    try {
      await h.init(config);
      await h.loop.deliver(() => h.host.handle({ type: 'play' }));
      await h.loop.runUntil(() => h.frames().some((f) => f.iteration >= 60), 'iteration 60');
      const frames = h.frames();
      // Far fewer frames than updates, but a point at each update from the history.
      expect(frames.length).toBeLessThan(40);
      const points = new Map<number, { theta: number[]; loss: number }>();
      for (const f of frames) {
        for (const r of f.history ?? []) points.set(r.iteration, { theta: r.estimators[1]!.theta, loss: r.estimators[1]!.evalLoss });
        points.set(f.iteration, { theta: f.estimators[1]!.theta, loss: f.estimators[1]!.evalLoss });
      }
      expect([...points.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 61 }, (_, i) => i));
      // The same numbers as a session stepped alone, read at every update.
      const s = new Session(sessionConfigOf(config));
      try {
        for (let it = 1; it <= 60; it++) {
          s.step();
          if (it % 7 !== 0) continue;
          const f = await s.frame();
          const p = points.get(it)!;
          expect(p.theta[0]).toBeCloseTo(f.estimators[1]!.theta[0]!, 5);
          expect(p.loss).toBeCloseTo(f.estimators[1]!.evalLoss, 5);
        }
      } finally {
        s.dispose();
      }
    } finally {
      await h.close();
    }
  }, 60_000);
});
