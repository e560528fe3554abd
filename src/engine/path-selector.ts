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
import { type BackendProbe, calibrate, type CalibrationIO, type ComputePlan, fixedPlan, hopelessBackends, type MeasureBudget, type PathId, planKey, PlanCache } from './compute-paths';
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
  /** Each backend's probe, measured once per page (the device does not change). */
  private probes: Map<BackendName, BackendProbe> | null = null;
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
    this.probes = null;
  }

  /** Every backend's probe (measured on the first call; GPU backends only matter when a CPU-class one is there to compare). */
  private async probeAll(abandoned: () => boolean): Promise<Map<BackendName, BackendProbe>> {
    if (this.probes) return this.probes;
    const probes = new Map<BackendName, BackendProbe>();
    const io = this.io(abandoned);
    for (const b of this.backends) {
      await io.useBackend(b);
      probes.set(b, await probeBackend(b));
    }
    this.probes = probes;
    return probes;
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
      const hopeless = hopelessBackends(await this.probeAll(abandoned), stepCostOf(task.meta) > 1);
      const plan = await calibrate({
        config,
        backends,
        fusedAvailable: fused,
        hopeless,
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

/**
 * A readback on the active backend that waits for the work queued before it: an op on
 * 4,096 values (above the sizes tfjs hands to the CPU on its GPU backends: 1,000 on
 * WebGPU, 128 on WebGL), so it runs on the device, in queue order, after everything
 * queued earlier. A plain one-value readback would not wait: tfjs keeps small constants
 * on the CPU and reads them back without touching the device (measured: tfjs-webgpu then
 * looked 100x faster than it is on software WebGPU).
 */
async function tinyReadback(): Promise<void> {
  const probe = tf.tidy(() => tf.add(tf.zeros([4096]), 1));
  try {
    await probe.data();
  } finally {
    probe.dispose();
  }
}

/**
 * The active backend's speed at the two kinds of work the tasks are made of: a chain of 48
 * small element-wise ops (dispatch-bound), and one GEMM [128, 256] x [256, 512]
 * (compute-bound). Each once to warm up (shader compilation), then timed; fenced.
 */
async function probeBackend(backend: BackendName): Promise<BackendProbe> {
  const fence = async (t: tf.Tensor): Promise<void> => {
    await t.data();
    t.dispose();
  };
  const chain = (): tf.Tensor =>
    tf.tidy(() => {
      let x = tf.fill([64, 64], 0.5);
      for (let i = 0; i < 24; i++) x = tf.add(tf.mul(x, 0.99), 0.01);
      return x;
    });
  const a = tf.fill([128, 256], 0.01);
  const b = tf.fill([256, 512], 0.01);
  try {
    const timeOf = async (f: () => tf.Tensor): Promise<number> => {
      await fence(f());
      const t0 = performance.now();
      await fence(f());
      return performance.now() - t0;
    };
    // Small ops on the CPU-class backends are sub-millisecond: the clock needs a few rounds.
    const rounds = backend === 'wasm' || backend === 'cpu' ? 4 : 1;
    let dispatchMs = 0;
    for (let r = 0; r < rounds; r++) dispatchMs += (await timeOf(chain)) / rounds;
    const gemmMs = await timeOf(() => tf.matMul(a, b));
    return { dispatchMs, gemmMs };
  } finally {
    a.dispose();
    b.dispose();
  }
}

