/**
 * Every task computes the same numbers on the wasm backend as on the cpu backend, up to
 * float rounding. Here wasm runs the MLP tasks' GEMM formulation (one GEMM over all
 * particles on a shared minibatch; forced, as these few rows would otherwise not take it:
 * backend-ops.ts `sharedGemmPays`) and cpu the per-particle batched matmuls, with
 * different tanh / row-repeat kernels, so this is also the parity test of those
 * formulations — steps of a population split across minibatches, whole episodes, and
 * autodiff (BPTT) gradients through them.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { forceSharedGemm } from '../backend-ops';
import { estimatorInfo } from '../estimators/index';
import { stepAt, type Task, taskDim } from '../task';
import { useCpuBackend, useWasmBackend } from '../testing/setup';
import { defaultSettings } from '../trainer';
import { createTask, TASK_IDS } from './index';

afterAll(useCpuBackend);

/** θ rows: θ₀ and two perturbations of it (fixed). */
function thetaRows(task: Task): number[][] {
  const t0 = [...task.meta.theta0];
  return [t0, t0.map((v, i) => v + 0.03 * Math.sin(3 * i + 1)), t0.map((v, i) => v - 0.02 * Math.cos(2 * i))];
}

interface Numbers {
  episode: number[];
  state: number[];
  loss: number[];
  grad: number[];
}

/** On the active backend: the episode loss of each row, a step of the rows at different times, and BPTT's gradient at row 1. */
async function numbers(id: (typeof TASK_IDS)[number]): Promise<Numbers> {
  const task = createTask(id);
  const rows = thetaRows(task);
  const theta = tf.tensor2d(rows);
  const episode = tf.tidy(() => task.episodeLoss(theta));
  const T = task.meta.defaults.T;
  // Rows at different time indices (two of them on the same minibatch where there are minibatches).
  const times = Number.isFinite(T) ? [1, 3 % T, (1 + Math.max(1, Math.floor(T / 2))) % T] : [1, 3, 1];
  const out = tf.tidy(() => {
    let s = task.initialState(rows.length);
    for (let t = 0; t < 2; t++) s = stepAt(task, s, theta, [t, t, t]).state;
    const r = stepAt(task, s, theta, times);
    return [r.state, r.loss];
  });
  const bptt = estimatorInfo('bptt').create({ task, settings: defaultSettings(task) });
  const th = tf.tensor1d(rows[1] ?? []);
  const { grad, excluded } = bptt.estimate(th, 0);
  const result = {
    episode: Array.from(await episode.data()),
    state: Array.from(await (out[0] as tf.Tensor).data()),
    loss: Array.from(await (out[1] as tf.Tensor).data()),
    grad: Array.from(await grad.data()),
  };
  tf.dispose([theta, episode, ...out, th, grad, ...(excluded ? [excluded] : [])]);
  bptt.dispose();
  return result;
}

function expectClose(name: string, wasm: number[], cpu: number[], rel: number): void {
  expect(wasm.length, name).toBe(cpu.length);
  const scale = Math.max(1e-6, ...cpu.map((v) => Math.abs(v)));
  const worst = Math.max(0, ...wasm.map((v, i) => Math.abs(v - (cpu[i] ?? Number.NaN)) / scale));
  expect(worst, `${name}: largest difference ${worst.toExponential(2)} of the largest value`).toBeLessThan(rel);
}

describe('wasm and cpu backends agree', () => {
  for (const id of TASK_IDS) {
    it(id, async () => {
      await useCpuBackend();
      forceSharedGemm(false);
      const cpu = await numbers(id);
      await useWasmBackend();
      forceSharedGemm(true);
      const wasm = await numbers(id);
      forceSharedGemm(null);
      await useCpuBackend();
      expect(taskDim(createTask(id))).toBe(cpu.grad.length);
      // Chaotic Lorenz amplifies rounding over its 2,000 steps (as across WebGPU and cpu).
      const rel = id === 'lorenz' ? 5e-3 : 2e-4;
      expectClose('episode loss', wasm.episode, cpu.episode, rel);
      expectClose('state after a step', wasm.state, cpu.state, rel);
      expectClose('step loss', wasm.loss, cpu.loss, rel);
      expectClose('BPTT gradient', wasm.grad, cpu.grad, id === 'lorenz' ? 5e-2 : 2e-3);
    });
  }
});
