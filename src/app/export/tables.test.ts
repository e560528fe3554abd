import { describe, expect, it } from 'vitest';
import '../../platform/metadata-backend';
import { parseCsv } from '../../cli/csv';
import { defaultPlaygroundConfig } from '../../core/playground-config';
import { decodeConfigJson } from '../../permalink/index';
import { emptySurface, emptyVariance, initialSimState } from '../../state/sim-store';
import { experimentJson, fileStem, plotExports, type ExportSim } from './tables';

function sim(): ExportSim {
  const s = initialSimState();
  return {
    ...s,
    iteration: 2,
    curves: {
      pes: [
        { iteration: 1, innerSteps: 10, wallMs: 5, loss: 3 },
        { iteration: 2, innerSteps: 20, wallMs: 9, loss: Number.NaN },
      ],
      tes: [{ iteration: 1, innerSteps: 10, wallMs: 5, loss: 4 }],
    },
    schedule: [{ iteration: 1, sigma: 0.3, lr: 0.01 }],
    surface: { ...emptySurface, task: 'rastrigin', x: [0, 1], y: [5, 6], raw: [1, 2, 3, 4], rawStatus: 'ready', smoothed: { sigma: 0.5, values: [9, 8, 7, 6], source: 'blur', samples: 0 } },
    variance: emptyVariance,
  };
}

describe('export tables', () => {
  const config = defaultPlaygroundConfig('rastrigin');

  it('writes each plot as CSV, in the config’s estimator order, and leaves empty plots out', () => {
    const plots = plotExports({ ...config, estimators: ['tes', 'pes'] }, sim());
    const byId = new Map(plots.map((p) => [p.id, p]));
    const loss = parseCsv(byId.get('loss')?.csv ?? '');
    expect(loss).toEqual([
      ['estimator', 'iteration', 'inner_steps', 'wall_ms', 'eval_loss'],
      ['tes', '1', '10', '5', '4'],
      ['pes', '1', '10', '5', '3'],
      ['pes', '2', '20', '9', 'NaN'],
    ]);
    expect(parseCsv(byId.get('schedule')?.csv ?? '')[1]).toEqual(['1', '0.3', '0.01']);
    expect(byId.get('diagnostics')?.csv).toBeNull();
    expect(byId.get('variance')?.csv).toBeNull();
    // The 2-D surface: one row per grid point, row-major (value[iy * nx + ix]).
    const raw = parseCsv(byId.get('surface-raw')?.csv ?? '');
    expect(raw).toEqual([['theta0', 'theta1', 'raw_loss'], ['0', '5', '1'], ['1', '5', '2'], ['0', '6', '3'], ['1', '6', '4']]);
    expect(parseCsv(byId.get('surface-smoothed')?.csv ?? '')[0]).toEqual(['theta0', 'theta1', 'smoothed_loss_sigma_0.5']);
    expect(byId.has('landscape-1d')).toBe(false);
  });


  it('adds the task metric (MNIST test accuracy) as a column of the loss table', () => {
    const base = sim();
    const withMetric: ExportSim = {
      ...base,
      metric: { name: 'test accuracy', unit: '%', higherIsBetter: true },
      curves: { 'full-es': [{ iteration: 1, innerSteps: 10, wallMs: 5, loss: 2.1, metric: 41.5 }, { iteration: 2, innerSteps: 20, wallMs: 9, loss: 1.9 }] },
    };
    const loss = parseCsv(plotExports({ ...defaultPlaygroundConfig('mnist'), estimators: ['full-es'] }, withMetric).find((p) => p.id === 'loss')?.csv ?? '');
    expect(loss).toEqual([
      ['estimator', 'iteration', 'inner_steps', 'wall_ms', 'eval_loss', 'test_accuracy_pct'],
      ['full-es', '1', '10', '5', '2.1', '41.5'],
      ['full-es', '2', '20', '9', '1.9', ''],
    ]);
  });
  it('a 1-D task has one landscape table with the raw and smoothed loss', () => {
    const s = sim();
    const plots = plotExports(config, { ...s, surface: { ...s.surface, y: null, raw: [1, 2], smoothed: null } });
    const one = plots.find((p) => p.id === 'landscape-1d');
    expect(parseCsv(one?.csv ?? '')).toEqual([['theta', 'raw_loss', 'smoothed_loss'], ['0', '1', ''], ['1', '2', '']]);
  });

  it('the experiment file round-trips through the importer (the curves ride along, ignored)', () => {
    const pin = { iteration: 2, history: [{ before: 1, sigma: { kind: 'constant' as const, sigma0: 0.7 }, lr: 0.02 }] };
    const text = experimentJson(config, pin, sim());
    const parsed = JSON.parse(text) as { data: { curves: { pes: { loss: number | null }[] } } };
    // JSON has no NaN: a diverged loss reads back as null.
    expect(parsed.data.curves.pes[1]?.loss).toBeNull();
    expect(decodeConfigJson(text)).toEqual({ ok: true, config, pin, warnings: [] });
    expect(fileStem(config, 2)).toBe('es-playground-rastrigin-it2');
  });
});
