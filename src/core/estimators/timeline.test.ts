import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId } from '../config';
import { gaussianRows, Stream } from '../noise';
import { createTask } from '../tasks/index';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { estimatorInfo } from './index';
import type { WorkerTimeline } from './timeline';

const task = createTask('linear-quadratic');
const d = task.meta.theta0.length;
const sigma = 0.1;

/** The timeline after each of `updates` updates, T = 10, K = 2 (J = 5 truncations an episode). */
function run(id: EstimatorId, updates: number, pairs: number): WorkerTimeline[] {
  const est = estimatorInfo(id).create({ task, settings: defaultSettings(task, { pairs, K: 2, T: 10, seed: 3 }) });
  const theta = tf.tensor1d([...task.meta.theta0]);
  const out: WorkerTimeline[] = [];
  try {
    for (let u = 0; u < updates; u++) {
      const g = est.estimate(theta, sigma);
      g.grad.dispose();
      g.excluded?.dispose();
      out.push(est.workerTimeline!(64));
    }
  } finally {
    theta.dispose();
    est.dispose();
  }
  return out;
}

const meanSquare = (w: number[] | null): number => (w ?? []).reduce((s, v) => s + v * v, 0) / (w?.length ?? 1);

describe('worker timeline', () => {
  beforeAll(useCpuBackend);

  it('PES, T = 10, K = 2: t advances by K to the episode end, then resets; the weight sums one draw per truncation since the reset', () => {
    const tl = run('pes', 7, 2);
    expect(tl.map((x) => x.t[0])).toEqual([2, 4, 6, 8, 10, 2, 4]);
    expect(tl.map((x) => x.episode[0])).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(tl[0]!.T).toBe(10);
    expect(tl[0]!.K).toBe(2);
    // By hand: pair 0's weight after its 2nd truncation is ‖z₀ + z₁‖ (σ constant), z_b keyed by (seed, pair 0, episode 0, block b).
    const z = (episode: number, block: number): Float32Array => gaussianRows(3, Stream.perturbation, [0], [episode], [block], d);
    const norm = (v: ArrayLike<number>): number => Math.hypot(...Array.from(v));
    const z0 = z(0, 0);
    const z1 = z(0, 1);
    expect(tl[0]!.weight![0]).toBeCloseTo(norm(z0), 4);
    expect(tl[1]!.weight![0]).toBeCloseTo(norm(Array.from(z0, (v, k) => v + (z1[k] ?? 0))), 4);
    // After the reset (update 6): one draw of the new episode only.
    expect(tl[5]!.weight![0]).toBeCloseTo(norm(z(1, 0)), 4);
  });

  it('PES grows as √(d·j) over the episode; ES-Single/NRES stays at one draw (≈ √d); truncated ES draws afresh (≈ √d)', () => {
    const pes = run('pes', 6, 64).map((x) => meanSquare(x.weight) / d);
    const nres = run('nres', 6, 64).map((x) => meanSquare(x.weight) / d);
    const tes = run('tes', 6, 64).map((x) => meanSquare(x.weight) / d);
    // E‖Σ_{b≤j} z_b‖² = d·(j+1): 1, 2, 3, 4, 5, then 1 after the reset (64 pairs: within ~35 %).
    [1, 2, 3, 4, 5, 1].forEach((j, u) => expect(pes[u]! / j, `PES after update ${u + 1}`).toBeGreaterThan(0.65));
    [1, 2, 3, 4, 5, 1].forEach((j, u) => expect(pes[u]! / j, `PES after update ${u + 1}`).toBeLessThan(1.35));
    for (const [name, series] of [['NRES', nres], ['TES', tes]] as const) for (const v of series) expect(v, name).toBeGreaterThan(0.65);
    for (const [name, series] of [['NRES', nres], ['TES', tes]] as const) for (const v of series) expect(v, name).toBeLessThan(1.35);
    // NRES's weight is the same draw all episode long.
    const n = run('nres', 5, 4);
    for (const x of n.slice(1)) expect(x.weight).toEqual(n[0]!.weight);
  });

  it('shows at most `max` workers and says how many there are', () => {
    const est = estimatorInfo('pes').create({ task, settings: defaultSettings(task, { pairs: 100, K: 2, T: 10, seed: 3 }) });
    try {
      const tl = est.workerTimeline!(64);
      expect(tl.t).toHaveLength(64);
      expect(tl.workers).toBe(100);
      expect(tl.weight).toBeNull();
    } finally {
      est.dispose();
    }
  });
});
