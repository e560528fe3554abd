import { useMemo, useState } from 'react';
import type { TaskId } from '../../core/config';
import type { ViewOptions } from '../../core/playground-config';
import { estimatorInfo } from '../../core/estimators/index';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { diagnosticsReferenceFor } from '../../engine/diagnostics-reference';
import { taskMeta } from '../../state/task-meta';
import { useConfig, useController, useSim } from '../context';
import { dashFor, diagnosticsFigure, lossFigure, metricFigure, scheduleFigure, type SeriesStyle, sharedXRange, X_TITLES } from '../figures/curves';
import { fmt } from '../figures/common';
import { useHeldValue } from '../usePlotly';
import { HealthPanel } from './HealthPanel';
import { Plot } from './Plot';

const X_MODES: ViewOptions['curvesX'][] = ['iteration', 'innerSteps', 'wallTime'];

/**
 * Tasks whose loss curves are noisy enough that the smoothed view is on when they open (a
 * learned optimizer's meta-loss jumps by its whole range from one update to the next); the
 * toggle shows everywhere. Exports and the CSV keep the raw values.
 */
const SMOOTHED_BY_DEFAULT: readonly TaskId[] = ['learned-optimizer', 'mnist'];

export function CurvesPanel() {
  const controller = useController();
  const curvesX = useConfig((s) => s.config.view.curvesX);
  const logY = useConfig((s) => s.config.view.logY);
  const stop = useConfig((s) => s.config.stop);
  const applied = useConfig((s) => s.applied);
  const live = useSim((s) => s.estimators);
  // While σ is dragged (and the landscape refines its surface, within a cap) these plots
  // keep their figures: the landscape's Monte-Carlo update gets the main thread first.
  const landscapeBusy = useSim((s) => s.surface.refining || s.surface.smoothed?.source === 'blur');
  const plan = useHeldValue(useConfig((s) => s.config.sigma), landscapeBusy);
  const curves = useHeldValue(useSim((s) => s.curves), landscapeBusy);
  const schedule = useHeldValue(useSim((s) => s.schedule), landscapeBusy);
  const diagnostics = useHeldValue(useSim((s) => s.diagnostics), landscapeBusy);
  const iteration = useSim((s) => s.iteration);
  const metricInfo = useSim((s) => s.metric ?? null);

  // Keyed on which estimators diverged, not on every frame's estimator array (a σ change
  // brings a frame): the figures, and their plots, are rebuilt only when the curves change.
  const divergedKey = useSim((s) => s.estimators.filter((e) => e.diverged).map((e) => e.id).join(','));
  const series: SeriesStyle[] = useMemo(() => {
    const diverged = new Set(divergedKey.split(','));
    return applied.estimators.map((id, i) => ({ id, title: estimatorInfo(id).title, color: ESTIMATOR_COLORS[id], diverged: diverged.has(id), dash: dashFor(i) }));
  }, [applied.estimators, divergedKey]);
  // The smoothed (moving-average) view: the task's default until toggled.
  const [smoothedChoice, setSmoothedChoice] = useState<{ task: TaskId; on: boolean } | null>(null);
  const smoothed = smoothedChoice?.task === applied.task ? smoothedChoice.on : SMOOTHED_BY_DEFAULT.includes(applied.task);

  const horizon = stop.kind === 'iterations' ? stop.value : Math.max(100, Math.ceil(iteration * 1.5));
  // One x-range for the row: the same x at the same place on every plot (σ/lr is against the iteration only).
  const xRange = useMemo(() => sharedXRange(curves, curvesX), [curves, curvesX]);
  const loss = useMemo(() => lossFigure(series, curves, curvesX, logY, { xRange, smoothed }), [series, curves, curvesX, logY, xRange, smoothed]);
  const sched = useMemo(() => scheduleFigure(schedule, plan, horizon, curvesX === 'iteration' ? xRange : undefined), [schedule, plan, horizon, curvesX, xRange]);
  const metric = useMemo(() => (metricInfo ? metricFigure(series, curves, curvesX, metricInfo, { xRange, smoothed }) : null), [series, curves, curvesX, metricInfo, xRange, smoothed]);
  const diag = useMemo(() => diagnosticsFigure(series, diagnostics.series, curves, curvesX, xRange), [series, diagnostics.series, curves, curvesX, xRange]);
  const metricLabel = metricInfo ? `${metricInfo.name}${metricInfo.unit ? ` (${metricInfo.unit})` : ''}` : '';
  const latestMetric = metricInfo
    ? live
        .filter((e) => e.metric !== undefined)
        .map((e) => `${estimatorInfo(e.id).title} ${Number.isFinite(e.metric) ? `${fmt(e.metric ?? Number.NaN)}${metricInfo.unit ?? ''}` : '—'}`)
        .join(', ')
    : '';
  const diagCount = Object.values(diagnostics.series).reduce((n, s) => n + (s?.length ?? 0), 0);
  const referenceText =
    (diagnostics.reference ?? diagnosticsReferenceFor(applied.task)) === 'es'
      ? 'against a large-population full-unroll ES estimate of ∇L_σ (on a chaotic or rough loss the exact gradient is not what ES follows)'
      : 'against the exact gradient ∇L (backpropagation through the whole episode)';

  return (
    <section className="panel curves" aria-labelledby="curves-title" data-testid="curves-panel">
      <header className="panel-header">
        <h2 id="curves-title">Training</h2>
        <div className="panel-tools">
          <label>
            x-axis{' '}
            <select value={curvesX} data-testid="curves-x" onChange={(e) => controller.configStore.getState().patchView({ curvesX: e.target.value as ViewOptions['curvesX'] })}>
              {X_MODES.map((m) => (
                <option key={m} value={m}>
                  {X_TITLES[m]}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox inline">
            <input type="checkbox" checked={logY} data-testid="log-y" onChange={(e) => controller.configStore.getState().patchView({ logY: e.target.checked })} /> log y
          </label>
          <label className="checkbox inline" title="An exponential moving average of each curve (about 1/40 of the x-range), the raw curve faint behind it. Exports and the CSV keep the raw values.">
            <input type="checkbox" checked={smoothed} data-testid="curves-smoothed" onChange={(e) => setSmoothedChoice({ task: applied.task, on: e.target.checked })} /> smoothed
          </label>
        </div>
      </header>
      <div className="curves-grid">
        <figure className="curve-main">
          <figcaption title={live.length > 0 ? `latest: ${live.map((e) => `${estimatorInfo(e.id).title} ${fmt(e.evalLoss)}`).join(', ')}` : undefined}>
            Evaluation loss L(θ) at each estimator&apos;s θ{smoothed ? ' (smoothed)' : ''}
          </figcaption>
          <Plot figure={loss} testId="plot-loss" label="Evaluation loss against training progress, one line per estimator" />
        </figure>
        {metric && metricInfo && (
          <figure>
            <figcaption title={latestMetric ? `latest: ${latestMetric}` : undefined}>
              {metricLabel.charAt(0).toUpperCase() + metricLabel.slice(1)} at each estimator&apos;s θ
              {latestMetric && (
                <>
                  {': '}
                  <span data-testid="metric-latest" data-values={JSON.stringify(live.map((e) => (Number.isFinite(e.metric) ? e.metric : null)))}>
                    {latestMetric}
                  </span>
                </>
              )}
            </figcaption>
            <Plot figure={metric} testId="plot-metric" label={`${metricLabel} against training progress, one line per estimator`} />
          </figure>
        )}
        <figure>
          <figcaption title={referenceText}>Gradient quality: cos ∠(ĝ, g_ref) and ‖ĝ‖ / ‖g_ref‖ (per truncation of a summed loss: ‖J·ĝ‖ / ‖g_ref‖)</figcaption>
          <Plot figure={diag} testId="plot-diagnostics" label="Cosine similarity and norm ratio of each estimate to the reference gradient" data={{ points: diagCount }} />
        </figure>
        <figure>
          <figcaption>σ and learning rate; dashed: σ planned by the schedule</figcaption>
          <Plot figure={sched} testId="plot-schedule" label="σ and learning rate over outer iterations" />
        </figure>
      </div>
      <HealthPanel />
      <p className="panel-note diagnostics-note" data-testid="diagnostics-reference">
        Gradient quality is measured every ~20 updates while running (every ~5 s of stepping when updates are slow, less often when the reference is expensive), {referenceText}.
        {taskMeta(applied.task).reduction === 'sum'
          ? ` This task's loss sums its steps, so one truncation's estimate is of ∇L/J on average: the norm ratio of the online estimators is taken of J·ĝ (J = T/K = ${fmt(taskMeta(applied.task).evalSteps / applied.K)}), as the variance figure scales them, so 1 on the dotted line means the right size for every estimator.`
          : ' The dotted line at norm ratio 1 is the right size.'}
      </p>
    </section>
  );
}
