import { estimatorInfo } from '../../core/estimators/index';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { useController, useSim } from '../context';

/**
 * Divergence at a glance: per estimator, the pairs (trajectories) the guard left out of
 * updates and the updates it refused, then the engine's warnings with their suggestion
 * and a rewind to the last finite θ.
 */
export function HealthPanel() {
  const controller = useController();
  const estimators = useSim((s) => s.estimators);
  const advice = useSim((s) => s.advice);
  const replaying = useSim((s) => s.replay?.state === 'running');
  const anyTrouble = advice.length > 0 || estimators.some((e) => e.diverged);
  if (estimators.length === 0) return null;
  return (
    <div className="health" data-testid="health">
      <ul className="health-lines" aria-label="Divergence counters per estimator">
        {estimators.map((e) => {
          const h = e.health;
          const unit = estimatorInfo(e.id).autodiff ? 'trajectories' : 'pairs';
          const excluded = h?.excludedTotal ?? 0;
          const skipped = h?.skippedTotal ?? 0;
          const ok = excluded === 0 && skipped === 0 && !e.diverged;
          return (
            <li
              key={e.id}
              className={`health-line${ok ? '' : ' trouble'}`}
              data-testid={`health-${e.id}`}
              data-excluded={excluded}
              data-skipped={skipped}
              data-diverged={e.diverged}
              title={h ? `last update: ${h.excludedLast} of ${h.workers} ${unit} left out; rewind point: iteration ${h.checkpointIteration}` : undefined}
            >
              <span className="swatch" style={{ background: ESTIMATOR_COLORS[e.id] }} aria-hidden="true" />
              <span className="health-name">{estimatorInfo(e.id).title}</span>{' '}
              {ok ? (
                <span className="muted">finite, nothing excluded</span>
              ) : (
                <span>
                  {excluded.toLocaleString('en-US')} {unit} excluded · {skipped.toLocaleString('en-US')} update{skipped === 1 ? '' : 's'} skipped
                  {e.diverged ? ' · loss NaN/±Inf' : ''}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {advice.map((a) => (
        <div key={a.id} className="notice warning health-warning" role="alert" data-testid="health-warning" data-cause={a.cause} data-estimator={a.id}>
          <span>{a.text}</span>
          <button type="button" className="button" data-testid={`apply-advice-${a.id}`} onClick={() => controller.applyAdvice(a)}>
            Lower {a.cause === 'lr' ? 'lr' : 'σ'} to {a.suggested}
          </button>
        </div>
      ))}
      {anyTrouble ? (
        <button type="button" className="button" data-testid="rewind" disabled={replaying} onClick={() => controller.rewind()}>
          ⟲ Rewind to last finite θ
        </button>
      ) : null}
    </div>
  );
}
