/**
 * The engine's side of compute-path selection (compute-paths.ts): knows which backends
 * started, makes a configuration's plan (cached; measured, or fixed by ?backend=), makes
 * the plan's ops backend the active tfjs backend, and waits for a plan's queued device work.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SessionConfig } from '../core/session';
import { AbandonedError } from '../core/slices';
import { stepCostOf } from '../core/task';
import { createTask } from '../core/tasks/index';
import { webgpuDevice } from '../gpu/device';
import type { BackendInfo, BackendName } from '../platform/backend-info';
import type { PlanStore } from '../platform/plan-store';
import { referencePairsFor } from './cadence';
import { calibrate, type CalibrationIO, type ComputePlan, fixedPlan, type MeasureBudget, type PathId, planKey, PlanCache } from './compute-paths';
import { pieceWork } from './fused-engine';

export interface PathSelectorOptions {
  now: () => number;
  schedule: (fn: () => void, ms: number) => void;
  /** The page asked for one backend (?backend=): no measuring, that backend for everything. */
  forced: boolean;
  /** Plans measured in earlier page loads on this device (null: none kept). */
  store?: PlanStore | null;
  budget?: MeasureBudget;
}

export class PathSelector {
  private readonly cache = new PlanCache();
  private info: BackendInfo;

  constructor(
    info: BackendInfo,
    private readonly options: PathSelectorOptions,
  ) {
    this.info = info;
  }

  /** The backends now (after a device loss: the ones still working); measured plans start over. */
  setBackends(info: BackendInfo): void {
    this.info = info;
    this.cache.clear();
  }

  get backends(): readonly BackendName[] {
    return this.info.available ?? [this.info.name];
  }

  /** Whether the fused kernels can run: WebGPU started and its device is up. */
  get fusedAvailable(): boolean {
    return this.backends.includes('webgpu') && webgpuDevice() !== null;
  }

  /**
   * The plan for `config`: cached if the same work was measured before; fixed when the
   * page chose a backend or only one candidate exists; else measured now (a few hundred
   * ms; messages are handled between slices and `abandoned` stops it).
   */
  async planFor(config: SessionConfig, abandoned: () => boolean): Promise<ComputePlan> {
    const backends = this.backends;
    const fused = this.fusedAvailable;
    if (this.options.forced) return fixedPlan(config, this.info.name, fused, 'forced');
    const candidates = backends.length + (fused ? 1 : 0);
    if (candidates <= 1) return fixedPlan(config, this.info.name, fused, 'single');
    const key = planKey(config, backends, fused);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const stored = await this.options.store?.get(key);
    if (stored) {
      this.cache.set(key, stored);
      return this.cache.get(key) ?? stored;
    }
    const task = createTask(config.task);
    const pairs = referencePairsFor(task.meta.evalSteps, 2 ** 18, 64, 512, stepCostOf(task.meta));
    const before = tf.getBackend();
    try {
      const plan = await calibrate({
        config,
        backends,
        fusedAvailable: fused,
        io: this.io(abandoned),
        work: (piece, path) => pieceWork(config, piece, path, pairs),
        ...(this.options.budget ? { budget: this.options.budget } : {}),
      });
      this.cache.set(key, plan);
      void this.options.store?.set(key, plan);
      return plan;
    } finally {
      // Calibration switched backends; the caller activates the plan's.
      if (tf.getBackend() !== before) await tf.setBackend(before);
    }
  }

  /**
   * Makes the plan's ops backend the active tfjs backend. One that is not registered at all
   * (an engine driven with a stand-in backend description, as the unit tests do) leaves the
   * active one as it is.
   */
  async activate(plan: ComputePlan): Promise<void> {
    if (tf.getBackend() === plan.ops || !registered(plan.ops)) return;
    if (!(await tf.setBackend(plan.ops))) throw new Error(`the ${plan.ops} backend could not be activated`);
  }

  /** Waits until work queued on the plan's device paths is done (nothing to wait for on CPU-class paths). */
  async fence(plan: ComputePlan | null): Promise<void> {
    const paths = new Set<PathId>([...(plan?.estimators.map((e) => e.path) ?? []), `tfjs-${plan?.ops ?? this.info.name}` as PathId]);
    if (paths.has('tfjs-webgpu') || paths.has('tfjs-webgl')) {
      await tinyReadback();
      return;
    }
    if (paths.has('fused')) await webgpuDevice()?.queue.onSubmittedWorkDone();
  }

  private io(abandoned: () => boolean): CalibrationIO {
    return {
      now: this.options.now,
      abandoned,
      useBackend: async (b) => {
        if (tf.getBackend() !== b) await tf.setBackend(b);
      },
      settle: async (path) => {
        await new Promise<void>((resolve) => this.options.schedule(resolve, 0));
        if (abandoned()) throw new AbandonedError();
        if (path === 'fused') await webgpuDevice()?.queue.onSubmittedWorkDone();
        else if (path === 'tfjs-webgpu' || path === 'tfjs-webgl') await tinyReadback();
      },
    };
  }
}

function registered(name: BackendName): boolean {
  const factories = (tf.engine() as unknown as { registryFactory?: Record<string, unknown> }).registryFactory;
  return factories !== undefined && name in factories;
}

/** A one-value readback on the active backend: resolves when the work queued before it is done. */
async function tinyReadback(): Promise<void> {
  const probe = tf.zeros([1]);
  try {
    await probe.data();
  } finally {
    probe.dispose();
  }
}
