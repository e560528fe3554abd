import { describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig } from '../core/playground-config';
import { configForTask, contextOf, createConfigStore, pendingReset, presetChanges, presetOfLink, randomSeed, toggledEstimators } from './config-store';
import { PRESETS, presetById } from '../content/presets';
import { lessonSections, presetsWithLessons } from '../content/lessons';

describe('config store', () => {
  it('starts applied, with nothing pending', () => {
    const store = createConfigStore();
    expect(store.getState().config).toBe(store.getState().applied);
    expect(pendingReset(store.getState())).toBe(false);
  });

  it('live fields do not need a reset; population fields do', () => {
    const store = createConfigStore();
    store.getState().patch({ lr: 0.5, sigma: { kind: 'constant', sigma0: 1 } });
    store.getState().patchView({ speed: 10 });
    expect(pendingReset(store.getState())).toBe(false);
    store.getState().patch({ K: 20 });
    expect(pendingReset(store.getState())).toBe(true);
    store.getState().markApplied();
    expect(pendingReset(store.getState())).toBe(false);
  });

  it('switching task loads its defaults but keeps estimators, seed and view', () => {
    const prev = { ...defaultPlaygroundConfig('lr-schedule'), seed: 99, estimators: ['pes' as const], view: { ...defaultPlaygroundConfig().view, speed: 7 } };
    const next = configForTask(prev, 'lorenz');
    expect(next.task).toBe('lorenz');
    expect(next.T).toBe(2000);
    expect(next.K).toBe(100);
    expect(next.seed).toBe(99);
    expect(next.estimators).toEqual(['pes']);
    expect(next.view.speed).toBe(7);
  });

  it('a task that never resets gets the rescale σ policy', () => {
    expect(configForTask(defaultPlaygroundConfig(), 'influence-balancing').sigmaChange).toBe('rescale');
  });

  it('toggles estimators in registry order', () => {
    expect(toggledEstimators(['nres', 'tes'], 'pes')).toEqual(['tes', 'pes', 'nres']);
    expect(toggledEstimators(['tes', 'pes'], 'tes')).toEqual(['pes']);
  });

  it('loads presets by id and remembers which', () => {
    const store = createConfigStore();
    store.getState().loadPreset('evostrats-rastrigin');
    expect(store.getState().config.task).toBe('rastrigin');
    expect(store.getState().presetId).toBe('evostrats-rastrigin');
    store.getState().setTask('lorenz');
    expect(store.getState().presetId).toBeNull();
  });

  it('reseeds with a 32-bit seed', () => {
    const store = createConfigStore();
    store.getState().reseed(() => 0.5);
    expect(store.getState().config.seed).toBe(2 ** 31);
    expect(randomSeed(() => 0.999999999999)).toBeLessThan(2 ** 32);
  });
});

describe('the preset a config came from', () => {
  const preset = presetById('pes-lr-schedule')!;

  it('is unmodified as loaded, and names each setting changed since (not the view)', () => {
    const store = createConfigStore();
    store.getState().loadPreset(preset.id);
    expect(presetChanges(store.getState().config, preset)).toEqual([]);
    store.getState().patchView({ speed: 3 });
    expect(presetChanges(store.getState().config, preset)).toEqual([]);
    store.getState().patch({ sigma: { kind: 'constant', sigma0: 0.05 }, pairs: 7 });
    expect(presetChanges(store.getState().config, preset)).toEqual(['pairs', 'sigma']);
    // Still the preset's page (its commentary says "modified"), until the task changes.
    expect(store.getState().presetId).toBe(preset.id);
    store.getState().setTask('lorenz');
    expect(store.getState().presetId).toBeNull();
  });

  it('a link restores a known preset and its lesson view; an unknown one is named in a warning', () => {
    expect(presetOfLink({ preset: preset.id, lesson: true })).toEqual({ presetId: preset.id, lesson: true, warning: null });
    expect(presetOfLink(undefined)).toEqual({ presetId: null, lesson: false, warning: null });
    const unknown = presetOfLink({ preset: 'no-such-preset', lesson: true });
    expect(unknown.presetId).toBeNull();
    expect(unknown.lesson).toBe(false);
    expect(unknown.warning).toMatch(/"no-such-preset", which this version does not have/);
  });

  it('the lesson view needs a preset; restoring the lesson preset keeps it, another preset leaves it', () => {
    const store = createConfigStore(preset.config, preset.id, true);
    expect(contextOf(store.getState())).toEqual({ preset: preset.id, lesson: true });
    store.getState().patch({ lr: 0.5 });
    store.getState().loadPreset(preset.id);
    expect(store.getState().lesson).toBe(true);
    store.getState().loadPreset('nres-lorenz');
    expect(store.getState().lesson).toBe(false);
    expect(contextOf(store.getState())).toEqual({ preset: 'nres-lorenz' });
    expect(createConfigStore(preset.config, null, true).getState().lesson).toBe(false);
  });

  it('every preset has a lesson, and every lesson a preset', () => {
    expect(presetsWithLessons().sort()).toEqual(PRESETS.map((p) => p.id).sort());
    for (const p of PRESETS) expect(lessonSections(p.id)).toContain('estimators');
  });
});
