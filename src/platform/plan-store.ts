/**
 * Measured compute plans kept across page loads (IndexedDB, in the engine worker): a
 * lecturer who opens a preset again, or reloads the page, gets the plan measured last time
 * on this browser and device at once instead of measuring again. Keyed by the work
 * (src/engine/compute-paths.ts `planKey`) and the device; entries older than a week are
 * measured anew (browsers and drivers update). Every failure (no IndexedDB, private mode,
 * a full disk) only means measuring again.
 */
import type { ComputePlan } from '../engine/compute-paths';

export interface PlanStore {
  get(key: string): Promise<ComputePlan | null>;
  set(key: string, plan: ComputePlan): Promise<void>;
}

const DB = 'es-playground';
const STORE = 'compute-plans';
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

interface Entry {
  plan: ComputePlan;
  savedAt: number;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
  });
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The IndexedDB store, for `device` (a description of the browser and adapter); null where there is no IndexedDB. */
export function indexedDbPlanStore(device: string): PlanStore | null {
  if (typeof indexedDB === 'undefined') return null;
  let db: Promise<IDBDatabase> | null = null;
  const database = (): Promise<IDBDatabase> => (db ??= open());
  const fullKey = (key: string): string => `${device}|${key}`;
  return {
    async get(key) {
      try {
        const tx = (await database()).transaction(STORE, 'readonly');
        const entry = (await request(tx.objectStore(STORE).get(fullKey(key)))) as Entry | undefined;
        if (!entry || Date.now() - entry.savedAt > MAX_AGE_MS) return null;
        return entry.plan;
      } catch {
        return null;
      }
    },
    async set(key, plan) {
      try {
        const tx = (await database()).transaction(STORE, 'readwrite');
        await request(tx.objectStore(STORE).put({ plan, savedAt: Date.now() } satisfies Entry, fullKey(key)));
      } catch {
        // Not kept: measured again next time.
      }
    },
  };
}
