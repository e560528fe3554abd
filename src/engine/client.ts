/**
 * The page's handle on the engine worker: typed send, a listener set, and job ids.
 * `EngineConnection` is the narrow interface the controller uses, so tests can stand in
 * a fake engine without a Worker.
 */
import { parseDebugFaults } from '../platform/backend-info';
import { messageOf } from './errors';
import type { EngineEvent, EngineRequest } from './protocol';

export type EngineListener = (event: EngineEvent) => void;

export interface EngineConnection {
  send(request: EngineRequest): void;
  subscribe(listener: EngineListener): () => void;
  /** A fresh id for a surface/variance job. */
  nextJobId(): number;
  terminate(): void;
}

export class EngineClient implements EngineConnection {
  private readonly worker: Worker;
  private readonly listeners = new Set<EngineListener>();
  private jobCounter = 0;

  constructor() {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'es-playground-engine' });
    this.worker.onmessage = (e: MessageEvent<EngineEvent>) => this.emit(e.data);
    // The worker script itself failed (syntax error, failed import): nothing will ever run.
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit({ type: 'fatal', message: `the engine worker failed to load: ${e.message || 'unknown error'}` });
    };
    this.worker.onmessageerror = () => this.emit({ type: 'fatal', message: 'the engine sent a message the page could not read' });
  }

  send(request: EngineRequest): void {
    try {
      // Fault injection only for pages opened with ?debug=faults.
      const debug = request.type === 'init' && typeof location !== 'undefined' && parseDebugFaults(location.search);
      this.worker.postMessage(debug ? { ...request, debug: true } : request);
    } catch (e) {
      this.emit({ type: 'fatal', message: `could not reach the engine: ${messageOf(e)}` });
    }
  }

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nextJobId(): number {
    this.jobCounter += 1;
    return this.jobCounter;
  }

  terminate(): void {
    this.worker.terminate();
    this.listeners.clear();
  }

  private emit(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }
}
