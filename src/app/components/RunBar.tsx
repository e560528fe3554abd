import { useMemo } from 'react';
import { SPEED_STEPS, speedLabel, speedStepIndex } from '../../engine/cadence';
import { pendingReset } from '../../state/config-store';
import { configIssues } from '../../state/validation';
import { useConfig, useController, useSim } from '../context';
import { fmt } from '../figures/common';

const STATUS_TEXT = { idle: 'ready', running: 'running', paused: 'paused', done: 'finished' } as const;

/** Play / pause / step / reset, speed, and what the engine is doing right now. */
export function RunBar() {
  const controller = useController();
  const status = useSim((s) => s.status);
  const statusReason = useSim((s) => s.statusReason);
  const iteration = useSim((s) => s.iteration);
  const sigma = useSim((s) => s.sigma);
  const lr = useSim((s) => s.lr);
  const hasFrame = useSim((s) => s.hasFrame);
  const phase = useSim((s) => s.engine.phase);
  const numTensors = useSim((s) => s.numTensors);
  const jobsRunning = useSim((s) => s.jobsRunning);
  const ups = useSim((s) => s.updatesPerSecond);
  const stop = useConfig((s) => s.config.stop);
  const speed = useConfig((s) => s.config.view.speed);
  const pending = useConfig(pendingReset);
  const config = useConfig((s) => s.config);
  const issues = useMemo(() => configIssues(config), [config]);
  const ready = phase === 'ready' && hasFrame;
  const running = status === 'running';

  return (
    <section className="run-bar" aria-label="Run controls">
      <div className="run-buttons">
        <button
          type="button"
          className={`button primary play${running ? ' is-running' : ''}`}
          data-testid="play"
          data-status={status}
          disabled={!ready}
          onClick={() => controller.toggle()}
          title="Play / pause (space)"
        >
          {running ? '❚❚ Pause' : '▶ Play'}
        </button>
        <button type="button" className="button" data-testid="step" disabled={!ready || running} onClick={() => controller.step()} title="One outer update (→)">
          Step
        </button>
        <button
          type="button"
          className={`button${pending ? ' attention' : ''}`}
          data-testid="reset"
          data-pending={pending}
          disabled={phase !== 'ready' || issues.length > 0}
          onClick={() => controller.reset()}
          title={issues.length > 0 ? `Fix first: ${issues.join('; ')}` : 'Rebuild the populations from the settings (r)'}
        >
          ↺ Reset
        </button>
        {pending ? (
          <span className="badge pending-reset" data-testid="pending-reset" title="Task, estimators, N, T, K, R, workers, optimizer or seed changed: they take effect when the run is reset">
            changes apply on reset
          </span>
        ) : null}
      </div>

      <dl className="run-readouts">
        <div>
          <dt>iteration</dt>
          <dd data-testid="iteration" data-value={iteration}>
            {iteration.toLocaleString('en-US')}
            {stop.kind === 'iterations' ? <span className="muted"> / {stop.value.toLocaleString('en-US')}</span> : null}
          </dd>
        </div>
        <div>
          <dt>σ now</dt>
          <dd data-testid="sigma-now" data-value={hasFrame ? sigma : ''}>
            {hasFrame ? fmt(sigma) : '—'}
          </dd>
        </div>
        <div>
          <dt>learning rate</dt>
          <dd data-testid="lr-now">{hasFrame ? fmt(lr) : '—'}</dd>
        </div>
        <div>
          <dt>status</dt>
          <dd data-testid="status" data-value={status} title={statusReason ?? undefined}>
            {phase === 'failed' ? 'engine failed' : phase === 'starting' ? 'starting…' : STATUS_TEXT[status]}
            {statusReason && status !== 'running' ? <span className="muted status-reason"> — {statusReason}</span> : null}
          </dd>
        </div>
      </dl>

      <label className="speed" title="Slow motion (2–20 updates/s) to talk over a run; from 1×, outer updates per engine tick (~60 ticks/s at most)">
        <span>speed</span>
        <input
          type="range"
          min={0}
          max={SPEED_STEPS.length - 1}
          step={1}
          value={speedStepIndex(speed)}
          data-testid="speed"
          data-speed={speed}
          aria-label="Speed"
          aria-valuetext={speedLabel(speed)}
          onChange={(e) => controller.configStore.getState().patchView({ speed: SPEED_STEPS[Number(e.target.value)] ?? 1 })}
        />
        <span className="speed-value" data-testid="speed-value">
          {speedLabel(speed)}
        </span>
      </label>

      <div className="engine-readout" data-testid="engine-readout" data-num-tensors={numTensors} data-jobs={jobsRunning} title="Engine worker: live tensors (should stay flat), jobs in flight, outer updates per second">
        <span>{numTensors.toLocaleString('en-US')} tensors</span>
        <span>{jobsRunning > 0 ? `${jobsRunning} job${jobsRunning > 1 ? 's' : ''}` : 'idle jobs'}</span>
        <span>{running ? `${ups.toFixed(ups < 10 ? 1 : 0)} upd/s` : '—'}</span>
      </div>
    </section>
  );
}
