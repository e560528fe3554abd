/// <reference lib="webworker" />
/**
 * The dedicated engine worker: tfjs (WebGPU → WebGL via OffscreenCanvas → CPU) and the
 * EngineHost, so the simulation never runs on the page's main thread.
 */
import { type BackendInfo, destroyDevice, selectBackend, selectFallbackBackend, watchDeviceLoss } from '../platform/backend';
import { indexedDbPlanStore } from '../platform/plan-store';
import { installGpuBufferAccounting, gpuMemory } from '../platform/gpu-accounting';
import { EngineHost } from './engine-host';
import { messageOf } from './errors';
import type { EngineEvent, EngineRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

// Zero-delay yields through a MessageChannel: setTimeout(0) is clamped to ≥ 4 ms once
// nested, which would cap a fast task at ~250 ticks per second for no reason.
const channel = new MessageChannel();
const immediate: (() => void)[] = [];
channel.port1.onmessage = () => immediate.shift()?.();

function schedule(fn: () => void, ms: number): void {
  if (ms > 0) {
    setTimeout(fn, ms);
    return;
  }
  immediate.push(fn);
  channel.port2.postMessage(null);
}

function post(event: EngineEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, transfer);
}

// Plans measured on this browser and device are kept (IndexedDB) for the next page load.
const planStore = (backend: BackendInfo) => indexedDbPlanStore(JSON.stringify([navigator.userAgent, backend.name, backend.adapterInfo ?? null, backend.available ?? null]));

const host = new EngineHost({ post, selectBackend, schedule, watchDeviceLoss, fallbackBackend: selectFallbackBackend, loseDevice: destroyDevice, planStore });

self.onmessage = (e: MessageEvent<EngineRequest>) => {
  try {
    // ?debug=faults: a handle for the e2e tests (Playwright evaluates in this worker):
    // fault injection, and memory / timing figures for the soak test.
    if (e.data.type === 'init' && e.data.debug) {
      installGpuBufferAccounting();
      (self as unknown as { esPlaygroundDebug?: unknown }).esPlaygroundDebug = {
        loseDevice: () => host.handle({ type: 'debug-lose-device' }),
        stats: () => ({ ...host.stats(), gpu: gpuMemory() }),
      };
    }
    host.handle(e.data);
  } catch (err) {
    post({ type: 'error', generation: -1, message: messageOf(err) });
  }
};

self.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  post({ type: 'error', generation: -1, message: `engine: ${messageOf(e.reason)}` });
});
