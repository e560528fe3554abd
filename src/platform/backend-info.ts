/**
 * Pure helpers around tfjs backend selection: names, labels, URL parsing. No tfjs or
 * browser imports, so they run (and are unit-tested) under Node.
 */

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendLabel = 'WebGPU' | 'WebGPU (software)' | 'WebGL' | 'WebAssembly' | 'CPU';

/**
 * Preference order of the device backend (the one the badge names and a device loss
 * falls back along) when nothing (or something unusable) is requested. Which backend runs
 * each piece of work is measured, not taken from this order (src/engine/compute-paths.ts).
 */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** What the WebGPU adapter says about itself (all fields optional: browsers differ). */
export interface AdapterDetails {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface BackendInfo {
  /** The tfjs backend that is active. */
  name: BackendName;
  label: BackendLabel;
  /** WebGPU adapter details, when the webgpu backend won. */
  adapterInfo?: AdapterDetails;
  /** Why the requested (or preferred) backend was not used. */
  fallbackReason?: string;
  /**
   * Every backend that started, in BACKEND_ORDER: the candidates the engine measures each
   * piece of work on. Just `name` when the page asked for one (?backend=).
   */
  available?: BackendName[];
  /** wasm: whether it runs with threads (the page is cross-origin isolated) and SIMD. */
  wasm?: { threads: number; simd: boolean };
}

export function isBackendName(value: unknown): value is BackendName {
  return value === 'webgpu' || value === 'webgl' || value === 'wasm' || value === 'cpu';
}

/** `?backend=` value → backend name; anything else (missing, misspelt) → undefined. */
export function parseBackendParam(search: string): BackendName | undefined {
  const raw = new URLSearchParams(search).get('backend');
  const value = raw?.trim().toLowerCase();
  return isBackendName(value) ? value : undefined;
}

/** Backends to fall back on once `lost` stopped working (its device was lost): the ones after it. */
export function fallbackOrder(lost: BackendName): BackendName[] {
  return BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(lost) + 1);
}

/**
 * `?debug=faults` turns on the engine's fault-injection hooks (destroying the GPU device,
 * for the device-loss e2e test); nothing else does.
 */
export function parseDebugFaults(search: string): boolean {
  return new URLSearchParams(search).getAll('debug').some((v) => v.split(',').includes('faults'));
}

/** Order in which to try backends: the requested one first, then the usual order. */
export function backendAttemptOrder(requested?: BackendName): BackendName[] {
  if (!requested) return [...BACKEND_ORDER];
  return [requested, ...BACKEND_ORDER.filter((b) => b !== requested)];
}

/** SwiftShader (or any fallback adapter) is CPU emulation of a GPU. */
export function isSoftwareAdapter(info: AdapterDetails | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter === true) return true;
  return /swiftshader/i.test(`${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
}

export function backendLabel(name: BackendName, adapterInfo?: AdapterDetails): BackendLabel {
  switch (name) {
    case 'webgpu':
      return isSoftwareAdapter(adapterInfo) ? 'WebGPU (software)' : 'WebGPU';
    case 'webgl':
      return 'WebGL';
    case 'wasm':
      return 'WebAssembly';
    case 'cpu':
      return 'CPU';
  }
}

/** One-line human description, for a tooltip. */
export function describeBackend(info: BackendInfo): string {
  const parts: string[] = [`tfjs backend: ${info.name}`];
  const a = info.adapterInfo;
  if (a) {
    const fields = [
      a.vendor && `vendor ${a.vendor}`,
      a.architecture && `architecture ${a.architecture}`,
      a.device && `device ${a.device}`,
      a.description && `“${a.description}”`,
      a.isFallbackAdapter !== undefined && `fallback adapter: ${a.isFallbackAdapter ? 'yes' : 'no'}`,
    ].filter((s): s is string => typeof s === 'string' && s.length > 0);
    if (fields.length > 0) parts.push(`adapter: ${fields.join(', ')}`);
  }
  if (isSoftwareAdapter(a)) parts.push('software emulation — timings are not GPU timings');
  if (info.available && info.available.length > 1) parts.push(`backends: ${info.available.join(', ')}`);
  if (info.wasm) parts.push(`wasm: ${info.wasm.simd ? 'SIMD' : 'no SIMD'}, ${info.wasm.threads} thread${info.wasm.threads === 1 ? '' : 's'}`);
  if (info.fallbackReason) parts.push(`fallback: ${info.fallbackReason}`);
  return parts.join(' · ');
}
