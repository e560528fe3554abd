import { Component, type ErrorInfo, type ReactNode, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';

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

try {
  const container = document.getElementById('root');
  if (!container) throw new Error('missing #root element');
  createRoot(container).render(
    <StrictMode>
      <ErrorBoundary>
        <App />
      </ErrorBoundary>
    </StrictMode>,
  );
} catch (e) {
  showFatal(e instanceof Error ? e.message : String(e));
}
