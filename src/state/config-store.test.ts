import { describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig } from '../core/playground-config';
import { configForTask, createConfigStore, pendingReset, randomSeed, toggledEstimators } from './config-store';

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
