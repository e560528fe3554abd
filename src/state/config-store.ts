/**
 * The shareable configuration: what the controls show, what a preset sets and what a
 * permalink carries. Kept apart from the fast-changing simulation state (sim-store.ts).
 *
 * Two configs: `config` is what the user has set; `applied` is what the running session
 * was built from. Fields in RESET_FIELDS (task, estimators, N, T, K, …) only reach the
 * engine on reset, so while they differ the UI shows "changes apply on reset". σ, the
 * learning rate, the stop condition and the view apply live.
 */
// Task defaults come from the task factories, which need a tfjs backend on this thread.
import '../platform/metadata-backend';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EstimatorId, TaskId } from '../core/config';
import { ESTIMATOR_IDS } from '../core/estimators/index';
import { defaultPlaygroundConfig, LIMITS, needsReset, type PlaygroundConfig, type ViewOptions } from '../core/playground-config';
import { type Preset, presetById } from '../content/presets';
import type { LinkContext } from '../permalink/types';

export interface ConfigState {
  config: PlaygroundConfig;
  applied: PlaygroundConfig;
  /** The preset the config came from (its commentary is shown), null once the task changes. */
  presetId: string | null;
  /** Shown as a lesson: only the controls the preset needs, the commentary first (a lesson link). */
  lesson: boolean;

  /** Switches task with that task's defaults, keeping estimators, seed, workers and view. */
  setTask(task: TaskId): void;
  patch(patch: Partial<PlaygroundConfig>): void;
  patchView(patch: Partial<ViewOptions>): void;
  toggleEstimator(id: EstimatorId): void;
  loadPreset(id: string): void;
  /** Replaces the whole config (a decoded permalink); `applied` follows on the next reset. */
  replace(config: PlaygroundConfig, presetId?: string | null, lesson?: boolean): void;
  /** Leaves (or enters, with a preset) the lesson view. */
  setLesson(lesson: boolean): void;
  reseed(random?: () => number): void;
  /** The engine was reset with the current config. */
  markApplied(): void;
}

/** The config a task switch produces. */
export function configForTask(previous: PlaygroundConfig, task: TaskId): PlaygroundConfig {
  const fresh = defaultPlaygroundConfig(task);
  const neverResets = !Number.isFinite(fresh.T);
  return {
    ...fresh,
    estimators: previous.estimators.length > 0 ? [...previous.estimators] : fresh.estimators,
    seed: previous.seed,
    workers: previous.workers,
    burnIn: previous.burnIn,
    rankShaping: previous.rankShaping,
    // With T = ∞ no particle ever starts a new episode: σ changes must rescale.
    sigmaChange: neverResets ? 'rescale' : previous.sigmaChange,
    view: { ...previous.view },
  };
}

/** Keeps the registry order, so colours and legends are stable however they were ticked. */
export function toggledEstimators(current: readonly EstimatorId[], id: EstimatorId): EstimatorId[] {
  const set = new Set(current);
  if (set.has(id)) set.delete(id);
  else if (set.size < LIMITS.estimators.max) set.add(id);
  return ESTIMATOR_IDS.filter((e) => set.has(e));
}

/** A fresh 32-bit seed. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * 2 ** 32) >>> 0;
}

export function initialConfig(): PlaygroundConfig {
  return defaultPlaygroundConfig();
}

export function createConfigStore(initial: PlaygroundConfig = initialConfig(), presetId: string | null = null, lesson = false): StoreApi<ConfigState> {
  return createStore<ConfigState>()((set, get) => ({
    config: initial,
    applied: initial,
    presetId,
    lesson: lesson && presetId !== null,
    setTask: (task) => set({ config: configForTask(get().config, task), presetId: null, lesson: false }),
    patch: (patch) => set({ config: { ...get().config, ...patch } }),
    patchView: (patch) => set({ config: { ...get().config, view: { ...get().config.view, ...patch } } }),
    toggleEstimator: (id) => set({ config: { ...get().config, estimators: toggledEstimators(get().config.estimators, id) } }),
    loadPreset: (id) => {
      const preset = presetById(id);
      if (!preset) return;
      // Restoring the lesson's own preset stays in the lesson; another preset leaves it.
      set({ config: structuredClone(preset.config), presetId: preset.id, lesson: get().lesson && get().presetId === preset.id });
    },
    replace: (config, nextPreset = null, nextLesson = false) => set({ config, presetId: nextPreset, lesson: nextLesson && nextPreset !== null }),
    setLesson: (on) => set({ lesson: on && get().presetId !== null }),
    reseed: (random) => set({ config: { ...get().config, seed: randomSeed(random) } }),
    markApplied: () => set({ applied: get().config }),
  }));
}

/** What the link says beside the config: the preset the page shows, and the lesson view. */
export function contextOf(state: Pick<ConfigState, 'presetId' | 'lesson'>): LinkContext | undefined {
  if (state.presetId === null) return undefined;
  return state.lesson ? { preset: state.presetId, lesson: true } : { preset: state.presetId };
}

/** The preset (known to this version) and lesson flag a link asks for, and a warning when it names an unknown preset. */
export function presetOfLink(context: LinkContext | undefined): { presetId: string | null; lesson: boolean; warning: string | null } {
  if (context?.preset === undefined) return { presetId: null, lesson: false, warning: null };
  const preset = presetById(context.preset);
  if (!preset) {
    return { presetId: null, lesson: false, warning: `The link names the preset "${context.preset}", which this version does not have: its settings are shown without the preset's commentary.` };
  }
  return { presetId: preset.id, lesson: context.lesson === true, warning: null };
}

/**
 * The names of the settings (not the view) in which `config` departs from the preset's own:
 * empty while the page shows the preset as it is, so its commentary describes the run.
 */
export function presetChanges(config: PlaygroundConfig, preset: Preset): string[] {
  const own = preset.config;
  const keys = (Object.keys(own) as (keyof PlaygroundConfig)[]).filter((k) => k !== 'view');
  return keys.filter((k) => !sameValue(config[k], own[k]));
}

/** Structural equality of plain config values, whatever the key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether the current config differs from the running one in a field that needs a reset. */
export function pendingReset(state: Pick<ConfigState, 'config' | 'applied'>): boolean {
  return needsReset(state.applied, state.config);
}
