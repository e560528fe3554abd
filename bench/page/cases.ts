/**
 * Benchmark cases run in the page (driven by bench/run.ts): one Lorenz NRES outer update
 * (K = 100) on each compute path, the fused smoothed surface, and a plain TypeScript loop
 * over typed arrays as the no-framework baseline.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianAt, noiseKey, Stream } from '../../src/core/noise';
import { Session, type SessionConfig } from '../../src/core/session';
import { LORENZ_B, LORENZ_DT, LORENZ_X0, lorenzGroundTruthZ } from '../../src/core/tasks/lorenz';
import { createTask } from '../../src/core/tasks/index';
import { defaultSettings } from '../../src/core/trainer';
import { webgpuDevice } from '../../src/gpu/device';
import { FusedSession } from '../../src/gpu/fused-session';
import { fusedMetaLossSurface } from '../../src/gpu/surface';

export interface Timing {
  /** Updates timed one by one (after `warmup` untimed ones). */
  updates: number;
  warmup: number;
  /** Median over the timed updates (the machine is shared: medians resist stray load). */
  msPerUpdate: number;
  /** Every timed update, ms. */
  samples: number[];
  /** The untimed warm-up updates together, ms (shader compilation happens there). */
  warmupMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function lorenzConfig(pairs: number, K = 100): SessionConfig {
  const task = createTask('lorenz');
  return {
    task: 'lorenz',
    estimators: ['nres'],
    settings: defaultSettings(task, { pairs, K, seed: 3 }),
    sigma: { kind: 'constant', sigma0: task.meta.defaults.sigma },
    optimizer: 'adam',
    lr: task.meta.defaults.lr,
  };
}

/**
 * Waits until the GPU has finished what was queued. The fused path submits its own work,
 * so the queue's fence is enough; tfjs may hold commands back until a readback, so its
 * paths also read a probe tensor (tfjs and fused share one device).
 */
async function fence(path: 'tfjs' | 'fused'): Promise<void> {
  const device = webgpuDevice();
  if (device && (path === 'fused' || tf.getBackend() === 'webgpu')) await device.queue.onSubmittedWorkDone();
  if (path === 'fused') return;
  const probe = tf.zeros([1]);
  await probe.data();
  probe.dispose();
}

/**
 * One Lorenz NRES outer update (K = 100 steps, 2N particles) with `path`: 'tfjs' runs the
 * op-by-op Session on the active tfjs backend, 'fused' the WGSL kernels. With K < 100 the
 * time is measured on K-step truncations and scaled by 100/K (the cost is linear in K:
 * the slow op-by-op cases at 16384 pairs).
 */
export async function lorenzUpdate(path: 'tfjs' | 'fused', pairs: number, updates: number, warmup: number, K = 100): Promise<Timing> {
  const config = lorenzConfig(pairs, K);
  const session = path === 'fused' ? new FusedSession(config) : new Session(config);
  try {
    const warmStart = performance.now();
    for (let i = 0; i < warmup; i++) session.step();
    await fence(path);
    const warmupMs = performance.now() - warmStart;
    const samples: number[] = [];
    for (let i = 0; i < updates; i++) {
      const started = performance.now();
      session.step();
      await fence(path);
      samples.push((performance.now() - started) * (100 / K));
    }
    return { updates, warmup, msPerUpdate: median(samples), samples, warmupMs };
  } finally {
    session.dispose();
  }
}

/**
 * Fused updates back to back, the way the engine trains (several updates per tick, one
 * fence per tick): `updates` steps submitted, then one wait for the queue; the time per
 * update is the total over `updates`. `lorenzUpdate('fused', …)` fences every update
 * instead, so it also counts the submit-to-done round trip (~3 ms on SwiftShader).
 */
export async function lorenzFusedPipelined(pairs: number, updates: number, warmup: number): Promise<Timing> {
  const session = new FusedSession(lorenzConfig(pairs, 100));
  try {
    const warmStart = performance.now();
    for (let i = 0; i < warmup; i++) session.step();
    await fence('fused');
    const warmupMs = performance.now() - warmStart;
    const started = performance.now();
    for (let i = 0; i < updates; i++) session.step();
    await fence('fused');
    const ms = (performance.now() - started) / updates;
    return { updates, warmup, msPerUpdate: ms, samples: [ms], warmupMs };
  } finally {
    session.dispose();
  }
}

