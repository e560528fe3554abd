/**
 * Fused path against the tfjs op-by-op path: the same SessionConfig run by `Session`
 * (tfjs, on the backend given) and `FusedSession` (WGSL kernels), frame by frame —
 * θ, ĝ, the evaluation loss and the particles of every estimator after every update —
 * and the smoothed surface against `metaLossSurface`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EstimatorId, TaskId } from '../../src/core/config';
import { metaLossSurface } from '../../src/core/experiments/surface';
import { measureVariance } from '../../src/core/experiments/variance';
import { Session, type SessionConfig, type SessionFrame } from '../../src/core/session';
import { createTask } from '../../src/core/tasks/index';
import { defaultSettings } from '../../src/core/trainer';
import { FusedSession } from '../../src/gpu/fused-session';
import { fusedMetaLossSurface } from '../../src/gpu/surface';
import { fusedMeasureVariance } from '../../src/gpu/variance';

export interface Diff {
  maxAbs: number;
  maxRel: number;
  /** Where maxRel was reached. */
  where: string;
}

export interface ParityCase {
  name: string;
  task: TaskId;
  estimators: EstimatorId[];
  pairs: number;
  T?: number;
  K?: number;
  R?: number;
  workers?: 'lockstep' | 'unlocked';
  burnIn?: boolean;
  updates: number;
  /** Change σ to this after the second update (σ-change policy). */
  sigmaAfter?: number;
  /** What that change does to running episodes (default 'next-episode'). */
  sigmaChange?: 'next-episode' | 'rescale';
  /**
   * Learning rate (task default when omitted). 0 holds θ fixed, which a chaotic task
   * needs: there a one-ulp difference in θ moves a long unroll's loss by far more than
   * rounding, so estimates are comparable only at the same θ.
   */
  lr?: number;
  /** σ (task default when omitted): a huge σ makes some pairs overflow (divergence guard). */
  sigma?: number;
  optimizer?: 'sgd' | 'adam';
  /** Adam's β₁, β₂ (DEFAULT_ADAM_BETAS when omitted). */
  adam?: { beta1: number; beta2: number };
  /** Before this update (0-based), rewind every estimator to its last finite θ (fresh populations). */
  rewindAt?: number;
  /**
   * Only the first this many frames may become rewind checkpoints (the engine's health
   * filter, as a runaway would reject the later ones): a rewind then goes back further.
   */
  checkpointFrames?: number;
  /** Before this update (0-based), rebuild the session from the last frame (SessionConfig.resume), as the engine does after a backend switch. */
  resumeAt?: number;
}

export interface ParityResult {
  name: string;
  tfjsBackend: string;
  updates: number;
  theta: Diff;
  grad: Diff;
  evalLoss: Diff;
  particles: Diff;
  /** Divergence counters (excluded last/total, skipped, workers) that differ; must be none. */
  healthMismatches: string[];
  /** Whether any θ was NaN/±Inf on either path (the guard must prevent it). */
  nonFiniteTheta: boolean;
  /** Pairs excluded and updates skipped over the run (tfjs path), to show the guard was exercised. */
  excluded: number;
  skipped: number;
  ms: { tfjs: number; fused: number };
}

function emptyDiff(): Diff {
  return { maxAbs: 0, maxRel: 0, where: '' };
}

/** Relative error against max(|ref|, floor); NaN or a NaN/finite mismatch counts as Infinity. */
function accumulate(diff: Diff, got: ArrayLike<number>, want: ArrayLike<number>, floor: number, where: string): void {
  if (got.length !== want.length) {
    diff.maxAbs = diff.maxRel = Infinity;
    diff.where = `${where}: length ${got.length} vs ${want.length}`;
    return;
  }
  for (let i = 0; i < want.length; i++) {
    const g = got[i] ?? Number.NaN;
    const w = want[i] ?? Number.NaN;
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const abs = Math.abs(g - w);
    const rel = abs / Math.max(Math.abs(w), floor);
    const a = Number.isNaN(abs) ? Infinity : abs;
    const r = Number.isNaN(rel) ? Infinity : rel;
    diff.maxAbs = Math.max(diff.maxAbs, a);
    if (r > diff.maxRel) {
      diff.maxRel = r;
      diff.where = `${where}[${i}]: ${g} vs ${w}`;
    }
  }
}

