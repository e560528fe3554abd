import { afterEach, describe, expect, it, vi } from 'vitest';
import '../platform/metadata-backend';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import { hashFor, permalinkCodec, reportDecode, shareUrl, startHashSync, URL_DEBOUNCE_MS } from './permalink';

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
