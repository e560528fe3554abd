import type { EstimatorId, EstimatorSettings, SigmaChangePolicy, TaskId, WorkerMode } from './config';
import type { SessionConfig } from './session';
import { type AdamBetas, DEFAULT_ADAM_BETAS } from './optimizers';
import type { SigmaSchedule } from './sigma-schedule';
import type { OptimizerName } from './task';
import { createTask } from './tasks/index';

/**
 * The whole shareable state of a playground experiment: what a permalink encodes, what a
 * preset sets, what the CLI's --link reads. Plain data, no tensors; heavy simulation
 * state lives in the engine.
 */
export interface PlaygroundConfig {
  task: TaskId;
  /** Estimators compared side by side, each its own population, on common random numbers. */
  estimators: EstimatorId[];
  pairs: number;
  T: number;
  K: number;
  /** GPES resampling period, a multiple of K. */
  R: number;
  workers: WorkerMode;
  burnIn: boolean;
  rankShaping: boolean;
  sigmaChange: SigmaChangePolicy;
  sigma: SigmaSchedule;
  optimizer: OptimizerName;
  /** Adam's β₁, β₂ (used when `optimizer` is 'adam'; links without them take DEFAULT_ADAM_BETAS). */
  adam: AdamBetas;
  lr: number;
  seed: number;
  stop: StopCondition;
  /** Start point; the task's θ₀ when null. */
  theta0: number[] | null;
  view: ViewOptions;
}

export type StopCondition = { kind: 'iterations'; value: number } | { kind: 'loss'; value: number } | { kind: 'none' };

export interface ViewOptions {
  surface: 'raw' | 'smoothed' | 'both';
  curvesX: 'iteration' | 'innerSteps' | 'wallTime';
  logY: boolean;
  varianceProtocol: 'episode' | 'update';
  /** Outer updates per animation frame. */
  speed: number;
}

/**
 * Hard limits that keep any configuration (from the UI, a link, a file or the CLI) from
 * freezing a browser tab.
 */
export const LIMITS = {
  pairs: { min: 1, max: 4096 },
  T: { min: 1, max: 10_000 },
  K: { min: 1, max: 10_000 },
  iterations: { min: 1, max: 1_000_000 },
  sigma: { min: 1e-6, max: 100 },
  lr: { min: 1e-8, max: 10 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** Below 1: slow motion, speed × 100 updates per second (src/engine/cadence.ts). */
  speed: { min: 0.02, max: 100 },
  surfaceGrid: { min: 8, max: 128 },
  surfaceSamples: { min: 1, max: 256 },
  /** Adam's β₁ and β₂: below 1 (β = 1 would divide by zero in the bias correction). */
  adamBeta: { min: 0, max: 0.999999 },
  estimators: { min: 1, max: 7 },
} as const;

export function defaultPlaygroundConfig(taskId: TaskId = 'lr-schedule'): PlaygroundConfig {
  const d = createTask(taskId).meta.defaults;
  return {
    task: taskId,
    estimators: Number.isFinite(d.T) ? ['tes', 'pes', 'nres'] : ['tes', 'pes', 'tbptt'],
    pairs: d.pairs,
    T: d.T,
    K: d.K,
    R: d.K,
    workers: 'lockstep',
    burnIn: false,
    rankShaping: false,
    sigmaChange: 'next-episode',
    sigma: { kind: 'constant', sigma0: d.sigma },
    optimizer: d.optimizer,
    adam: { ...DEFAULT_ADAM_BETAS },
    lr: d.lr,
    seed: 1,
    stop: { kind: 'iterations', value: d.iterations },
    theta0: null,
    view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 1 },
  };
}

export function estimatorSettingsOf(config: PlaygroundConfig): EstimatorSettings {
  return {
    pairs: config.pairs,
    K: config.K,
    T: config.T,
    R: config.R,
    workers: config.workers,
    burnIn: config.burnIn,
    rankShaping: config.rankShaping,
    sigmaChange: config.sigmaChange,
    seed: config.seed,
  };
}

export function sessionConfigOf(config: PlaygroundConfig): SessionConfig {
  return {
    task: config.task,
    estimators: config.estimators,
    settings: estimatorSettingsOf(config),
    sigma: config.sigma,
    optimizer: config.optimizer,
    adam: { ...config.adam },
    lr: config.lr,
    theta0: config.theta0 ?? undefined,
  };
}

/**
 * Which fields need the populations rebuilt when they change (the rest — σ, learning
 * rate, stop condition, view — apply live).
 */
export const RESET_FIELDS: readonly (keyof PlaygroundConfig)[] = [
  'task',
  'estimators',
  'pairs',
  'T',
  'K',
  'R',
  'workers',
  'burnIn',
  'rankShaping',
  'sigmaChange',
  'optimizer',
  'adam',
  'seed',
  'theta0',
];

export function needsReset(a: PlaygroundConfig, b: PlaygroundConfig): boolean {
  return RESET_FIELDS.some((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
