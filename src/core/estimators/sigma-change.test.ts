import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EstimatorId, SigmaChangePolicy } from '../config';
import { sigmaAt } from '../sigma-schedule';
import { createTask } from '../tasks/index';
import { createLinearQuadratic } from '../tasks/linear-quadratic';
import { useCpuBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { estimatorInfo } from './index';

/**
 * What a σ change in the middle of an episode does (see SigmaChangePolicy):
 * 'next-episode' keeps every pair on the σ it started its episode with until that
 * episode ends; 'rescale' applies the new σ to the stored unit noise at once.
 */
const task = createLinearQuadratic();
const T = task.meta.defaults.T;
const K = T / 5; // J = 5 truncations per episode
const theta = [0.2, -0.1];

async function run(id: EstimatorId, policy: SigmaChangePolicy, sigmas: number[]): Promise<{ grads: number[][]; spread: number[] }> {
  const est = estimatorInfo(id).create({ task, settings: defaultSettings(task, { pairs: 6, K, T, seed: 9, sigmaChange: policy }) });
  const th = tf.tensor1d(theta);
  const grads: number[][] = [];
  const spread: number[] = [];
  for (const sigma of sigmas) {
    const { grad } = est.estimate(th, sigma);
    grads.push(Array.from(await grad.data()));
    grad.dispose();
    const p = est.particles(th);
    const rows = (await p.array()) as number[][];
    p.dispose();
    // RMS distance of the particles from θ: proportional to the σ in use.
    spread.push(Math.sqrt(rows.reduce((s, r) => s + (r[0]! - theta[0]!) ** 2 + (r[1]! - theta[1]!) ** 2, 0) / rows.length));
  }
  est.dispose();
  th.dispose();
  return { grads, spread };
}

describe('σ changes in the middle of an episode', () => {
  beforeAll(useCpuBackend);

  for (const id of ['pes', 'nres', 'gpes'] as const) {
    it(`${id}, 'next-episode': the running episode keeps its σ; the next episode uses the new one`, async () => {
      const before = [0.1, 0.1];
      const changed = await run(id, 'next-episode', [...before, 0.4, 0.4, 0.4, 0.4, 0.4]);
      const unchanged = await run(id, 'next-episode', [0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.4]);
      const fromStart = await run(id, 'next-episode', [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]);
      // Truncations 3–5 (rest of episode 0) are identical to a run that never changed σ …
      expect(changed.grads.slice(0, 5)).toEqual(unchanged.grads.slice(0, 5));
      // … and episode 1 (fresh state, fresh ξ, same keys) is identical to a run at 0.4 all along.
      expect(changed.grads.slice(5)).toEqual(fromStart.grads.slice(5));
    });
  }

  it("nres, 'rescale': the new σ applies to the stored noise at once", async () => {
    const a = await run('nres', 'rescale', [0.1, 0.1, 0.4]);
    expect((a.spread[2] ?? 0) / (a.spread[1] ?? 1)).toBeCloseTo(4, 4);
    const b = await run('nres', 'next-episode', [0.1, 0.1, 0.4]);
    expect((b.spread[2] ?? 0) / (b.spread[1] ?? 1)).toBeCloseTo(1, 6);
  });

  it('tasks that never reset always rescale (there is no next episode to wait for)', async () => {
    const ib = createTask('influence-balancing');
    const est = estimatorInfo('nres').create({ task: ib, settings: defaultSettings(ib, { pairs: 3, seed: 1, sigmaChange: 'next-episode' }) });
    const th = tf.tensor1d([0.5]);
    const spreadAt = async (sigma: number): Promise<number> => {
      est.estimate(th, sigma).grad.dispose();
      const p = est.particles(th);
      const rows = (await p.array()) as number[][];
      p.dispose();
      return Math.hypot(...rows.map((r) => (r[0] ?? 0) - 0.5));
    };
    const s1 = await spreadAt(0.1);
    const s2 = await spreadAt(0.2);
    est.dispose();
    th.dispose();
    expect(s2 / s1).toBeCloseTo(2, 4);
  });
});

describe('σ schedules', () => {
  it('follow their formulas', () => {
    expect(sigmaAt({ kind: 'constant', sigma0: 0.3 }, 100)).toBe(0.3);
    expect(sigmaAt({ kind: 'exponential', sigma0: 1, gamma: 0.5 }, 3)).toBeCloseTo(0.125, 12);
    expect(sigmaAt({ kind: 'linear', sigma0: 1, sigma1: 0.2, steps: 10 }, 5)).toBeCloseTo(0.6, 12);
    expect(sigmaAt({ kind: 'linear', sigma0: 1, sigma1: 0.2, steps: 10 }, 50)).toBeCloseTo(0.2, 12);
    expect(sigmaAt({ kind: 'cosine', sigma0: 1, sigma1: 0, steps: 10 }, 5)).toBeCloseTo(0.5, 12);
    expect(sigmaAt({ kind: 'cosine', sigma0: 1, sigma1: 0.1, steps: 10 }, 10)).toBeCloseTo(0.1, 12);
    expect(sigmaAt({ kind: 'step', sigma0: 1, gamma: 0.1, steps: 10 }, 25)).toBeCloseTo(0.01, 12);
    // Never below the floor that keeps 1/σ² finite.
    expect(sigmaAt({ kind: 'exponential', sigma0: 1, gamma: 0.01, steps: 1 } as never, 1000)).toBeGreaterThan(0);
  });
});