function configOf(c: ParityCase): SessionConfig {
  const task = createTask(c.task);
  const d = task.meta.defaults;
  const K = c.K ?? d.K;
  return {
    task: c.task,
    estimators: c.estimators,
    settings: defaultSettings(task, {
      pairs: c.pairs,
      K,
      T: c.T ?? d.T,
      R: c.R ?? K,
      workers: c.workers ?? 'lockstep',
      burnIn: c.burnIn ?? false,
      sigmaChange: c.sigmaChange ?? 'next-episode',
      seed: 7,
    }),
    sigma: { kind: 'constant', sigma0: c.sigma ?? d.sigma },
    optimizer: c.optimizer ?? d.optimizer,
    ...(c.adam ? { adam: c.adam } : {}),
    lr: c.lr ?? d.lr,
  };
}

/** What a session resumes from: a frame's θ, optimizer state and inner-step counts. */
function resumeOf(frame: SessionFrame): SessionConfig['resume'] {
  return {
    iteration: frame.iteration,
    estimators: frame.estimators.map((e) => ({ id: e.id, theta: e.theta, optimizer: e.optimizer ?? { values: [], t: 0 }, innerSteps: e.innerSteps })),
  };
}

async function runFrames(make: (config: SessionConfig) => Session | FusedSession, c: ParityCase): Promise<{ frames: SessionFrame[]; ms: number }> {
  const started = performance.now();
  const frames: SessionFrame[] = [];
  let session = make(configOf(c));
  try {
    for (let u = 0; u < c.updates; u++) {
      if (u === 2 && c.sigmaAfter !== undefined) session.setSigmaSchedule({ kind: 'constant', sigma0: c.sigmaAfter });
      if (u === c.rewindAt) session.rewind();
      const last = frames.at(-1);
      if (u === c.resumeAt && last) {
        session.dispose();
        session = make({ ...configOf(c), resume: resumeOf(last) });
      }
      session.step();
      const seen = frames.length + 1;
      const healthy = c.checkpointFrames === undefined ? undefined : () => seen <= (c.checkpointFrames ?? 0);
      frames.push(await session.frame(undefined, healthy));
    }
  } finally {
    session.dispose();
  }
  return { frames, ms: performance.now() - started };
}

/** Runs one case on tfjs (the currently active backend) and fused; returns the largest differences. */
export async function estimatorParity(c: ParityCase): Promise<ParityResult> {
  const ref = await runFrames((config) => new Session(config), c);
  const got = await runFrames((config) => new FusedSession(config), c);
  const res: ParityResult = {
    name: c.name,
    tfjsBackend: tf.getBackend(),
    updates: c.updates,
    theta: emptyDiff(),
    grad: emptyDiff(),
    evalLoss: emptyDiff(),
    particles: emptyDiff(),
    healthMismatches: [],
    nonFiniteTheta: false,
    excluded: 0,
    skipped: 0,
    ms: { tfjs: ref.ms, fused: got.ms },
  };
  ref.frames.forEach((rf, u) => {
    const gf = got.frames[u];
    rf.estimators.forEach((re, k) => {
      const ge = gf?.estimators[k];
      const where = `update ${u + 1} ${re.id}`;
      if (!ge || ge.id !== re.id || ge.innerSteps !== re.innerSteps) {
        res.theta.maxRel = Infinity;
        res.theta.where = `${where}: estimator or innerSteps mismatch (${ge?.innerSteps} vs ${re.innerSteps})`;
        return;
      }
      accumulate(res.theta, ge.theta, re.theta, 1e-3, `${where} θ`);
      // ĝ is a difference of nearly equal losses: compare against the gradient's own scale.
      const gScale = Math.max(1e-6, ...re.grad.map(Math.abs));
      accumulate(res.grad, ge.grad, re.grad, gScale, `${where} ĝ`);
      accumulate(res.evalLoss, [ge.evalLoss], [re.evalLoss], 1e-6, `${where} L`);
      accumulate(res.particles, ge.particles, re.particles, 1e-3, `${where} particles`);
      if (![...ge.theta, ...re.theta].every((v) => Number.isFinite(v))) res.nonFiniteTheta = true;
      const rh = re.health;
      const gh = ge.health;
      for (const key of ['excludedLast', 'excludedTotal', 'skippedTotal', 'workers'] as const) {
        if (rh?.[key] !== gh?.[key]) res.healthMismatches.push(`${where} ${key}: ${gh?.[key]} vs ${rh?.[key]}`);
      }
      if (u === ref.frames.length - 1) {
        res.excluded += rh?.excludedTotal ?? 0;
        res.skipped += rh?.skippedTotal ?? 0;
      }
    });
  });
  return res;
}

