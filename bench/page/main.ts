/**
 * The bench and parity page: exposes the measurements on `window.__es` for the Node
 * drivers (bench/run.ts, e2e/fused-parity.spec.ts), which call them one at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { gpuContext, webgpuDevice } from '../../src/gpu/device';
import { queryWebGPUAdapter } from '../../src/platform/backend';
import { noiseParity } from './noise-check';
import { estimatorParity, surfaceParity, varianceParity } from './parity';
import * as cases from './cases';

async function useBackend(name: 'cpu' | 'wasm' | 'webgl' | 'webgpu'): Promise<string> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`backend ${name} did not initialise`);
  return name;
}

/** The WebGPU device stays alive across backend switches (tfjs keeps initialised backends). */
function ctx() {
  const device = webgpuDevice();
  if (!device) throw new Error('WebGPU backend not initialised');
  return gpuContext(device);
}

const api = {
  useBackend,
  adapter: queryWebGPUAdapter,
  noiseParity: (rows?: number, dims?: number) => noiseParity(ctx(), rows, dims),
  estimatorParity,
  surfaceParity,
  varianceParity,
  ...cases,
};

declare global {
  interface Window {
    __es?: typeof api;
    __esReady?: Promise<string>;
  }
}

window.__es = api;
window.__esReady = (async () => {
  const status = document.getElementById('status');
  try {
    await useBackend('webgpu');
    if (status) status.textContent = 'ready';
    return 'ready';
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (status) status.textContent = `failed: ${msg}`;
    return `failed: ${msg}`;
  }
})();

export type BenchApi = typeof api;
