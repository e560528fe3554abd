/**
 * tfjs backends for the engine worker: every backend that starts here (WebGPU, WebGL,
 * WebAssembly, CPU) becomes a candidate the engine measures each piece of work on
 * (src/engine/compute-paths.ts); `?backend=` restricts it to one. The first that started,
 * in BACKEND_ORDER, is the device backend the badge names.
 */
import * as tf from '@tensorflow/tfjs-core';
// Side-effect imports: each registers its backend with tfjs-core.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The .wasm binaries as files of this origin (Vite copies them into the build): nothing is
// fetched from anywhere else, and the CSP's 'wasm-unsafe-eval' lets them compile.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
// Never loaded (no threads, below), but setWasmPaths wants a path for every binary.
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/*
 * SIMD, no threads. tfjs-backend-wasm 4.22 starts its pthread workers from the source text
 * of its threaded factory (`toString()` into a blob: URL), which the production minifier
 * breaks ("e is not defined" in the worker, the backend never starts; measured); it would
 * also need blob: scripts in the CSP and cross-origin isolation, and on a 2-core machine
 * tfjs runs one thread anyway. So the wasm backend always runs single-threaded.
 */
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

import { webgpuDevice } from '../gpu/device';
import {
  type AdapterDetails,
  type BackendInfo,
  type BackendName,
  backendAttemptOrder,
  backendLabel,
  fallbackOrder,
} from './backend-info';

export * from './backend-info';

/** Backend initialisation (adapter + device request, shader warm-up) must not hang forever. */
const INIT_TIMEOUT_MS = 20_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Adapter shape across browser versions: `info` (new) or `requestAdapterInfo()` (old). */
interface AdapterLike {
  info?: Partial<AdapterDetails>;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<Partial<AdapterDetails>>;
}

/** Asks the browser for a WebGPU adapter and its self-description. */
export async function queryWebGPUAdapter(): Promise<
  { ok: true; info: AdapterDetails } | { ok: false; reason: string }
> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    const secure = typeof window !== 'undefined' && window.isSecureContext;
    return {
      ok: false,
      reason: secure ? 'navigator.gpu is missing (WebGPU not supported or disabled)' : 'navigator.gpu is missing (page is not a secure context; use http://localhost)',
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `requestAdapter failed: ${errorText(e)}` };
  }
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter available' };
  const like = adapter as unknown as AdapterLike;
  let raw: Partial<AdapterDetails> | undefined = like.info;
  if (!raw && typeof like.requestAdapterInfo === 'function') {
    try {
      raw = await like.requestAdapterInfo();
    } catch {
      raw = undefined;
    }
  }
  const info: AdapterDetails = {};
  if (raw?.vendor) info.vendor = raw.vendor;
  if (raw?.architecture) info.architecture = raw.architecture;
  if (raw?.device) info.device = raw.device;
  if (raw?.description) info.description = raw.description;
  const fallback = raw?.isFallbackAdapter ?? like.isFallbackAdapter;
  if (typeof fallback === 'boolean') info.isFallbackAdapter = fallback;
  return { ok: true, info };
}

/** A backend can initialise yet compute garbage (e.g. a lost device): check one tiny op. */
async function sanityCheck(): Promise<string | null> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30])));
  try {
    const v = await t.data(); // async readback: never dataSync on webgpu
    const ok = v.length === 3 && v[0] === 11 && v[1] === 22 && v[2] === 33;
    return ok ? null : `sanity check returned [${Array.from(v).join(', ')}] instead of [11, 22, 33]`;
  } finally {
    t.dispose();
  }
}

/** Tries one backend; returns null on success or the reason it failed. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'webgpu') {
      const adapter = await queryWebGPUAdapter();
      if (!adapter.ok) return adapter.reason;
    }
    const ok = await withTimeout(tf.setBackend(name), INIT_TIMEOUT_MS, `${name} initialisation`);
    if (!ok) return `${name} failed to initialise`;
    await tf.ready();
    if (tf.getBackend() !== name) return `${name} did not become active`;
    return await withTimeout(sanityCheck(), INIT_TIMEOUT_MS, `${name} sanity check`);
  } catch (e) {
    // tf.setBackend throws when the backend is not registered (e.g. navigator.gpu missing).
    return errorText(e);
  }
}

/**
 * Starts the tfjs backends. With `requested` (?backend=), that one (the usual order after
 * it if it fails) and only it: `fallbackReason` says why it lost. Without, every backend
 * that starts here, in BACKEND_ORDER, as `available`; the first is the active device
 * backend and `fallbackReason` says why WebGPU is not among them.
 */
