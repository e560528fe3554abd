/**
 * Pacing of the engine, asserted as counts of work rather than with a stopwatch.
 *
 * The engine runs on a simulated clock and event loop (testing/virtual-loop.ts): time is
 * the work done (inner steps, weighted by their rows), and each hand-back of the thread is
 * a turn. What a pause or a reset waits for in the worker is the rest of the turn in hand,
 * so the properties behind "a pause takes effect within 200 ms" are:
 * - no turn does more than its budget of work (TURN_BUDGET: a slice of paced work and the
 *   step that crosses its end, twice), whatever N, T and K are;
 * - a pause is seen as soon as it is delivered (its status goes out in the same turn), and
 *   from the next turn on no inner step runs: the update is held where it is;
 * - a reset abandons the old session's update at once: every step after it is the new
 *   session's.
 * None of this reads a wall clock, so it holds on a busy machine as on an idle one. How long
 * a pause takes in milliseconds is measured, not gated, by the benchmark (`npm run bench`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { defaultPlaygroundConfig, LIMITS, type PlaygroundConfig } from '../core/playground-config';
import { createTask } from '../core/tasks/index';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { EngineHost, referencePairsFor } from './engine-host';
import type { EngineEvent, EngineRequest, FrameMessage } from './protocol';
import { stepMs, VirtualLoop } from './testing/virtual-loop';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };

/**
 * The pacer's slice, as documented (README: "a time-sliced pacer (10 ms slices)"): the
 * longest stretch of paced work between two looks at the message queue. Written out, not
 * imported, so that a larger PACE_SLICE_MS fails these tests.
 */
const SLICE_MS = 10;

/**
 * Most work one turn may do: a slice of the paced work in hand (an update, a frame, the
 * diagnostics, a job's call) plus the inner step that crosses the slice's end; a piece of
 * work that ends mid-slice may be followed in the same turn by the first slice of the next
 * (an update, then its frame), hence twice. `largestRows`: the biggest batch the scenario
 * steps (its most expensive single step).
 */
function turnBudgetMs(largestRows: number): number {
  return 2 * (SLICE_MS + stepMs(largestRows));
}

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

/** Rows of one ES step at the largest N (antithetic pairs). */
const MAX_ROWS = 2 * LIMITS.pairs.max;

/** A small run on the same task as maxConfig (one task's steps are counted). */
function smallConfig(): PlaygroundConfig {
  return { ...defaultPlaygroundConfig('linear-quadratic'), estimators: ['tes'], pairs: 4 };
}

/**
 * An engine on the virtual loop. `maxTurns`: several times what the test needs (the count is the same on every machine),
 * so an engine that never settles fails the test quickly instead of timing it out.
 */
function harness(task: PlaygroundConfig['task'], maxTurns: number) {
  const loop = new VirtualLoop(maxTurns);
  loop.countSteps(createTask(task));
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
  const statuses = (status: string): number => events.filter((e) => e.type === 'status' && e.status === status).length;
  const errors = (): string[] => events.flatMap((e) => (e.type === 'error' || e.type === 'job-error' ? [e.message] : []));
  const send = (request: EngineRequest) => loop.deliver(() => host.handle(request));
  /**
   * Delivers a pause and checks that it lands: 'paused' goes out in the turn that delivers
   * it, and no inner step runs after it (the engine goes idle: nothing is even scheduled).
   */
  const pauseAndExpectHeld = async (what: string): Promise<void> => {
    const before = statuses('paused');
    const delivered = await send({ type: 'pause' });
    expect(statuses('paused'), `${what}: 'paused' was not posted in the turn that delivered the pause`).toBe(before + 1);
    expect(delivered.steps, `${what}: the turn that delivered the pause ran ${delivered.steps} inner steps`).toBe(0);
    const after = await loop.settle(20);
    expect(after.steps, `${what}: ${after.steps} inner steps ran after the pause (it should hold the update at the next slice boundary)`).toBe(0);
    expect(after.idle, `${what}: the engine kept scheduling work while paused`).toBe(true);
  };
  const expectTurnsWithin = (budgetMs: number, what: string): void => {
    const over = loop.turns.filter((t) => t.workMs > budgetMs).length;
    expect(over, `${what}: ${over} turns did more than ${budgetMs} ms of work without handing the thread back (${loop.describeTurns()})`).toBe(0);
  };
  const close = async (): Promise<void> => {
    // Disposed, the engine abandons its work at the next slice: wind it down on the loop
    // (past the turn limit, after a failure), then wait for its queue unless it is stuck.
    host.dispose();
    const { idle } = await loop.settle(1_000, true);
    if (idle) await host.settled();
    loop.dispose();
  };
  return { loop, host, events, frames, statuses, errors, send, pauseAndExpectHeld, expectTurnsWithin, close };
}