export interface SurfaceParity {
  task: TaskId;
  points: number;
  samples: number;
  raw: Diff;
  smoothed: Diff;
  ms: { tfjs: number; fused: number };
}

/**
 * `range` restricts the grid (the task's bounds when omitted): where an inner problem is
 * chaotic (lr-schedule at η = e⁵) one float32 rounding moves an episode's loss by far more
 * than rounding, and the two paths are only comparable away from there.
 */
export async function surfaceParity(task: TaskId, grid: number, samples: number, range?: [number, number][]): Promise<SurfaceParity> {
  const t = createTask(task);
  const options = { task: t, grid, sigma: t.meta.defaults.sigma, samples, seed: 11, ...(range ? { range } : {}) };
  let started = performance.now();
  const ref = await metaLossSurface(options);
  const tfjsMs = performance.now() - started;
  started = performance.now();
  const got = await fusedMetaLossSurface(options);
  const fusedMs = performance.now() - started;
  const raw = emptyDiff();
  const smoothed = emptyDiff();
  accumulate(raw, got.raw, ref.raw, 1e-3, 'raw');
  accumulate(smoothed, got.smoothed ?? [], ref.smoothed ?? [], 1e-3, 'smoothed');
  return { task, points: ref.raw.length, samples, raw, smoothed, ms: { tfjs: tfjsMs, fused: fusedMs } };
}

export interface VarianceParity {
  rows: number;
  /** Largest relative difference over every row's total variance, error, interval and mean. */
  stats: Diff;
  ms: { tfjs: number; fused: number };
}

/**
 * The variance sweep through the fused kernels against `measureVariance` on the active
 * tfjs backend: same options, same reference gradient, so the same rows up to float
 * rounding of the per-worker estimates.
 */
export async function varianceParity(
  task: TaskId,
  estimators: EstimatorId[],
  truncations: number[],
  protocol: 'episode' | 'update',
  pairs: number,
  repeats: number,
): Promise<VarianceParity> {
  const t = createTask(task);
  const options = {
    task: t,
    theta: [...t.meta.theta0],
    estimators,
    truncations,
    pairs,
    sigma: t.meta.defaults.sigma,
    repeats,
    protocol,
    seed: 5,
    gpesPeriodInTruncations: 2,
    reference: t.meta.theta0.map((_, k) => (k === 0 ? 1 : -0.5)),
  };
  let started = performance.now();
  const ref = await measureVariance(options);
  const tfjsMs = performance.now() - started;
  started = performance.now();
  const got = await fusedMeasureVariance(options);
  const fusedMs = performance.now() - started;
  const stats = emptyDiff();
  ref.rows.forEach((r, i) => {
    const g = got.rows[i];
    const where = `${r.estimator} J=${r.J}`;
    if (!g || g.estimator !== r.estimator || g.J !== r.J) {
      stats.maxRel = Infinity;
      stats.where = `${where}: row missing`;
      return;
    }
    const scale = Math.max(1e-12, Math.abs(r.totalVariance));
    accumulate(stats, [g.totalVariance, g.ciLow, g.ciHigh], [r.totalVariance, r.ciLow, r.ciHigh], scale, `${where} variance/ci`);
    accumulate(stats, [g.normalizedError], [r.normalizedError], 1e-9, `${where} error`);
    const mScale = Math.max(1e-9, ...r.mean.map(Math.abs));
    accumulate(stats, g.mean, r.mean, mScale, `${where} mean`);
  });
  if (got.rows.length !== ref.rows.length) {
    stats.maxRel = Infinity;
    stats.where = `rows ${got.rows.length} vs ${ref.rows.length}`;
  }
  return { rows: ref.rows.length, stats, ms: { tfjs: tfjsMs, fused: fusedMs } };
}
