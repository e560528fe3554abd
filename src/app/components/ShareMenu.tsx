import { useCallback, useEffect, useRef, useState } from 'react';
import { markdownLink } from '../../permalink/index';
import { contextOf } from '../../state/config-store';
import type { PinOfRun } from '../../state/controller';
import { presetById } from '../../content/presets';
import { useConfig, useController } from '../context';
import { copyText, shareUrl } from '../permalink';
import { useDismiss } from '../useDismiss';

type Target = 'config' | 'iteration';
type What = 'link' | 'markdown';

/** What was last copied, or what to copy by hand when the clipboard refused. */
type CopyState = { kind: 'copied'; what: What } | { kind: 'manual'; what: What; text: string } | null;

const WHAT_TEXT: Record<What, string> = { link: 'Link', markdown: 'Markdown link' };

/**
 * The Share button: one click copies the link to the configuration and opens a panel that
 * also offers the link to the iteration on screen (a pinned link: it reopens the run
 * there, replayed from the seed) and "copy as Markdown" (`[one-line description](url)`).
 * Where the browser refuses the clipboard, the text is shown selected for a manual copy.
 */
export function ShareMenu() {
  const controller = useController();
  const [open, setOpen] = useState(false);
  // The config only while the panel is open: closed, a σ drag does not re-encode the link at every input.
  const config = useConfig((s) => (open ? s.config : null));
  const closeMenu = useCallback(() => setOpen(false), []);
  const [target, setTarget] = useState<Target>('config');
  /** The run as a pinned link, taken when the panel opens (a running run moves on). */
  const [pinned, setPinned] = useState<PinOfRun | null>(null);
  const [copy, setCopy] = useState<CopyState>(null);
  const presetId = useConfig((s) => s.presetId);
  const lessonNow = useConfig((s) => s.lesson);
  /** Whether the link opens as a lesson (only the controls the preset needs, the commentary first). */
  const [asLesson, setAsLesson] = useState(false);
  const preset = presetId ? presetById(presetId) : undefined;
  // The preset travels with the link (its commentary reopens with it); a lesson only on request.
  const context = preset ? (asLesson ? { preset: preset.id, lesson: true } : { preset: preset.id }) : undefined;
  const box = useRef<HTMLDivElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const shared = target === 'iteration' && pinned?.ok ? { config: pinned.config, pin: pinned.pin } : config ? { config, pin: undefined } : null;
  const url = shared ? shareUrl(shared.config, undefined, undefined, shared.pin, context) : '';

  const doCopy = async (what: What, text: string): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    if (await copyText(text)) {
      setCopy({ kind: 'copied', what });
      timer.current = setTimeout(() => setCopy((c) => (c?.kind === 'copied' ? null : c)), 4000);
    } else {
      setCopy({ kind: 'manual', what, text });
    }
  };

  const openMenu = (): void => {
    if (open) {
      setOpen(false);
      return;
    }
    setPinned(controller.pinOfRun());
    setTarget('config');
    const state = controller.configStore.getState();
    setAsLesson(state.lesson);
    setOpen(true);
    // The common case in one click: the link to what the controls show (and the preset, as the page shows it).
    void doCopy('link', shareUrl(state.config, undefined, undefined, undefined, contextOf(state)));
  };

  const choose = (t: Target): void => {
    if (t === 'iteration') setPinned(controller.pinOfRun());
    setTarget(t);
    setCopy(null);
  };

  useDismiss(open, closeMenu, box);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const iterationLabel = pinned?.ok ? `This iteration (${pinned.pin.iteration})` : 'This iteration';
  const manualText = copy?.kind === 'manual' ? copy.text : url;

  return (
    <div className="share" ref={box}>
      <button type="button" className="button" data-testid="share" aria-expanded={open} onClick={openMenu} title="Copy a link that reproduces this experiment (more options in the panel)">
        Share
      </button>
      {copy?.kind === 'copied' ? (
        <span className="share-confirm" role="status" data-testid="share-confirm" data-what={copy.what}>
          {WHAT_TEXT[copy.what]} copied
        </span>
      ) : null}
      {open ? (
        <div className="share-panel" role="dialog" aria-label="Share this experiment" data-testid="share-panel">
          <fieldset>
            <legend>Link to</legend>
            <label>
              <input type="radio" name="share-target" data-testid="share-target-config" checked={target === 'config'} onChange={() => choose('config')} />
              This configuration <span className="muted">(opens at iteration 0)</span>
            </label>
            <label title={pinned && !pinned.ok ? `Not available: ${pinned.reason}` : 'Opens at this iteration with the same θ, replaying the run from the seed'}>
              <input type="radio" name="share-target" data-testid="share-target-iteration" checked={target === 'iteration'} disabled={!pinned?.ok} onChange={() => choose('iteration')} />
              {iterationLabel}
              {pinned && !pinned.ok ? <span className="muted" data-testid="share-pin-unavailable"> — not available: {pinned.reason}</span> : null}
            </label>
          </fieldset>
          {preset ? (
            <label className="share-lesson" title="TensorFlow Playground's teacher links, for a class: the link opens with the commentary first and only the controls this preset needs (a button shows the rest)">
              <input
                type="checkbox"
                data-testid="share-lesson"
                checked={asLesson}
                onChange={(e) => {
                  setAsLesson(e.target.checked);
                  setCopy(null);
                }}
              />
              As a lesson: commentary first, only the controls “{preset.title}” needs{lessonNow ? ' (as this page shows it)' : ''}
            </label>
          ) : null}
          <label className="share-url">
            {copy?.kind === 'manual' ? (
              <span className="share-manual-hint" data-testid="share-manual" role="status">
                The browser did not allow copying. Select the text below and copy it (Ctrl+C / ⌘C):
              </span>
            ) : (
              <span className="sr-only">The link</span>
            )}
            <input
              data-testid="share-url"
              readOnly
              value={manualText}
              data-url={url}
              ref={(el) => {
                if (el && copy?.kind === 'manual') el.select();
              }}
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <div className="share-actions">
            <button type="button" className="button small" data-testid="share-copy" onClick={() => void doCopy('link', url)}>
              Copy link
            </button>
            <button type="button" className="button small" data-testid="share-copy-markdown" onClick={() => shared && void doCopy('markdown', markdownLink(url, shared.config, shared.pin))} title="[one-line description](link), for papers and slides">
              Copy as Markdown
            </button>
            <button type="button" className="button small" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          <p className="muted share-note">
            {target === 'iteration'
              ? 'The link replays the run from its seed to this iteration (same θ on the same backend); play then continues as this run would.'
              : `${url.length} characters. Everything the experiment needs is in the link; nothing is stored on a server.`}
          </p>
        </div>
      ) : null}
    </div>
  );
}
