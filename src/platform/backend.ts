/**
 * tfjs backend selection for the browser: WebGPU → WebGL → CPU (or the requested one
 * first), reporting which one won and why others did not.
 */
import * as tf from '@tensorflow/tfjs-core';
// Side-effect imports: each registers its backend with tfjs-core.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';

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
 * Activates the best available tfjs backend. With `requested`, that one is tried first
 * and `fallbackReason` says why it lost; without, the order is webgpu → webgl → cpu and
 * `fallbackReason` says why WebGPU was not used.
 */
export async function selectBackend(requested?: BackendName): Promise<BackendInfo> {
  const reasons: string[] = [];
  for (const name of backendAttemptOrder(requested)) {
    let adapterInfo: AdapterDetails | undefined;
    if (name === 'webgpu') {
      const adapter = await queryWebGPUAdapter();
      if (!adapter.ok) {
        reasons.push(`webgpu: ${adapter.reason}`);
        continue;
      }
      adapterInfo = adapter.info;
    }
    const failure = await tryBackend(name);
    if (failure) {
      reasons.push(`${name}: ${failure}`);
      continue;
    }
    const info: BackendInfo = { name, label: backendLabel(name, adapterInfo) };
    if (adapterInfo) info.adapterInfo = adapterInfo;
    if (reasons.length > 0) info.fallbackReason = reasons.join('; ');
    return info;
  }
  throw new Error(`No tfjs backend could be initialised (${reasons.join('; ')})`);
}

/**
 * After the `lost` backend stopped working (its GPU device was lost): the next backend
 * that works, in the usual order (webgpu → webgl → cpu), with `fallbackReason` saying why.
 */
export async function selectFallbackBackend(lost: BackendName, reason: string): Promise<BackendInfo> {
  const reasons = [`${lost}: ${reason}`];
  for (const name of fallbackOrder(lost)) {
    const failure = await tryBackend(name);
    if (failure) {
      reasons.push(`${name}: ${failure}`);
      continue;
    }
    return { name, label: backendLabel(name), fallbackReason: reasons.join('; ') };
  }
  throw new Error(`No tfjs backend could take over (${reasons.join('; ')})`);
}

/** The active tfjs WebGPU backend's device, if that is the active backend. */
function activeDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
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
