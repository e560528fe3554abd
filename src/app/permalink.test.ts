import { afterEach, describe, expect, it, vi } from 'vitest';
import '../platform/metadata-backend';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { hashFor, permalinkCodec, reportDecode, shareUrl, startHashSync, URL_DEBOUNCE_MS } from './permalink';
import type { EngineConnection, EngineListener } from '../engine/client';
import type { EngineEvent, EngineRequest, FrameMessage } from '../engine/protocol';
import { decodePermalink, encodePermalink, type PinnedPoint } from '../permalink/index';
import { createConfigStore } from '../state/config-store';
import { PlaygroundController, pinOfRun } from '../state/controller';
import { createSimStore, initialSimState, markRewound } from '../state/sim-store';
import type { BackendInfo } from '../platform/backend-info';

/** Just enough of `window` for the hash sync. */
function fakeWindow(hash = '') {
  const listeners = new Map<string, () => void>();
  const win = {
    location: { hash, pathname: '/', search: '?backend=cpu', origin: 'http://127.0.0.1:4173' },
    history: {
      state: null,
      replaceState: vi.fn((_s: unknown, _t: string, url: string) => {
        win.location.hash = url.slice(url.indexOf('#'));
      }),
    },
    addEventListener: (type: string, fn: () => void) => listeners.set(type, fn),
    removeEventListener: (type: string) => listeners.delete(type),
  };
  return { win, fire: (type: string) => listeners.get(type)?.() };
}

describe('permalink sync', () => {
  afterEach(() => vi.useRealTimers());

  it('writes the config to the hash, debounced, with replaceState', () => {
    vi.useFakeTimers();
    const { win } = fakeWindow();
    let config = defaultPlaygroundConfig();
    const listeners: ((c: PlaygroundConfig) => void)[] = [];
    const stop = startHashSync(
      permalinkCodec,
      { getConfig: () => config, subscribe: (l) => (listeners.push(l), () => undefined), apply: vi.fn(), notify: vi.fn() },
      win as unknown as Window,
    );
    for (const pairs of [10, 11, 12]) {
      config = { ...config, pairs };
      listeners.forEach((l) => l(config));
    }
    expect(win.history.replaceState).not.toHaveBeenCalled();
    vi.advanceTimersByTime(URL_DEBOUNCE_MS + 1);
    expect(win.history.replaceState).toHaveBeenCalledTimes(1);
    expect(win.location.hash).toBe(hashFor(permalinkCodec, config));
    expect(win.location.hash).toContain('N=12');
    stop();
  });

  it('keeps the preset and lesson in the address, and hands them on from a pasted link', () => {
    vi.useFakeTimers();
    const { win, fire } = fakeWindow();
    const config = defaultPlaygroundConfig();
    let context: { preset: string; lesson?: boolean } | undefined = { preset: 'pes-lr-schedule', lesson: true };
    const listeners: ((c: PlaygroundConfig) => void)[] = [];
    const apply = vi.fn();
    startHashSync(
      permalinkCodec,
      { getConfig: () => config, getContext: () => context, subscribe: (l) => (listeners.push(l), () => undefined), apply, notify: vi.fn() },
      win as unknown as Window,
    );
    listeners.forEach((l) => l(config));
    vi.advanceTimersByTime(URL_DEBOUNCE_MS + 1);
    expect(win.location.hash).toContain('&preset=pes-lr-schedule&lesson=1');
    context = undefined;
    listeners.forEach((l) => l(config));
    vi.advanceTimersByTime(URL_DEBOUNCE_MS + 1);
    expect(win.location.hash).not.toContain('preset=');
    win.location.hash = `#${encodePermalink(defaultPlaygroundConfig('lorenz'), undefined, { preset: 'nres-lorenz' })}`;
    fire('hashchange');
    expect(apply).toHaveBeenCalledWith(defaultPlaygroundConfig('lorenz'), undefined, { preset: 'nres-lorenz' });
  });

  it('applies a pasted link and reports what the decoder fixed', () => {
    const { win, fire } = fakeWindow();
    const apply = vi.fn();
    const notify = vi.fn();
    startHashSync(permalinkCodec, { getConfig: defaultPlaygroundConfig, subscribe: () => () => undefined, apply, notify }, win as unknown as Window);
    win.location.hash = '#v1.task=lorenz';
    fire('hashchange');
    expect(apply).toHaveBeenCalledWith(expect.objectContaining({ task: 'lorenz' }));
    // All repairs in one notice.
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0]?.[0]).toBe('warning');
  });

  it('a pasted pinned link is applied with its pin; a link to it is pinned too', () => {
    const { win, fire } = fakeWindow();
    const apply = vi.fn();
    startHashSync(permalinkCodec, { getConfig: defaultPlaygroundConfig, subscribe: () => () => undefined, apply, notify: vi.fn() }, win as unknown as Window);
    const pin = { iteration: 40, history: [{ before: 12, sigma: { kind: 'constant' as const, sigma0: 0.5 }, lr: 0.02 }] };
    const url = shareUrl(defaultPlaygroundConfig('lorenz'), permalinkCodec, win.location as unknown as Location, pin);
    expect(url).toContain('&at=40&hist=12:constant,0.5:0.02');
    win.location.hash = url.slice(url.indexOf('#'));
    fire('hashchange');
    expect(apply).toHaveBeenCalledWith(defaultPlaygroundConfig('lorenz'), pin);
  });

  it('a link pasted while a write is pending wins over the write', () => {
    vi.useFakeTimers();
    const { win, fire } = fakeWindow();
    let config = defaultPlaygroundConfig();
    const listeners: ((c: PlaygroundConfig) => void)[] = [];
    const apply = vi.fn((c: PlaygroundConfig) => {
      config = c;
      listeners.forEach((l) => l(c));
    });
    startHashSync(permalinkCodec, { getConfig: () => config, subscribe: (l) => (listeners.push(l), () => undefined), apply, notify: vi.fn() }, win as unknown as Window);
    config = { ...config, pairs: 7 };
    listeners.forEach((l) => l(config));
    // The user pastes a link; its hashchange is dispatched only after the debounce fired.
    const pasted = hashFor(permalinkCodec, defaultPlaygroundConfig('lorenz'));
    win.location.hash = pasted;
    vi.advanceTimersByTime(URL_DEBOUNCE_MS + 1);
    expect(win.history.replaceState).not.toHaveBeenCalled();
    expect(win.location.hash).toBe(pasted);
    fire('hashchange');
    expect(apply).toHaveBeenCalledWith(defaultPlaygroundConfig('lorenz'));
    // Applying it writes the (same) config back once the debounce passes.
    vi.advanceTimersByTime(URL_DEBOUNCE_MS + 1);
    expect(win.location.hash).toBe(pasted);
  });

  it('reports a link it cannot read as an error', () => {
    const notify = vi.fn();
    reportDecode(permalinkCodec.decodePermalink('#garbage'), notify);
    expect(notify).toHaveBeenCalledWith('error', expect.any(String));
  });

  it('shares the page address with a fresh permalink, without ?backend=', () => {
    const { win } = fakeWindow('#old');
    const url = shareUrl(defaultPlaygroundConfig('rastrigin'), permalinkCodec, win.location as unknown as Location);
    expect(url.startsWith('http://127.0.0.1:4173/#v1.')).toBe(true);
    expect(url).toContain('task=rastrigin');
    expect(url).not.toContain('backend');
    // The link round-trips.
    const decoded = permalinkCodec.decodePermalink(url);
    expect(decoded.ok && decoded.config).toEqual(defaultPlaygroundConfig('rastrigin'));
  });
});

