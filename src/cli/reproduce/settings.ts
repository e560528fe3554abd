/**
 * The scale of every `reproduce` figure: FULL (the committed report, docs/reproduction.md;
 * about 25 minutes on two cores) and QUICK (a smoke run in CI, well under two minutes).
 * Quick results only show that every figure is drawn; their verdicts mean nothing.
 */
import type { EstimatorId, TaskId } from '../../core/config';

/** Every figure of `reproduce`, in report order. */
export const FIGURE_NAMES = [
  'influence-balancing',
  'variance-linear-quadratic',
  'variance-lorenz',
  'lr-schedule-surface',
  'lorenz-training',
  'high-dim-mlp-hpo',
  'high-dim-rnn',
  'high-dim-learned-optimizer',
  'gpes-r-sweep',
  'mnist-population',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface HighDimTask {
  task: TaskId;
  estimators: readonly EstimatorId[];
  iterations: number;
  /** Pairs N (default: the task's). */
  pairs?: number;
  logEvery: number;
}

export interface Settings {
  ib: { iterations: number; pairs?: number; logEvery: number };
  lqVariance: { truncations: number[]; pairs: number; repeats: number };
  lorenzVariance: { truncations: number[]; pairs: number; repeats: number; referencePairs: number };
  surface: { grid: number; samples: number };
  lorenzTraining: { iterations: number; pairs?: number; logEvery: number };
  /** ES-Single / NRES high-dimensional comparisons: each task × estimator × seed. */
  highDim: { seeds: number[]; tasks: HighDimTask[] };
  /** NRES's GPES_R family on one task: per-update variance at θ₀ and training, against R. */
  gpes: {
    task: TaskId;
    K: number;
    R: number[];
    pairs?: number;
    iterations: number;
    logEvery: number;
    seeds: number[];
    repeats: number;
    referencePairs: number;
  };
  /** evostrats' MNIST sweep: minibatch ES (TES, K = 1) with N pairs, and minibatch backprop. */
  mnist: {
    /** Antithetic pairs N; evostrats' "population" counts perturbed networks, 2N. */
    pairs: number[];
    iterations: number;
    logEvery: number;
    lr: number;
    probe: { digits: number; seeds: number; every: number };
  };
}

/** The online estimators of the ES-Single / NRES comparisons; TBPTT where the papers train RNNs with it. */
const ONLINE_ES: readonly EstimatorId[] = ['tes', 'pes', 'nres'];

export const FULL: Settings = {
  ib: { iterations: 3000, logEvery: 30 },
  lqVariance: { truncations: [1, 2, 5, 10, 20, 50, 100], pairs: 10, repeats: 200 },
  lorenzVariance: { truncations: [1, 2, 5, 10, 20, 50, 100, 200], pairs: 10, repeats: 100, referencePairs: 4096 },
  surface: { grid: 64, samples: 16 },
  lorenzTraining: { iterations: 500, logEvery: 10 },
  highDim: {
    seeds: [1, 2, 3],
    tasks: [
      { task: 'mlp-hpo', estimators: ONLINE_ES, iterations: 300, logEvery: 10 },
      { task: 'rnn', estimators: [...ONLINE_ES, 'tbptt'], iterations: 300, logEvery: 10 },
      { task: 'learned-optimizer', estimators: ONLINE_ES, iterations: 300, logEvery: 10 },
    ],
  },
  gpes: { task: 'learned-optimizer', K: 10, R: [10, 20, 50, 100, 200], iterations: 300, logEvery: 10, seeds: [1, 2, 3], repeats: 100, referencePairs: 2048 },
  mnist: { pairs: [12, 25, 50, 100, 200], iterations: 1500, logEvery: 50, lr: 0.01, probe: { digits: 100, seeds: 2, every: 5 } },
};

export const QUICK: Settings = {
  ib: { iterations: 100, pairs: 50, logEvery: 10 },
  lqVariance: { truncations: [1, 10, 100], pairs: 4, repeats: 16 },
  lorenzVariance: { truncations: [1, 20, 200], pairs: 2, repeats: 8, referencePairs: 128 },
  surface: { grid: 12, samples: 2 },
  lorenzTraining: { iterations: 10, pairs: 16, logEvery: 2 },
  highDim: {
    seeds: [1, 2, 3],
    tasks: [
      { task: 'mlp-hpo', estimators: ONLINE_ES, iterations: 4, pairs: 4, logEvery: 2 },
      { task: 'rnn', estimators: [...ONLINE_ES, 'tbptt'], iterations: 4, pairs: 4, logEvery: 2 },
      { task: 'learned-optimizer', estimators: ONLINE_ES, iterations: 4, pairs: 4, logEvery: 2 },
    ],
  },
  gpes: { task: 'learned-optimizer', K: 10, R: [10, 50, 200], pairs: 4, iterations: 4, logEvery: 2, seeds: [1, 2], repeats: 6, referencePairs: 64 },
  mnist: { pairs: [4, 8, 16], iterations: 20, logEvery: 5, lr: 0.01, probe: { digits: 50, seeds: 1, every: 2 } },
};