describe('engine pacing at the maximum settings', () => {
  beforeAll(useCpuBackend);

  it('a pause mid-update lands at the next slice boundary and holds the update; play resumes it', async () => {
    const h = harness(maxConfig().task, 1_000);
    try {
      h.host.handle({ type: 'init', config: maxConfig(), generation: 1 });
      await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
      await h.send({ type: 'play' });
      // Well inside the first update (minutes of work), past the hold threshold (100 ms).
      await h.loop.runFor(300);
      expect(h.frames().every((f) => f.iteration === 0), 'the first update is still running').toBe(true);
      await h.pauseAndExpectHeld('first pause');
      // Held, not stalled: play goes on with the same update.
      const resumedAt = h.loop.steps;
      await h.send({ type: 'play' });
      await h.loop.runFor(100);
      expect(h.loop.steps - resumedAt, 'play resumed the held update').toBeGreaterThan(0);
      expect(h.frames().every((f) => f.iteration === 0), 'still the first update').toBe(true);
      await h.pauseAndExpectHeld('second pause');
      h.expectTurnsWithin(turnBudgetMs(MAX_ROWS), 'max settings');
      expect(h.errors()).toEqual([]);
      console.log(`max settings, pause mid-update: ${h.loop.describeTurns()}; both pauses held with 0 steps after them`);
    } finally {
      await h.close();
    }
  }, 240_000);

  it('a reset abandons a max-settings update at once and leaks no tensors', async () => {
    await useCpuBackend();
    const before = tf.memory().numTensors;
    const h = harness(maxConfig().task, 1_000);
    try {
      h.host.handle({ type: 'init', config: maxConfig(), generation: 1 });
      await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
      await h.send({ type: 'play' });
      await h.loop.runFor(300);
      const mark = h.loop.steps;
      const small = smallConfig();
      await h.send({ type: 'reset', config: small, generation: 2, keepRunning: false });
      // Every step after the reset is the new session's (≤ 2N rows): none of the old update's
      // 8192-row steps runs, and the new session's first frame needs nothing else.
      const oldSteps = (): number => h.loop.stepRows.slice(mark).filter((rows) => rows > 2 * small.pairs).length;
      await h.loop.runUntil(() => h.frames().some((f) => f.generation === 2) || oldSteps() > 0, "the new session's first frame");
      expect(oldSteps(), `${oldSteps()} of the old session's steps ran after the reset`).toBe(0);
      const after = h.loop.stepRows.slice(mark);
      const frameSteps = small.estimators.length * createTask(small.task).meta.evalSteps;
      expect(after.length, `the new session's first frame took ${after.length} inner steps (its evaluation is ${frameSteps})`).toBeLessThanOrEqual(frameSteps);
      h.expectTurnsWithin(turnBudgetMs(MAX_ROWS), 'max settings, reset');
      // The abandoned update was not reported as a failure.
      expect(h.errors()).toEqual([]);
      console.log(`reset at max settings → new session's first frame after ${after.length} inner steps, ${h.loop.describeTurns()}`);
    } finally {
      await h.close();
    }
    // Task constants are created once per task and shared; nothing else may remain.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 4);
  }, 240_000);
});

/**
 * The autodiff baselines at their largest: TBPTT with step-unlocked workers (N = 4096
 * trajectories, K = T = 10 000, and K = T = 100 so that the backward pass is reached),
 * BPTT on the task with the longest episode (Lorenz, 2000 steps). Their gradient was one
 * tf.grad call over the whole unroll — seconds to minutes at these sizes with no yield
 * inside, so a pause waited for it (at K = 10 000 it never came: the tape grew past 7 GB);
 * it is now a sliced forward and a backward pass by checkpointed segments
 * (checkpointed-grad.ts). Pauses land at several points of the update (virtual ms after
 * play); with `untilIteration` the run then goes on until that many whole updates are done.
 */
