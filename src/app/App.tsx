import { useMemo } from 'react';
import type { EstimatorId, TaskId } from '../core/config';
import { type BackendInfo, describeBackend, parseBackendParam } from '../platform/backend-info';
import { Sparkline } from './Sparkline';
import { formatNumber, formatVector } from './format';
import { useExperiment } from './useExperiment';
import type { RunStatus } from './runner';
import './app.css';

const DEFAULT_TASK: TaskId = 'lr-schedule';
const DEFAULT_ESTIMATOR: EstimatorId = 'pes';
const HISTORY_ROWS = 12;

function BackendBadge({ backend }: { backend: BackendInfo | null }) {
  if (!backend) {
    return (
      <span className="badge pending" data-testid="backend-badge" data-backend="" title="Selecting a tfjs backend…">
        selecting backend…
      </span>
    );
  }
  const software = backend.label === 'WebGPU (software)';
  return (
    <span
      className={`badge ${backend.name}${software ? ' software' : ''}`}
      data-testid="backend-badge"
      data-backend={backend.name}
      title={describeBackend(backend)}
    >
      {backend.label}
      {backend.fallbackReason ? ' ⚠' : ''}
    </span>
  );
}

const TOGGLE_LABEL: Record<RunStatus, string> = {
  idle: 'Start',
  running: 'Pause',
  paused: 'Resume',
  done: 'Done',
  error: 'Stopped',
};

export function App() {
  const requestedBackend = useMemo(() => parseBackendParam(window.location.search), []);
  const { backend, setupError, run, totalIterations, toggle } = useExperiment(DEFAULT_TASK, DEFAULT_ESTIMATOR, requestedBackend);
  const error = setupError ?? run.error;
  const snap = run.snapshot;
  const firstLoss = run.history[0]?.evalLoss;
  const recent = run.history.slice(-HISTORY_ROWS).reverse();
  const canToggle = !error && (run.status === 'running' || run.status === 'paused' || run.status === 'idle') && snap !== null;

  return (
    <main className="app">
      <header className="app-header">
        <h1>ES Playground</h1>
        <BackendBadge backend={backend} />
      </header>
      <p className="subtitle">
        Task <code>{DEFAULT_TASK}</code> · estimator <code>{DEFAULT_ESTIMATOR}</code> · default settings
      </p>
      {backend?.fallbackReason && (
        <p className="notice" data-testid="fallback-reason">
          Using {backend.label}: {backend.fallbackReason}
        </p>
      )}

      {error && (
        <div className="error" role="alert" data-testid="error">
          <strong>{setupError ? 'Could not start the experiment.' : 'The run failed.'}</strong> {error}
        </div>
      )}

      <section className="controls">
        <button type="button" data-testid="run-toggle" data-status={run.status} onClick={toggle} disabled={!canToggle}>
          {TOGGLE_LABEL[run.status]}
        </button>
        <span className="status" data-testid="status">
          {error ? 'error' : snap === null ? (backend ? 'preparing…' : 'starting…') : run.status}
        </span>
      </section>

      <section className="readouts">
        <dl>
          <dt>iteration</dt>
          <dd data-testid="iteration" data-value={run.iteration}>
            {run.iteration}
            {totalIterations !== null ? ` / ${totalIterations}` : ''}
          </dd>
          <dt>θ</dt>
          <dd data-testid="theta">{snap ? formatVector(snap.theta) : '—'}</dd>
          <dt>evaluation loss</dt>
          <dd data-testid="eval-loss" data-value={snap ? String(snap.evalLoss) : ''} data-first={firstLoss !== undefined ? String(firstLoss) : ''}>
            {snap ? formatNumber(snap.evalLoss, 5) : '—'}
            {snap && firstLoss !== undefined && run.history.length > 1 ? (
              <span className="muted"> (started at {formatNumber(firstLoss, 5)})</span>
            ) : null}
          </dd>
          <dt>σ</dt>
          <dd data-testid="sigma">{snap ? formatNumber(snap.sigma) : '—'}</dd>
          <dt>inner steps</dt>
          <dd data-testid="inner-steps">{snap ? snap.innerSteps.toLocaleString('en-US') : '—'}</dd>
          <dt>wall time</dt>
          <dd data-testid="wall-time">{snap ? `${(snap.wallMs / 1000).toFixed(1)} s` : '—'}</dd>
        </dl>
      </section>

      <section className="history">
        <h2>Evaluation loss</h2>
        <Sparkline points={run.history} />
        <table data-testid="history">
          <thead>
            <tr>
              <th>iteration</th>
              <th>eval loss</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((p) => (
              <tr key={p.iteration} data-testid="history-row" data-iteration={p.iteration} data-loss={String(p.evalLoss)}>
                <td>{p.iteration}</td>
                <td>{formatNumber(p.evalLoss, 5)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {run.history.length > HISTORY_ROWS && <p className="muted">showing the latest {HISTORY_ROWS} of {run.history.length} records</p>}
      </section>
    </main>
  );
}
