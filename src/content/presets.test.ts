import { describe, expect, it } from 'vitest';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { LIMITS } from '../core/playground-config';
import { SIGMA_SCHEDULE_KINDS } from '../core/sigma-schedule';
import { TASK_IDS } from '../core/tasks/index';
import { decodePermalink, encodePermalink } from '../permalink/index';
import { configIssues, truncationChoices } from '../state/validation';
import { PRESETS, presetById } from './presets';

describe('presets', () => {
  it('has the stories of the briefs, with unique ids', () => {
    expect(PRESETS.map((p) => p.title)).toEqual([
      'PES paper — influence balancing',
      'PES paper — learning-rate schedule surface',
      'NRES paper — Lorenz',
      'ES-Single — variance against truncations',
      'evostrats — Rastrigin smoothing and σ annealing',
      'ES-Single / PES — MLP hyper-parameters',
      'PES / ES-Single — training an RNN',
      'NRES paper — learned optimizer',
      'evostrats — MNIST by ES',
    ]);
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(presetById('nres-lorenz')?.config.task).toBe('lorenz');
  });

  it("the PES lr-schedule preset uses the paper code's outer Adam (β₁ = 0.99, β₂ = 0.999)", () => {
    expect(presetById('pes-lr-schedule')?.config).toMatchObject({ optimizer: 'adam', adam: { beta1: 0.99, beta2: 0.999 } });
    expect(encodePermalink(presetById('pes-lr-schedule')!.config)).toContain('&adam=0.99,0.999&');
  });

  it('ES-Single opens its variance figure relative to J = 1 over J = 1 … 100, measuring PES and NRES', () => {
    const preset = presetById('es-single-variance')!;
    expect(preset.varianceView).toMatchObject({ relative: true, logY: true, repeats: 32 });
    expect(preset.config.estimators).toEqual(['pes', 'nres']);
    expect(truncationChoices(preset.config.T)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });

  for (const preset of PRESETS) {
    it(`${preset.id} is a valid config within LIMITS`, () => {
      const c = preset.config;
      expect(configIssues(c)).toEqual([]);
      expect(TASK_IDS).toContain(c.task);
      for (const e of c.estimators) expect(ESTIMATOR_IDS).toContain(e);
      expect(c.pairs).toBeGreaterThanOrEqual(LIMITS.pairs.min);
      expect(c.pairs).toBeLessThanOrEqual(LIMITS.pairs.max);
      if (Number.isFinite(c.T)) {
        expect(c.T).toBeLessThanOrEqual(LIMITS.T.max);
        expect(c.T % c.K).toBe(0);
      }
      expect(c.K).toBeLessThanOrEqual(LIMITS.K.max);
      expect(SIGMA_SCHEDULE_KINDS).toContain(c.sigma.kind);
      expect(c.sigma.sigma0).toBeGreaterThanOrEqual(LIMITS.sigma.min);
      expect(c.sigma.sigma0).toBeLessThanOrEqual(LIMITS.sigma.max);
      expect(c.lr).toBeGreaterThanOrEqual(LIMITS.lr.min);
      expect(c.lr).toBeLessThanOrEqual(LIMITS.lr.max);
      expect(c.seed).toBeGreaterThanOrEqual(LIMITS.seed.min);
      expect(c.view.speed).toBeGreaterThanOrEqual(LIMITS.speed.min);
      expect(c.view.speed).toBeLessThanOrEqual(LIMITS.speed.max);
      if (c.stop.kind === 'iterations') expect(c.stop.value).toBeLessThanOrEqual(LIMITS.iterations.max);
      expect(preset.commentary.length).toBeGreaterThanOrEqual(2);
      // A config is plain data: it survives a structured clone (postMessage) unchanged.
      expect(structuredClone(c)).toEqual(c);
    });
  }

  it('every preset survives a permalink round trip unchanged (the larger tasks included)', () => {
    for (const preset of PRESETS) {
      const r = decodePermalink(`#${encodePermalink(preset.config)}`);
      expect(r.ok, preset.id).toBe(true);
      if (r.ok) {
        expect(r.warnings, preset.id).toEqual([]);
        expect(r.config, preset.id).toEqual(preset.config);
      }
    }
    expect(PRESETS.map((p) => p.config.task)).toEqual(expect.arrayContaining(['mlp-hpo', 'rnn', 'learned-optimizer']));
  });

  it('says where it departs from the paper for speed', () => {
    expect(presetById('pes-influence-balancing')!.commentary.join(' ')).toMatch(/500.*100/);
    expect(presetById('nres-lorenz')!.commentary.join(' ')).toMatch(/200/);
  });
});
