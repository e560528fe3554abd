import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { EngineHost } from './engine-host';
import type { EngineEvent, FrameMessage, LiveSettings, SettingsChange } from './protocol';
import { liveSettingsOf } from './protocol';
import { checkedPlan, checkpointEvery, historyStoppedAt, recordChange, settingsAt } from './replay';

const cpu: BackendInfo = { name: 'cpu', label: 'CPU' };
const s = (sigma0: number) => ({ kind: 'constant' as const, sigma0 });

describe('replay rules', () => {
  const final = { sigma: s(0.1), lr: 0.001 };
  const history: SettingsChange[] = [
    { before: 10, sigma: s(0.3), lr: 0.01 },
    { before: 25, sigma: s(0.2), lr: 0.01 },
  ];

  it('settingsAt: the first change after the update, else the final settings', () => {
    expect(settingsAt(history, 0, final)).toBe(history[0]);
    expect(settingsAt(history, 9, final)).toBe(history[0]);
    expect(settingsAt(history, 10, final)).toBe(history[1]);
    expect(settingsAt(history, 24, final)).toBe(history[1]);
    expect(settingsAt(history, 25, final)).toBe(final);
    expect(settingsAt([], 0, final)).toBe(final);
  });

  it('recordChange keeps the values the earlier updates used, once per iteration', () => {
    const a = { sigma: s(0.3), lr: 0.01 };
    const b = { sigma: s(0.2), lr: 0.01 };
    const c = { sigma: s(0.2), lr: 0.005 };
    expect(recordChange([], 0, a, b)).toEqual([]); // nothing ran with `a` yet
    const one = recordChange([], 10, a, b);
    expect(one).toEqual([{ before: 10, ...a }]);
    expect(recordChange(one, 10, b, c)).toBe(one); // dragged while paused: `a` is still what ran before 10
    expect(recordChange(one, 12, b, { sigma: s(0.2), lr: 0.01 })).toBe(one); // no change
    expect(recordChange(one, 12, b, c)).toEqual([{ before: 10, ...a }, { before: 12, ...b }]);
  });

  it('historyStoppedAt: a replay cancelled part-way keeps what ran and records the switch', () => {
    const next = { sigma: s(0.5), lr: 0.001 };
    expect(historyStoppedAt(history, 30, final, final)).toEqual(history);
    expect(historyStoppedAt(history, 30, final, next)).toEqual([...history, { before: 30, ...final }]);
    expect(historyStoppedAt(history, 17, final, next)).toEqual([history[0], { before: 17, sigma: s(0.2), lr: 0.01 }]);
    expect(historyStoppedAt(history, 10, final, next)).toEqual([history[0]]);
    expect(historyStoppedAt(history, 0, final, next)).toEqual([]);
  });

  it('checkedPlan bounds the iteration and keeps only an ordered history within it', () => {
    expect(checkedPlan(undefined, 100)).toBeNull();
    expect(checkedPlan({ iteration: 0, history: [] }, 100)).toBeNull();
    expect(checkedPlan({ iteration: Number.NaN, history: [] }, 100)).toBeNull();
    expect(checkedPlan({ iteration: 5e9, history: [] }, 100)).toEqual({ iteration: 100, history: [] });
    expect(checkedPlan({ iteration: 20, history }, 100)).toEqual({ iteration: 20, history: [history[0]] });
    expect(checkpointEvery(1000)).toBe(20);
    expect(checkpointEvery(7)).toBe(1);
  });
});