const AUTODIFF_MAX: { name: string; config: () => PlaygroundConfig; largestRows: number; pauseAtMs: number[]; untilIteration: number; maxTurns: number }[] = [
  {
    name: 'tbptt, step-unlocked, N = 4096, K = T = 10 000',
    config: () => ({ ...maxConfig(), estimators: ['tbptt'], workers: 'unlocked' }),
    largestRows: LIMITS.pairs.max,
    pauseAtMs: [400, 1200],
    untilIteration: 0,
    maxTurns: 1_000,
  },
  {
    name: 'tbptt, step-unlocked, N = 4096, K = T = 100 (a whole update: forward and backward)',
    config: () => ({ ...maxConfig(), estimators: ['tbptt'], workers: 'unlocked', T: 100, K: 100, R: 100 }),
    largestRows: LIMITS.pairs.max,
    pauseAtMs: [400],
    untilIteration: 1,
    maxTurns: 1_000,
  },
  {
    name: 'bptt on lorenz (a 2000-step episode)',
    config: () => ({ ...maxConfig(), task: 'lorenz', estimators: ['bptt'] }),
    largestRows: 1,
    pauseAtMs: [400, 1500],
    untilIteration: 1,
    maxTurns: 4_000,
  },
];

describe('engine pacing of the autodiff baselines at the maximum settings', () => {
  beforeAll(useCpuBackend);

  for (const { name, config, largestRows, pauseAtMs, untilIteration, maxTurns } of AUTODIFF_MAX) {
    it(`${name}: no turn exceeds its work budget, every pause lands at the next slice boundary and holds the update`, async () => {
      const h = harness(config().task, maxTurns);
      // A failed assertion must not leave this engine running into the next test.
      try {
        h.host.handle({ type: 'init', config: config(), generation: 1 });
        await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
        await h.send({ type: 'play' });
        let ranMs = 0;
        for (const [i, at] of pauseAtMs.entries()) {
          await h.loop.runFor(at - ranMs);
          ranMs = at;
          expect(h.frames().every((f) => f.iteration === 0), `pause ${i + 1} is inside the first update`).toBe(true);
          await h.pauseAndExpectHeld(`pause ${i + 1}`);
          await h.send({ type: 'play' });
        }
        await h.loop.runUntil(() => h.frames().some((f) => f.iteration >= untilIteration), `iteration ${untilIteration}`);
        h.expectTurnsWithin(turnBudgetMs(largestRows), name);
        expect(h.errors()).toEqual([]);
        console.log(`${name}: ${h.loop.describeTurns()}, ${h.loop.steps} inner steps; ${pauseAtMs.length} pauses held with 0 steps after them`);
      } finally {
        await h.close();
      }
    }, 240_000);
  }
});