describe('pinned links through the controller', () => {
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
  }

  function frame(generation: number, iteration: number): FrameMessage {
    return {
      generation,
      iteration,
      sigma: 0.3,
      lr: 0.01,
      wallMs: 0,
      status: 'paused',
      numTensors: 1,
      jobsRunning: 0,
      updatesPerSecond: 0,
      estimators: [{ id: 'pes', theta: [1, 2], grad: [0, 0], evalLoss: 1, innerSteps: 0, particles: new Float32Array(0), particleCount: 0 }],
    };
  }

  function setup(pin?: PinnedPoint) {
    const engine = new FakeEngine();
    const configStore = createConfigStore();
    const simStore = createSimStore();
    const controller = new PlaygroundController(engine, configStore, simStore, { setTimer: () => 0 as unknown as ReturnType<typeof setTimeout>, clearTimer: () => undefined });
    controller.start(pin);
    return { engine, configStore, simStore, controller };
  }

  it('opening a pinned link asks the engine to replay to its iteration, with the history', () => {
    const history = [{ before: 3, sigma: { kind: 'constant' as const, sigma0: 0.5 }, lr: 0.02 }];
    const { engine } = setup({ iteration: 7, history });
    const init = engine.sent.find((r) => r.type === 'init');
    expect(init).toMatchObject({ type: 'init', replay: { iteration: 7, history } });
    // An unpinned link (or iteration 0) replays nothing.
    expect(setup().engine.sent.find((r) => r.type === 'init')).not.toHaveProperty('replay');
    expect(setup({ iteration: 0 }).engine.sent.find((r) => r.type === 'init')).not.toHaveProperty('replay');
  });

  it('a pasted pinned link resets with a replay; replay progress and history reach the store', () => {
    const { engine, simStore, controller } = setup();
    const decoded = decodePermalink(encodePermalink(defaultPlaygroundConfig('rastrigin'), { iteration: 12 }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    controller.applyExternalConfig(decoded.config, decoded.pin);
    const reset = engine.sent.filter((r) => r.type === 'reset').at(-1);
    expect(reset).toMatchObject({ config: { task: 'rastrigin' }, keepRunning: false, replay: { iteration: 12, history: [] } });
    const generation = simStore.getState().generation;
    engine.emit({ type: 'replay', generation, done: 5, total: 12, state: 'running' });
    expect(simStore.getState().replay).toEqual({ done: 5, total: 12, state: 'running' });
    // Events of an older generation are ignored.
    engine.emit({ type: 'replay', generation: generation - 1, done: 9, total: 12, state: 'running' });
    expect(simStore.getState().replay?.done).toBe(5);
    // While it replays, the run cannot be pinned again; cancelling is forwarded.
    expect(controller.pinOfRun().ok).toBe(false);
    controller.cancelReplay();
    expect(engine.sent.at(-1)).toEqual({ type: 'replay-cancel' });
    engine.emit({ type: 'replay', generation, done: 12, total: 12, state: 'finished' });
    engine.emit({ type: 'frame', frame: frame(generation, 12) });
    const sigma = { kind: 'constant' as const, sigma0: 0.1 };
    engine.emit({ type: 'history', generation, history: [{ before: 4, sigma, lr: 0.5 }], complete: true });
    const pinned = controller.pinOfRun();
    expect(pinned).toMatchObject({ ok: true, pin: { iteration: 12, history: [{ before: 4, sigma, lr: 0.5 }] } });
    // A device loss moved the run to another backend with fresh particles: no longer replayable.
    engine.emit({ type: 'backend-changed', generation, backend: { name: 'cpu', label: 'CPU', adapter: null, fallbackReason: null } as unknown as BackendInfo, reason: 'the GPU device was lost', iteration: 12 });
    expect(controller.pinOfRun()).toMatchObject({ ok: false, reason: expect.stringContaining('switched to CPU') as unknown });
    // A new generation forgets the replay and the history.
    controller.reset();
    expect(simStore.getState().replay).toBeNull();
    expect(simStore.getState().runHistory).toEqual({ changes: [], complete: true });
    expect(simStore.getState().notReplayable).toBeNull();
  });

  it('pins the running session (not settings waiting for a reset), with the live σ and learning rate', () => {
    const applied = defaultPlaygroundConfig();
    const current = { ...applied, pairs: applied.pairs + 1, lr: 0.123 };
    const sim = { iteration: 9, hasFrame: true, replay: null, runHistory: { changes: [], complete: true } };
    const r = pinOfRun(current, applied, sim);
    expect(r).toEqual({ ok: true, config: { ...applied, lr: 0.123 }, pin: { iteration: 9 } });
    // The link decodes to the same thing.
    if (!r.ok) return;
    const back = decodePermalink(encodePermalink(r.config, r.pin));
    expect(back).toMatchObject({ ok: true, config: r.config, pin: r.pin, warnings: [] });
  });

  it('refuses to pin iteration 0, an incomplete history or more changes than a link carries', () => {
    const c = defaultPlaygroundConfig();
    const base = { iteration: 9, hasFrame: true, replay: null, runHistory: { changes: [], complete: true } };
    expect(pinOfRun(c, c, { ...base, iteration: 0 }).ok).toBe(false);
    expect(pinOfRun(c, c, { ...base, runHistory: { changes: [], complete: false } }).ok).toBe(false);
    // A rewind moved θ in a way a replay from the seed cannot follow.
    const sim = { ...initialSimState(), generation: 1, hasFrame: true, iteration: 9 };
    const rewound = { ...sim, ...markRewound(sim, 1, ['pes']) };
    expect(pinOfRun(c, c, rewound)).toEqual({ ok: false, reason: expect.stringContaining('rewound') as unknown });
    expect(pinOfRun(c, c, { ...sim, ...markRewound(sim, 1, []) }).ok).toBe(true);
    const many = Array.from({ length: 70 }, (_, i) => ({ before: i + 1, sigma: c.sigma, lr: 0.001 * (i + 1) }));
    const r = pinOfRun(c, c, { ...base, iteration: 80, runHistory: { changes: many, complete: true } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('at most 64');
  });

  it('a change the engine made after the iteration on screen is cut at that iteration', () => {
    const c = defaultPlaygroundConfig();
    const old = { kind: 'constant' as const, sigma0: 0.9 };
    // σ went from 0.9 to the config's σ before update 15, but the screen shows iteration 10:
    // the updates up to 10 all used 0.9.
    const r = pinOfRun(c, c, { iteration: 10, hasFrame: true, replay: null, runHistory: { changes: [{ before: 15, sigma: old, lr: c.lr }], complete: true } });
    expect(r).toMatchObject({ ok: true, pin: { iteration: 10, history: [{ before: 10, sigma: old, lr: c.lr }] } });
  });
});