function harness() {
  const events: EngineEvent[] = [];
  const host = new EngineHost({
    post: (e) => events.push(e),
    selectBackend: async () => {
      await useCpuBackend();
      return cpu;
    },
  });
  const frames = (): FrameMessage[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  const waitFor = async (pred: () => boolean, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-3).map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const at = (iteration: number): FrameMessage | undefined => frames().find((f) => f.iteration === iteration);
  return { host, events, frames, waitFor, at };
}

/** PES and NRES (particles with state across updates, the hard case for a replay) and full ES, small. */
function config(overrides: Partial<PlaygroundConfig> = {}): PlaygroundConfig {
  return { ...defaultPlaygroundConfig('lr-schedule'), estimators: ['full-es', 'pes', 'nres'], pairs: 6, stop: { kind: 'iterations', value: 40 }, ...overrides };
}

const thetas = (f: FrameMessage | undefined) => f?.estimators.map((e) => [e.id, e.theta]);

describe('replaying a run to a pinned iteration', () => {
  beforeAll(useCpuBackend);

  it('reaches the same θ as the run it replays, σ / learning-rate changes included, and continues the same', async () => {
    // The sender: steps while paused, changes the learning rate, steps, drags σ (twice at the
    // same iteration), then plays to the stop condition at speed 3.
    const a = harness();
    const c0 = config();
    a.host.handle({ type: 'init', config: c0, generation: 1 });
    await a.waitFor(() => a.frames().length > 0);
    a.host.handle({ type: 'step', count: 10 });
    await a.waitFor(() => a.at(10) !== undefined);
    const live1: LiveSettings = { ...liveSettingsOf(c0), lr: 0.003 };
    a.host.handle({ type: 'live', live: live1 });
    a.host.handle({ type: 'step', count: 15 });
    await a.waitFor(() => a.at(25) !== undefined);
    a.host.handle({ type: 'live', live: { ...live1, sigma: s(0.5) } });
    const live2: LiveSettings = { ...live1, sigma: s(0.2), speed: 3 };
    a.host.handle({ type: 'live', live: live2 });
    await a.host.settled();
    a.host.handle({ type: 'play' });
    await a.waitFor(() => a.events.some((e) => e.type === 'status' && e.status === 'done'));
    await a.host.settled();
    await a.waitFor(() => a.frames().at(-1)?.iteration === 40);
    const history = a.events.flatMap((e) => (e.type === 'history' ? [e.history] : [])).at(-1);
    expect(history).toEqual([
      { before: 10, sigma: c0.sigma, lr: c0.lr },
      { before: 25, sigma: c0.sigma, lr: 0.003 },
    ]);
    a.host.dispose();

    // The receiver: the link's config has the sender's current σ and learning rate, pinned at 25.
    const b = harness();
    const shared = { ...c0, sigma: live2.sigma, lr: live2.lr };
    b.host.handle({ type: 'init', config: shared, generation: 1, replay: { iteration: 25, history: history ?? [] } });
    await b.waitFor(() => b.events.some((e) => e.type === 'replay' && e.state === 'finished'));
    await b.host.settled();
    const last = b.frames().at(-1);
    expect(last?.iteration).toBe(25);
    expect(thetas(last)).toEqual(thetas(a.at(25)));
    // Checkpoint frames on the way (every iteration for so short a replay), no diagnostics.
    expect(b.frames().map((f) => f.iteration)).toEqual(Array.from({ length: 26 }, (_, i) => i));
    expect(b.events.some((e) => e.type === 'diagnostics')).toBe(false);
    expect(b.events.filter((e) => e.type === 'status').at(-1)).toMatchObject({ status: 'paused', reason: 'opened at iteration 25 (replayed from the seed)' });
    // The history it now carries is the sender's, so sharing again gives the same link.
    expect(b.events.flatMap((e) => (e.type === 'history' ? [e.history] : [])).at(-1)).toEqual(history);
    // Play: it goes on exactly as the sender's run did.
    b.host.handle({ type: 'live', live: { ...live2, speed: 7 } });
    b.host.handle({ type: 'play' });
    await b.waitFor(() => b.events.some((e) => e.type === 'status' && e.status === 'done'));
    await b.host.settled();
    await b.waitFor(() => b.frames().at(-1)?.iteration === 40);
    expect(thetas(b.frames().at(-1))).toEqual(thetas(a.at(40)));
    b.host.dispose();

    // Without the history the replay takes another path: the history is what makes it exact.
    const c = harness();
    c.host.handle({ type: 'init', config: shared, generation: 1, replay: { iteration: 25, history: [] } });
    await c.waitFor(() => c.events.some((e) => e.type === 'replay' && e.state === 'finished'));
    await c.host.settled();
    expect(thetas(c.frames().at(-1))).not.toEqual(thetas(a.at(25)));
    c.host.dispose();
  }, 120_000);

  it('play during a replay runs on from the target; a cancelled replay stays where it stopped', async () => {
    const a = harness();
    a.host.handle({ type: 'init', config: config({ stop: { kind: 'iterations', value: 30 } }), generation: 1, replay: { iteration: 20, history: [] } });
    a.host.handle({ type: 'play' });
    await a.waitFor(() => a.events.some((e) => e.type === 'status' && e.status === 'done'));
    expect(a.events.some((e) => e.type === 'replay' && e.state === 'finished' && e.done === 20)).toBe(true);
    await a.host.settled();
    await a.waitFor(() => a.frames().at(-1)?.iteration === 30);
    a.host.dispose();

    const b = harness();
    // Rastrigin with full ES: cheap updates, so the replay gets far before it is stopped.
    const cheap = { ...defaultPlaygroundConfig('rastrigin'), estimators: ['full-es' as const], pairs: 4, stop: { kind: 'none' as const } };
    b.host.handle({ type: 'init', config: cheap, generation: 1, replay: { iteration: 100_000, history: [] } });
    await b.waitFor(() => b.frames().some((f) => f.iteration >= 2_000));
    b.host.handle({ type: 'replay-cancel' });
    await b.waitFor(() => b.events.some((e) => e.type === 'replay' && e.state === 'cancelled'));
    await b.host.settled();
    const stopped = b.events.find((e) => e.type === 'replay' && e.state === 'cancelled');
    const done = stopped?.type === 'replay' ? stopped.done : -1;
    expect(done).toBeGreaterThanOrEqual(2_000);
    expect(done).toBeLessThan(100_000);
    expect(b.frames().at(-1)?.iteration).toBe(done);
    expect(b.events.filter((e) => e.type === 'status').at(-1)).toMatchObject({ status: 'paused' });
    // Progress was reported on the way.
    expect(b.events.filter((e) => e.type === 'replay' && e.state === 'running').length).toBeGreaterThan(1);
    b.host.dispose();
  }, 120_000);
});