describe('engine pacing of jobs on the CPU backend', () => {
  beforeAll(useCpuBackend);

  it('a Lorenz landscape at the largest grid (128 points × 2000 steps a row): no turn exceeds its work budget; a pause meanwhile lands at once', async () => {
    const h = harness('lorenz', 3_000);
    try {
      const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lorenz'), estimators: ['tes'], pairs: 4 };
      h.host.handle({ type: 'init', config, generation: 1 });
      await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
      await h.send({ type: 'play' });
      await h.send({ type: 'job', jobId: 1, spec: { kind: 'surface', task: 'lorenz', grid: LIMITS.surfaceGrid.max, sigma: 0.1, samples: 0, seed: 1 } });
      // Well inside the first grid rows (each is 128 episodes of 2000 steps).
      await h.loop.runFor(1500);
      const jobSteps = (): number => h.loop.stepRows.filter((rows) => rows === LIMITS.surfaceGrid.max).length;
      expect(jobSteps(), 'the landscape job is under way').toBeGreaterThan(0);
      const before = h.statuses('paused');
      const delivered = await h.send({ type: 'pause' });
      expect(h.statuses('paused'), "'paused' was posted in the turn that delivered the pause").toBe(before + 1);
      expect(delivered.steps).toBe(0);
      // The job goes on while paused (it gets the whole engine then); a cancel ends it.
      await h.loop.runFor(1500);
      await h.send({ type: 'cancel', jobId: 1 });
      await h.loop.runUntil(() => h.events.some((e) => e.type === 'job-result'), 'the cancelled job’s result');
      h.expectTurnsWithin(turnBudgetMs(LIMITS.surfaceGrid.max), 'lorenz landscape job');
      expect(h.errors()).toEqual([]);
      console.log(`lorenz landscape job: ${h.loop.describeTurns()}, ${jobSteps()} job steps`);
    } finally {
      await h.close();
    }
  }, 240_000);

  it('a Lorenz variance sweep (its full-ES reference and each estimate unroll 2000 steps): no turn exceeds its work budget', async () => {
    const h = harness('lorenz', 10_000);
    try {
      const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lorenz'), estimators: ['tes'], pairs: 4 };
      h.host.handle({ type: 'init', config, generation: 1 });
      await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
      await h.send({ type: 'play' });
      const task = createTask('lorenz');
      const theta = [...task.meta.theta0];
      await h.send({
        type: 'job',
        jobId: 1,
        spec: { kind: 'variance', task: 'lorenz', theta, estimators: ['pes'], truncations: [1, 20], pairs: 10, sigma: 0.04, repeats: 4, protocol: 'update', seed: 1, gpesPeriodInTruncations: 1 },
      });
      await h.loop.runUntil(() => h.events.some((e) => e.type === 'job-result' || e.type === 'job-error'), 'the variance result');
      expect(h.errors()).toEqual([]);
      // The biggest batch is the full-ES reference's antithetic pairs.
      const referenceRows = 2 * referencePairsFor(task.meta.evalSteps, 2 ** 18, 512, 4096);
      h.expectTurnsWithin(turnBudgetMs(referenceRows), 'lorenz variance job');
      console.log(`lorenz variance job: ${h.loop.describeTurns()}, ${h.loop.steps} inner steps`);
    } finally {
      await h.close();
    }
  }, 240_000);
});

describe('engine pacing at ordinary settings', () => {
  beforeAll(useCpuBackend);

  it('a pause during a short update finishes it: the frame after the pause is where the run stopped, and a step adds one', async () => {
    const h = harness('lr-schedule', 2_000);
    try {
      // Updates of 3 estimators × K = 10 steps on 1024 rows: several slices each, under the
      // 100 ms after which a pause holds an update part-way.
      const config: PlaygroundConfig = { ...defaultPlaygroundConfig('lr-schedule'), pairs: 512, view: { ...defaultPlaygroundConfig('lr-schedule').view, speed: 20 } };
      const stepsPerUpdate = config.estimators.length * config.K;
      h.host.handle({ type: 'init', config, generation: 1 });
      await h.loop.runUntil(() => h.frames().length > 0, 'first frame');
      await h.send({ type: 'play' });
      await h.loop.runUntil(() => h.frames().some((f) => f.iteration >= 3), 'iteration 3');
      // Into the next update: a few 1024-row steps since the last update began.
      await h.loop.runUntil(() => {
        const rows = h.loop.stepRows;
        let run = 0;
        while (run < rows.length && rows[rows.length - 1 - run] === 2 * config.pairs) run++;
        return run % stepsPerUpdate >= 5;
      }, 'mid-update');
      const mark = h.loop.steps;
      await h.send({ type: 'pause' });
      expect((await h.loop.settle(100)).idle, 'paused after the update in progress').toBe(true);
      // Before the hold threshold, an update in progress was held with no frame until the next
      // step, so under load the page showed a stale iteration and a step jumped by many.
      const finished = h.loop.stepRows.slice(mark).filter((rows) => rows === 2 * config.pairs).length;
      expect(finished, 'the pause let the update in progress finish (and nothing more)').toBeGreaterThan(0);
      expect(finished).toBeLessThan(stepsPerUpdate);
      expect(h.statuses('paused')).toBe(1);
      const stopped = h.frames().at(-1)!;
      await h.send({ type: 'step', count: 1 });
      expect((await h.loop.settle(100)).idle, 'paused after the step').toBe(true);
      expect(h.frames().at(-1)!.iteration).toBe(stopped.iteration + 1);
      h.expectTurnsWithin(turnBudgetMs(2 * config.pairs), 'ordinary settings');
      console.log(`ordinary settings: ${h.loop.describeTurns()}; the pause finished the update in progress with ${finished} more steps`);
      expect(h.errors()).toEqual([]);
    } finally {
      await h.close();
    }
  }, 60_000);
});