/**
 * The same update as a plain TypeScript loop over typed arrays (float64 scalars, no
 * framework): per pair, the episode's noise from the counter-based generator, both
 * perturbed trajectories unrolled K steps, ĝ = Σ_i ξ_i (ℓ⁺ − ℓ⁻)/(2σN), an SGD step.
 */
export function lorenzTsLoop(pairs: number, updates: number): Timing {
  const task = createTask('lorenz');
  const K = 100;
  const T = task.meta.defaults.T;
  const sigma = task.meta.defaults.sigma;
  const gt = lorenzGroundTruthZ(Math.max(T, 20000));
  const theta = Float64Array.from(task.meta.theta0);
  const state = new Float64Array(pairs * 6);
  const xi = new Float64Array(pairs * 2);
  const z = new Float64Array(pairs * 2);
  let t = 0;
  let episode = 0;
  const samples: number[] = [];
  for (let u = 0; u < updates; u++) {
    const started = performance.now();
    if (t === 0 || t >= T) {
      if (t >= T) episode++;
      t = 0;
      for (let i = 0; i < pairs; i++) {
        for (let s = 0; s < 2; s++) state.set(LORENZ_X0, i * 6 + s * 3);
        const key = noiseKey(3, Stream.perturbation, i, episode, 0);
        for (let k = 0; k < 2; k++) {
          z[i * 2 + k] = gaussianAt(key, k);
          xi[i * 2 + k] = z[i * 2 + k] ?? 0;
        }
      }
    }
    let g0 = 0;
    let g1 = 0;
    for (let i = 0; i < pairs; i++) {
      let diff = 0;
      for (let s = 0; s < 2; s++) {
        const sign = s === 0 ? 1 : -1;
        const a = Math.exp((theta[0] ?? 0) + sign * sigma * (z[i * 2] ?? 0));
        const r = Math.exp((theta[1] ?? 0) + sign * sigma * (z[i * 2 + 1] ?? 0));
        const o = i * 6 + s * 3;
        let x = state[o] ?? 0;
        let y = state[o + 1] ?? 0;
        let zz = state[o + 2] ?? 0;
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const x1 = x + a * (y - x) * LORENZ_DT;
          const y1 = y + ((r - zz) * x - y) * LORENZ_DT;
          const z1 = zz + (x * y - zz * LORENZ_B) * LORENZ_DT;
          x = x1;
          y = y1;
          zz = z1;
          const e = z1 - (gt[t + k] ?? 0);
          acc += e * e;
        }
        state[o] = x;
        state[o + 1] = y;
        state[o + 2] = zz;
        diff += sign * (acc / K);
      }
      const w = diff / (2 * sigma * pairs);
      g0 += w * (xi[i * 2] ?? 0);
      g1 += w * (xi[i * 2 + 1] ?? 0);
    }
    t += K;
    theta[0] = (theta[0] ?? 0) - 0.01 * g0;
    theta[1] = (theta[1] ?? 0) - 0.01 * g1;
    samples.push(performance.now() - started);
  }
  return { updates, warmup: 0, msPerUpdate: median(samples), samples, warmupMs: 0 };
}

/** The σ-smoothed meta-loss surface through the fused kernels (one readback at the end). */
export async function fusedSurface(taskId: 'lr-schedule', grid: number, samples: number): Promise<{ ms: number; points: number; samples: number }> {
  const task = createTask(taskId);
  // Warm-up: pipeline compilation is a one-off, not part of a σ drag.
  await fusedMetaLossSurface({ task, grid: 4, sigma: task.meta.defaults.sigma, samples: 1, seed: 1 });
  const started = performance.now();
  const r = await fusedMetaLossSurface({ task, grid, sigma: task.meta.defaults.sigma, samples, seed: 1 });
  return { ms: performance.now() - started, points: r.raw.length, samples: r.samples };
}
