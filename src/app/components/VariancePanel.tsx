import { useMemo, useState } from 'react';
import { estimatorInfo } from '../../core/estimators/index';
import type { ViewOptions } from '../../core/playground-config';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { varianceSetupOf } from '../../state/controller';
import { useConfig, useController, useSim } from '../context';
import { fmt } from '../figures/common';
import type { SeriesStyle } from '../figures/curves';
import { logLogSlope, METRIC_TITLES, referenceFloor, rowsByEstimator, type VarianceMetric, varianceFigure } from '../figures/variance';
import { Plot } from './Plot';

const REPEAT_CHOICES = [16, 32, 64, 128];

const PROTOCOLS: { value: ViewOptions['varianceProtocol']; label: string; help: string }[] = [
  { value: 'update', label: 'per update', help: 'one truncation’s estimate from a random window (step-unlocked workers) — what one online update uses (NRES paper)' },
  { value: 'episode', label: 'per episode', help: 'the J truncation estimates of one whole episode combined (PES paper)' },
];

export function VariancePanel() {
  const controller = useController();
  const protocol = useConfig((s) => s.config.view.varianceProtocol);
  const applied = useConfig((s) => s.applied);
  const variance = useSim((s) => s.variance);
  const [metric, setMetric] = useState<VarianceMetric>('totalVariance');
  const [repeats, setRepeats] = useState(64);
  // What a measurement of the running experiment would use (recomputed when it changes).
  const setup = useMemo(() => varianceSetupOf(applied), [applied]);
  const result = variance.task === applied.task ? variance.result : null;
  const rows = useMemo(() => result?.rows ?? [], [result]);
  const series: SeriesStyle[] = useMemo(() => {
    const ids = [...new Set(rows.map((r) => r.estimator))];
    return ids.map((id) => ({ id, title: estimatorInfo(id).title, color: ESTIMATOR_COLORS[id], diverged: false }));
  }, [rows]);
  const truncations = useMemo(() => (rows.length ? [...new Set(rows.map((r) => r.J))].sort((a, b) => a - b) : setup.truncations), [rows, setup.truncations]);
  const floor = result ? referenceFloor(result.reference, result.referenceVariance) : 0;
  const figure = useMemo(() => varianceFigure(series, rows, metric, truncations, floor), [series, rows, metric, truncations, floor]);
  const slopes = useMemo(() => {
    const by = rowsByEstimator(rows);
    return [...by.entries()].map(([id, list]) => ({ id, slope: logLogSlope(list, 'totalVariance'), errorSlope: logLogSlope(list, 'normalizedError') }));
  }, [rows]);
  const available = setup.truncations.length >= 2;
  const running = variance.status === 'running';
  const slopeAttrs: Record<string, string> = {};
  for (const s of slopes) slopeAttrs[`slope-${s.id}`] = String(s.slope);

  return (
    <section className="panel variance" aria-labelledby="variance-title" data-testid="variance-panel" data-status={variance.status}>
      <header className="panel-header">
        <h2 id="variance-title">Variance against the number of truncations</h2>
        <div className="panel-tools">
          <div className="segmented" role="radiogroup" aria-label="Protocol">
            {PROTOCOLS.map((p) => (
              <button
                key={p.value}
                type="button"
                role="radio"
                aria-checked={protocol === p.value}
                className={protocol === p.value ? 'active' : ''}
                title={p.help}
                data-testid={`variance-protocol-${p.value}`}
                onClick={() => controller.configStore.getState().patchView({ varianceProtocol: p.value })}
              >
                {p.label}
              </button>
            ))}
          </div>
          <label>
            show{' '}
            <select value={metric} onChange={(e) => setMetric(e.target.value as VarianceMetric)} data-testid="variance-metric">
              <option value="totalVariance">total variance</option>
              <option value="normalizedError">normalized error</option>
            </select>
          </label>
        </div>
      </header>
      {available ? (
        <>
          <p className="panel-note">
            θ fixed at θ₀{setup.theta.length <= 8 ? <> = ({setup.theta.map((v) => fmt(v, 3)).join(', ')})</> : <> (all {setup.theta.length} parameters)</>}; for every J ∈ {'{'}
            {setup.truncations.join(', ')}
            {'}'} (K = T/J, T = {setup.T}) each estimator gives {repeats} independent estimates with N = {applied.pairs} pairs under the <em>{protocol === 'update' ? 'per-update' : 'per-episode'}</em> protocol
            {setup.skipped.length > 0 ? <> · {setup.skipped.map((id) => estimatorInfo(id).title).join(', ')} skipped (deterministic: zero variance)</> : null}.
          </p>
          <div className="variance-actions">
            <label>
              repeats{' '}
              <select value={repeats} onChange={(e) => setRepeats(Number(e.target.value))} disabled={running} data-testid="variance-repeats">
                {REPEAT_CHOICES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            {running ? (
              <button type="button" className="button" data-testid="variance-cancel" onClick={() => controller.cancelVariance()}>
                Cancel
              </button>
            ) : (
              <button type="button" className="button primary" data-testid="variance-measure" disabled={setup.estimators.length === 0} onClick={() => controller.measureVariance(repeats)}>
                Measure
              </button>
            )}
            {running ? <progress max={1} value={variance.progress} data-testid="variance-progress" aria-label="variance measurement progress" /> : null}
            <span className="muted" role="status">
              {running ? `measuring… ${Math.round(variance.progress * 100)} %` : variance.status === 'cancelled' ? 'cancelled' : variance.status === 'error' ? `failed: ${variance.error}` : ''}
            </span>
          </div>
        </>
      ) : (
        <p className="panel-note" data-testid="variance-unavailable">
          {Number.isFinite(setup.T)
            ? `This task's episode has T = ${setup.T} step${setup.T === 1 ? '' : 's'}: there is nothing to cut into truncations.`
            : 'This task never resets (T = ∞): the number of truncations per episode is undefined, so the figure needs a task with a finite T.'}
        </p>
      )}
      {available ? (
        <Plot
          figure={figure}
          testId="plot-variance"
          className={rows.length ? '' : 'empty'}
          label={`${METRIC_TITLES[metric]} against the number of truncations, log-log`}
          data={{ status: variance.status, rows: JSON.stringify(rows.map((r) => ({ e: r.estimator, J: r.J, v: r.totalVariance, err: r.normalizedError }))), ...slopeAttrs }}
        />
      ) : null}
      {slopes.length > 0 ? (
        <table className="slopes" data-testid="variance-slopes">
          <caption>
            Growth with J (least-squares slope on log-log axes; 0 = flat, 1 = ∝ J) · reference gradient:{' '}
            {result?.referenceKind === 'exact'
              ? 'exact (closed form)'
              : `full-unroll ES with ${result?.referencePairs ?? '?'} pairs, whose own error E‖g_ref − g‖²/‖g_ref‖² ≈ ${fmt(floor, 2)} is subtracted from every normalized error (dotted line)`}
          </caption>
          <thead>
            <tr>
              <th>estimator</th>
              <th>variance slope</th>
              <th>error slope</th>
            </tr>
          </thead>
          <tbody>
            {slopes.map((s) => (
              <tr key={s.id} data-testid={`variance-slope-${s.id}`} data-slope={s.slope}>
                <td>
                  <span className="swatch" style={{ background: ESTIMATOR_COLORS[s.id] }} aria-hidden="true" /> {estimatorInfo(s.id).title}
                </td>
                <td>{fmt(s.slope, 2)}</td>
                <td>{fmt(s.errorSlope, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
