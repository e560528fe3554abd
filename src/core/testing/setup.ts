import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Unit tests run the core on the tfjs CPU backend (Node, no GPU). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** The wasm backend (SIMD, from node_modules), for the tests that compare backends. */
export async function useWasmBackend(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}${sep}`);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tf.ready();
}

/** Mean, per-coordinate standard error, from row-major samples [n, d]. */
export function sampleStats(samples: ArrayLike<number>, d: number): { n: number; mean: number[]; se: number[] } {
  const n = samples.length / d;
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] = (mean[k] ?? 0) + (samples[r * d + k] ?? 0) / n;
  const se = mean.map((m, k) => {
    let ss = 0;
    for (let r = 0; r < n; r++) ss += ((samples[r * d + k] ?? 0) - m) ** 2;
    return Math.sqrt(ss / (n - 1) / n);
  });
  return { n, mean, se };
}