export async function selectBackend(requested?: BackendName): Promise<BackendInfo> {
  const reasons: string[] = [];
  const started: BackendName[] = [];
  let adapterInfo: AdapterDetails | undefined;
  for (const name of backendAttemptOrder(requested)) {
    // WebGL is the GPU path of browsers without WebGPU. Beside WebGPU it is not started:
    // starting it compiles its shaders (seconds on a software GPU: 4–15 s before Play in the
    // preset benchmark) and it never came out ahead of tfjs on WebGPU, wasm or the CPU here.
    if (name === 'webgl' && !requested && started.includes('webgpu')) continue;
    if (name === 'webgpu') {
      const adapter = await queryWebGPUAdapter();
      if (adapter.ok) adapterInfo = adapter.info;
    }
    const failure = await tryBackend(name);
    if (failure) {
      reasons.push(`${name}: ${failure}`);
      continue;
    }
    started.push(name);
    if (requested) break;
  }
  const first = started[0];
  if (!first) throw new Error(`No tfjs backend could be initialised (${reasons.join('; ')})`);
  await tf.setBackend(first);
  const info: BackendInfo = { name: first, label: backendLabel(first, first === 'webgpu' ? adapterInfo : undefined), available: started };
  if (first === 'webgpu' && adapterInfo) info.adapterInfo = adapterInfo;
  if (started.includes('wasm')) info.wasm = await wasmFeatures();
  const why = reasons.filter((r) => requested || r.startsWith('webgpu:'));
  if (requested ? first !== requested : !started.includes('webgpu')) info.fallbackReason = why.join('; ');
  return info;
}

/** Threads and SIMD of the wasm backend as it started. */
async function wasmFeatures(): Promise<{ threads: number; simd: boolean }> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threaded = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return { threads: threaded ? getThreadsCount() : 1, simd };
}

/**
 * After the `lost` backend stopped working (its GPU device was lost): the next backend
 * that works, in the usual order, with `fallbackReason` saying why, and the others that
 * still work as `available`.
 */
export async function selectFallbackBackend(lost: BackendName, reason: string, previouslyAvailable?: readonly BackendName[]): Promise<BackendInfo> {
  const reasons = [`${lost}: ${reason}`];
  // Out of the registry, so nothing finds the dead device again (the fused kernels, the device watch).
  try {
    tf.removeBackend(lost);
  } catch {
    // Disposing a backend whose device is gone may fail; it is gone either way.
  }
  const candidates = fallbackOrder(lost).filter((b) => !previouslyAvailable || previouslyAvailable.includes(b));
  const started: BackendName[] = [];
  for (const name of candidates) {
    const failure = await tryBackend(name);
    if (failure) reasons.push(`${name}: ${failure}`);
    else started.push(name);
  }
  const first = started[0];
  if (!first) throw new Error(`No tfjs backend could take over (${reasons.join('; ')})`);
  await tf.setBackend(first);
  return { name: first, label: backendLabel(first), fallbackReason: reasons.join('; '), available: started };
}

/** The tfjs WebGPU backend's device when it started — active or not: the fused kernels run on it while tfjs ops may run elsewhere. */
function activeDevice(): GPUDevice | null {
  return webgpuDevice();
}

/**
 * Resolves with a message when the active WebGPU backend's device is lost (driver reset,
 * GPU removed, the tab's device destroyed); null when the active backend has no device.
 */
export function watchDeviceLoss(): Promise<string> | null {
  const device = activeDevice();
  if (!device) return null;
  return device.lost.then((info) => `the GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`);
}

/** Fault injection for the device-loss test (?debug=faults): destroys the active WebGPU device. */
export function destroyDevice(): boolean {
  const device = activeDevice();
  if (!device) return false;
  device.destroy();
  return true;
}

const selections = new Map<string, Promise<BackendInfo>>();

/**
 * `selectBackend`, memoised per request: tfjs has one global backend, so concurrent
 * callers (React StrictMode's double effects) must share a single selection.
 */
export function selectBackendOnce(requested?: BackendName): Promise<BackendInfo> {
  const key = requested ?? 'auto';
  let p = selections.get(key);
  if (!p) {
    p = selectBackend(requested);
    selections.set(key, p);
    p.catch(() => selections.delete(key));
  }
  return p;
}
