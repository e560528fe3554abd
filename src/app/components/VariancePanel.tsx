import { useMemo, useState } from 'react';
import { estimatorInfo } from '../../core/estimators/index';
import type { ViewOptions } from '../../core/playground-config';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { varianceSetupOf } from '../../state/controller';
import { useConfig, useController, useSim } from '../context';
import { fmt } from '../figures/common';
import type { SeriesStyle } from '../figures/curves';
import { presetById } from '../../content/presets';
import { DEFAULT_VARIANCE_VIEW, growthFactor, logLogSlope, METRIC_TITLES, referenceFloor, rowsByEstimator, type VarianceMetric, varianceFigure, type VarianceView } from '../figures/variance';
import { Plot } from './Plot';

const REPEAT_CHOICES = [16, 32, 64, 128];
const DEFAULT_REPEATS = 64;

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
  // The figure's view and repeats open as the preset asks (ES-Single's: relative to J = 1) and reset when the preset changes.
  const presetId = useConfig((s) => s.presetId);
  const presetView = (id: string | null) => (id ? presetById(id)?.varianceView : undefined);
  const viewFor = (id: string | null): VarianceView => {
    const { repeats: _repeats, ...shown } = presetView(id) ?? {};
    return { ...DEFAULT_VARIANCE_VIEW, ...shown };
  };
  const [repeats, setRepeats] = useState(() => presetView(presetId)?.repeats ?? DEFAULT_REPEATS);
  const [view, setView] = useState<VarianceView>(() => viewFor(presetId));
  const [viewPreset, setViewPreset] = useState(presetId);
  if (viewPreset !== presetId) {
    setViewPreset(presetId);
    setView(viewFor(presetId));
    setRepeats(presetView(presetId)?.repeats ?? DEFAULT_REPEATS);
  }
  const patchView = (patch: Partial<VarianceView>) => setView((v) => ({ ...v, ...patch }));
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
  const figure = useMemo(() => varianceFigure(series, rows, metric, truncations, floor, view), [series, rows, metric, truncations, floor, view]);
  const slopes = useMemo(() => {
    const by = rowsByEstimator(rows);
    return [...by.entries()].map(([id, list]) => ({ id, slope: logLogSlope(list, 'totalVariance'), errorSlope: logLogSlope(list, 'normalizedError'), growth: growthFactor(list) }));
  }, [rows]);
  const largestJ = Math.max(1, ...rows.map((r) => r.J));
  const relativeShown = view.relative && metric === 'totalVariance';
  const hasTes = series.some((s) => s.id === 'tes');
  const available = setup.truncations.length >= 2;
  const running = variance.status === 'running';
  const slopeAttrs: Record<string, string> = {};
  for (const s of slopes) {
    slopeAttrs[`slope-${s.id}`] = String(s.slope);
    slopeAttrs[`growth-${s.id}`] = String(s.growth);
  }

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
          <label title="Divide each estimator's total variance by its own value at J = 1 (full-unroll ES), so growth with J reads directly">
            <input type="checkbox" checked={view.relative} disabled={metric !== 'totalVariance'} onChange={(e) => patchView({ relative: e.target.checked })} data-testid="variance-relative" /> relative to J = 1
          </label>
          <label title="Logarithmic y-axis (off: linear)">
            <input type="checkbox" checked={view.logY} onChange={(e) => patchView({ logY: e.target.checked })} data-testid="variance-logy" /> log y
          </label>
          {hasTes ? (
            <label title="Leave truncated ES out of the plot: where its variance falls far below the others' as the windows shorten (the linear-quadratic task), it sets the axis range">
              <input
                type="checkbox"
                checked={view.hidden.includes('tes')}
                onChange={(e) => patchView({ hidden: e.target.checked ? [...view.hidden, 'tes'] : view.hidden.filter((id) => id !== 'tes') })}
                data-testid="variance-hide-tes"
              />{' '}
              hide TES
            </label>
          ) : null}
        </div>
      </header>
      {available ? (
        <>
          <p className="panel-note">
            θ fixed at θ₀{setup.theta.length <= 8 ? <> = ({setup.theta.map((v) => fmt(v, 3)).join(', ')})</> : <> (all {setup.theta.length} parameters)</>}; for every J ∈ {'{'}
            {setup.truncations.join(', ')}
            {'}'} (K = T/J, T = {setup.T}) each estimator gives {repeats} independent estimates with N = {applied.pairs} pairs under the <em>{protocol === 'update' ? 'per-update' : 'per-episode'}</em> protocol
            {setup.skipped.length > 0 ? <> · {setup.skipped.map((id) => estimatorInfo(id).title).join(', ')} skipped (deterministic: zero variance)</> : null}.
            {relativeShown ? (
              <>
                {' '}
                Shown relative: each estimator's variance ÷ its own value at J = 1 (where every estimator is full-unroll ES); the bars combine that J's and J = 1's bootstrap 95 % intervals.
              </>
            ) : null}
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
          label={`${relativeShown ? 'total variance relative to J = 1' : METRIC_TITLES[metric]} against the number of truncations, ${view.logY ? 'log-log' : 'log J, linear y'}`}
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
              <th>variance at J = {largestJ} ÷ at J = 1</th>
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
                <td data-testid={`variance-growth-${s.id}`}>{Number.isFinite(s.growth) ? `×${fmt(s.growth, 3)}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
