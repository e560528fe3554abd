import { Component, type ErrorInfo, type ReactNode, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { hasConfigHash, permalinkCodec, reportDecode, startHashSync } from './app/permalink';
import { EngineClient } from './engine/client';
import type { LinkContext, PinnedPoint } from './permalink/index';
import { parseBackendParam } from './platform/backend-info';
import { contextOf, createConfigStore, initialConfig, presetOfLink } from './state/config-store';
import { PlaygroundController } from './state/controller';
import { createSimStore } from './state/sim-store';

/** Never a blank page: a render error shows up as a message. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('ES Playground crashed while rendering', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) {
      return (
        <main style={{ maxWidth: 760, margin: '0 auto', padding: '1.5rem 1rem', fontFamily: 'system-ui, sans-serif' }}>
          <h1>ES Playground</h1>
          <div role="alert" data-testid="error" style={{ color: '#991b1b', whiteSpace: 'pre-wrap' }}>
            <strong>Something went wrong.</strong> {this.state.error.message}
          </div>
          <p>
            <a href={window.location.pathname}>Reload with the default experiment</a>
          </p>
        </main>
      );
    }
    return this.props.children;
  }
}

function showFatal(message: string): void {
  const root = document.getElementById('root') ?? document.body;
  const div = document.createElement('div');
  div.setAttribute('role', 'alert');
  div.dataset.testid = 'error';
  div.textContent = `ES Playground failed to start: ${message}`;
  root.replaceChildren(div);
}

function start(): void {
  const container = document.getElementById('root');
  if (!container) throw new Error('missing #root element');

  // A shared link restores its config before the engine starts.
  const early: [kind: 'warning' | 'error', text: string][] = [];
  let config = initialConfig();
  let pin: PinnedPoint | undefined;
  let context: LinkContext | undefined;
  if (hasConfigHash(window.location.hash)) {
    const decoded = permalinkCodec.decodePermalink(window.location.hash);
    reportDecode(decoded, (kind, text) => early.push([kind, text]));
    config = decoded.config;
    // A pinned link opens at its iteration: the engine replays the run from the seed.
    if (decoded.ok) {
      pin = decoded.pin;
      context = decoded.context;
    }
  }
  // A preset's link reopens the preset, its commentary and (a lesson link) the lesson view.
  const linked = presetOfLink(context);
  if (linked.warning) early.push(['warning', linked.warning]);

  const configStore = createConfigStore(config, linked.presetId, linked.lesson);
  const simStore = createSimStore();
  const controller = new PlaygroundController(new EngineClient(), configStore, simStore, { requestedBackend: parseBackendParam(window.location.search) });
  for (const [kind, text] of early) controller.notify(kind, text);
  controller.start(pin);

  startHashSync(permalinkCodec, {
    getConfig: () => configStore.getState().config,
    getContext: () => contextOf(configStore.getState()),
    subscribe: (listener) =>
      configStore.subscribe((s, prev) => {
        if (s.config !== prev.config || s.presetId !== prev.presetId || s.lesson !== prev.lesson) listener(s.config);
      }),
    apply: (c, p, ctx) => controller.applyExternalConfig(c, p, ctx),
    notify: (kind, text) => controller.notify(kind, text),
  });

  createRoot(container).render(
    <StrictMode>
      <ErrorBoundary>
        <App controller={controller} />
      </ErrorBoundary>
    </StrictMode>,
  );
}

try {
  start();
} catch (e) {
  showFatal(e instanceof Error ? e.message : String(e));
}
