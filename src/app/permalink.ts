/**
 * Keeping the URL and the config in sync, and the Share button. The codec itself
 * (format, validation, clamping with warnings) is src/permalink/.
 */
import '../platform/metadata-backend';
import type { PlaygroundConfig } from '../core/playground-config';
import { decodePermalink, type DecodeResult, encodePermalink, type LinkContext, type PinnedPoint } from '../permalink/index';

export interface PermalinkCodec {
  encodePermalink(config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): string;
  decodePermalink(hash: string): DecodeResult;
}

export const permalinkCodec: PermalinkCodec = { encodePermalink, decodePermalink };

/** `#fragment` for a config (the codec may or may not include the leading '#'). */
export function hashFor(codec: PermalinkCodec, config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): string {
  const h = codec.encodePermalink(config, pin, context);
  return h.startsWith('#') ? h : `#${h}`;
}

/** Whether a location hash looks like it carries a config (anything but empty). */
export function hasConfigHash(hash: string): boolean {
  return hash.replace(/^#/, '').trim().length > 0;
}

export interface HashSyncTarget {
  getConfig(): PlaygroundConfig;
  /** The preset the config came from and whether it is shown as a lesson (kept in the link). */
  getContext?(): LinkContext | undefined;
  /** Called when the config or its context changes. */
  subscribe(listener: (config: PlaygroundConfig) => void): () => void;
  /** A config decoded from a pasted link, the iteration it pins and its preset, if any. */
  apply(config: PlaygroundConfig, pin?: PinnedPoint, context?: LinkContext): void;
  notify(kind: 'warning' | 'error', text: string): void;
}

/** Debounce of URL updates while the user drags sliders. */
export const URL_DEBOUNCE_MS = 300;

/**
 * Keeps location.hash current (history.replaceState, debounced — no history entry per
 * slider tick) and follows pasted links (hashchange). Returns a stop function.
 */
export function startHashSync(codec: PermalinkCodec, target: HashSyncTarget, win: Window = window): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastWritten = win.location.hash;

  const write = (): void => {
    timer = null;
    // The address changed since we last wrote or read it: a pasted link whose hashchange is
    // still on its way. It wins (applying it changes the config, which writes again).
    if (win.location.hash !== lastWritten) return;
    try {
      const hash = hashFor(codec, target.getConfig(), undefined, target.getContext?.());
      if (hash !== win.location.hash) {
        win.history.replaceState(win.history.state, '', `${win.location.pathname}${win.location.search}${hash}`);
      }
      lastWritten = hash;
    } catch (e) {
      console.warn('could not encode the permalink', e);
    }
  };

  const unsubscribe = target.subscribe(() => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(write, URL_DEBOUNCE_MS);
  });

  const onHashChange = (): void => {
    const hash = win.location.hash;
    if (hash === lastWritten) return;
    lastWritten = hash;
    if (!hasConfigHash(hash)) return;
    const result = codec.decodePermalink(hash);
    reportDecode(result, target.notify);
    if (result.ok && result.context) target.apply(result.config, result.pin, result.context);
    else if (result.ok && result.pin) target.apply(result.config, result.pin);
    else target.apply(result.config);
  };
  win.addEventListener('hashchange', onHashChange);

  return () => {
    unsubscribe();
    if (timer !== null) clearTimeout(timer);
    win.removeEventListener('hashchange', onHashChange);
  };
}

/** Decoder warnings and errors, as notices. */
export function reportDecode(result: DecodeResult, notify: (kind: 'warning' | 'error', text: string) => void): void {
  // The decoder's messages are complete sentences meant for the user.
  if (!result.ok) notify('error', result.error);
  // One notice for all repairs: a hand-edited link can need a dozen.
  else if (result.warnings.length > 0) notify('warning', `The link needed fixing: ${result.warnings.join(' ')}`);
}

/** The address to share: the page with a fresh permalink of the config (pinned at an iteration, if given). */
export function shareUrl(config: PlaygroundConfig, codec: PermalinkCodec = permalinkCodec, loc: Location = window.location, pin?: PinnedPoint, context?: LinkContext): string {
  // ?backend= is a local workaround (a broken GPU driver), not part of the experiment.
  const params = new URLSearchParams(loc.search);
  params.delete('backend');
  const search = params.toString() ? `?${params.toString()}` : '';
  const hash = hashFor(codec, config, pin, context);
  return `${loc.origin}${loc.pathname}${search}${hash}`;
}

/** Copies text to the clipboard; false when the browser refuses (the caller shows a text field). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard?.writeText) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
