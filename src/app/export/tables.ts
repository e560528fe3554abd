/**
 * What the Export menu writes, as plain data from the stores: the experiment file (the
 * permalink codec's JSON format with the curves under "data") and one CSV table per plot.
 * Pure functions; the downloads themselves are in files.ts.
 */
import type { CsvCell } from '../../cli/csv';
import { toCsv } from '../../cli/csv';
import type { EstimatorId } from '../../core/config';
import type { PlaygroundConfig } from '../../core/playground-config';
import { exportConfigJson, type PinnedPoint } from '../../permalink/index';
import type { SimState } from '../../state/sim-store';

/** The plots the page draws, by the test id of their element. */
export type PlotId = 'loss' | 'schedule' | 'diagnostics' | 'surface-raw' | 'surface-smoothed' | 'landscape-1d' | 'variance';

export interface PlotExport {
  id: PlotId;
  /** data-testid of the plot's element (its PNG is drawn from there). */
  testId: string;
  title: string;
  /** The plot's data as CSV, or null when it has none yet. */
  csv: string | null;
}

export type ExportSim = Pick<SimState, 'iteration' | 'estimators' | 'curves' | 'schedule' | 'diagnostics' | 'surface' | 'variance' | 'engine'> & Partial<Pick<SimState, 'metric' | 'plan'>>;

/** CSV column name of a task's metric, e.g. 'test_accuracy_pct'. */
export function metricColumn(metric: { name: string; unit?: string }): string {
  const unit = metric.unit === '%' ? 'pct' : (metric.unit ?? '');
  return [metric.name, unit].filter((part) => part !== '').join('_').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
}

/** File name stem: es-playground-<task>-it<k>. */
export function fileStem(config: PlaygroundConfig, iteration: number): string {
  return `es-playground-${config.task}-it${iteration}`;
}

function byEstimator<P>(series: Partial<Record<EstimatorId, P[]>>, order: readonly EstimatorId[]): [EstimatorId, P[]][] {
  const ids = [...order.filter((id) => series[id]), ...(Object.keys(series) as EstimatorId[]).filter((id) => !order.includes(id))];
  return ids.map((id) => [id, series[id] ?? []]);
}

function table(header: string[], rows: CsvCell[][]): string | null {
  return rows.length === 0 ? null : toCsv(header, rows);
}

function surfaceCsv(x: readonly number[], y: readonly number[] | null, values: readonly number[] | null | undefined, name: string): string | null {
  if (!values || values.length === 0 || x.length === 0) return null;
  if (y === null) return table(['theta', name], x.map((xi, i) => [xi, values[i]]));
  const rows: CsvCell[][] = [];
  // Row-major: value[iy * nx + ix].
  y.forEach((yi, iy) => x.forEach((xi, ix) => rows.push([xi, yi, values[iy * x.length + ix]])));
  return table(['theta0', 'theta1', name], rows);
}

/** One entry per plot the page can show for this state, with its CSV. */
export function plotExports(config: PlaygroundConfig, sim: ExportSim): PlotExport[] {
  const order = config.estimators;
  // A task with a metric (MNIST's test accuracy) gets it as one more column of the loss table.
  const metric = sim.metric ?? null;
  const loss: CsvCell[][] = [];
  for (const [id, points] of byEstimator(sim.curves, order)) {
    for (const p of points) loss.push(metric ? [id, p.iteration, p.innerSteps, p.wallMs, p.loss, p.metric ?? null] : [id, p.iteration, p.innerSteps, p.wallMs, p.loss]);
  }
  const diagnostics: CsvCell[][] = [];
  for (const [id, points] of byEstimator(sim.diagnostics.series, order)) for (const p of points) diagnostics.push([id, p.iteration, p.cosine, p.normRatio]);
  const s = sim.surface;
  const oneD = s.y === null;
  const smoothedName = s.smoothed ? `smoothed_loss_sigma_${s.smoothed.sigma}` : 'smoothed_loss';
  const variance = sim.variance.result?.rows ?? [];
  const out: PlotExport[] = [
    {
      id: 'loss',
      testId: 'plot-loss',
      title: 'Evaluation loss',
      csv: table(['estimator', 'iteration', 'inner_steps', 'wall_ms', 'eval_loss', ...(metric ? [metricColumn(metric)] : [])], loss),
    },
    {
      id: 'schedule',
      testId: 'plot-schedule',
      title: 'σ and learning rate',
      csv: table(['iteration', 'sigma', 'lr'], sim.schedule.map((p) => [p.iteration, p.sigma, p.lr])),
    },
    {
      id: 'diagnostics',
      testId: 'plot-diagnostics',
      title: 'Gradient quality',
      csv: table(['estimator', 'iteration', 'cosine', 'norm_ratio'], diagnostics),
    },
  ];
  if (oneD) {
    const rows: CsvCell[][] = s.raw ? s.x.map((xi, i) => [xi, s.raw?.[i], s.smoothed?.values[i]]) : [];
    out.push({ id: 'landscape-1d', testId: 'plot-landscape-1d', title: 'Loss landscape', csv: table(['theta', 'raw_loss', smoothedName], rows) });
  } else {
    out.push({ id: 'surface-raw', testId: 'plot-surface-raw', title: 'Raw loss surface', csv: surfaceCsv(s.x, s.y, s.raw, 'raw_loss') });
    out.push({ id: 'surface-smoothed', testId: 'plot-surface-smoothed', title: 'Smoothed loss surface', csv: surfaceCsv(s.x, s.y, s.smoothed?.values, smoothedName) });
  }
  out.push({
    id: 'variance',
    testId: 'plot-variance',
    title: 'Variance against J',
    csv: table(
      ['estimator', 'J', 'K', 'total_variance', 'normalized_error', 'ci_low', 'ci_high'],
      variance.map((r) => [r.estimator, r.J, r.K, r.totalVariance, r.normalizedError, r.ciLow, r.ciHigh]),
    ),
  });
  return out;
}

/**
 * The experiment file: the configuration (and the iteration it was at, so an import
 * reopens the run there) in the permalink codec's JSON format, with the curves under
 * "data" for the reader (an import ignores them and recomputes).
 */
export function experimentJson(config: PlaygroundConfig, pin: PinnedPoint | undefined, sim: ExportSim): string {
  const data = {
    backend: sim.engine.backend?.label ?? null,
    // Where each estimator ran and how fast each path measured (the numbers depend on it in the last bits).
    computePaths: sim.plan ?? null,
    iteration: sim.iteration,
    estimators: sim.estimators.map((e) => ({ id: e.id, theta: e.theta, evalLoss: e.evalLoss, innerSteps: e.innerSteps, diverged: e.diverged })),
    curves: sim.curves,
    schedule: sim.schedule,
    diagnostics: sim.diagnostics,
    variance: sim.variance.result ? { rows: sim.variance.result.rows.map(({ mean: _mean, ...r }) => r), reference: sim.variance.result.reference, T: sim.variance.result.T } : null,
  };
  return exportConfigJson(config, pin, data);
}
