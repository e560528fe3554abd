import { expect, test } from '@playwright/test';
import { collectErrors, openPlayground, play, setRange } from './helpers';

const ALL_ESTIMATORS = 'full-es,tes,pes,nres,gpes,tbptt,bptt';

/**
 * Every size at its limit (LIMITS in src/core/playground-config.ts): N = 4096, T = K = 10 000, all 7 estimators.
 * On linear-quadratic: lr-schedule's horizon is fixed at T = 100 (its schedule is built for it).
 */
const MAX_LINK =
  `#v1.task=linear-quadratic&est=${ALL_ESTIMATORS}&N=4096&T=10000&K=10000&R=10000&workers=lockstep&burnin=0&rank=0` +
  '&sigmachange=next-episode&sigma=constant,0.3&opt=adam&lr=0.01&seed=1&stop=iterations,1000000&theta0=task' +
  '&surface=raw&x=iteration&logy=1&var=update&speed=100';

/**
 * The same with the autodiff baselines first in line: TBPTT with step-unlocked workers
 * (4096 trajectories through K = 10 000 steps, its gradient by checkpointed segments) and
 * BPTT. In MAX_LINK full-unroll ES runs first and a 1.5 s wait never reaches them.
 */
const MAX_AUTODIFF_LINK = MAX_LINK.replace(`est=${ALL_ESTIMATORS}`, 'est=tbptt,bptt').replace('workers=lockstep', 'workers=unlocked');

for (const [name, link] of [
  ['all seven estimators', MAX_LINK],
  ['TBPTT (step-unlocked) and BPTT', MAX_AUTODIFF_LINK],
] as const) {
  test(`at the maximum settings the pause button takes effect within 200 ms: ${name}`, async ({ page }) => {
    const errors = collectErrors(page);
    // CPU backend: the worst case for the engine's thread (every op runs on it).
    await openPlayground(page, `?backend=cpu${link}`);
    await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '0');
    // The link was taken as it is (nothing clamped: these are the limits themselves).
    await expect(page.getByTestId('notice-warning')).toHaveCount(0);
    // Landscape jobs slice by grid row (~0.1–0.3 s each on the CPU): let them finish first.
    await expect(page.getByTestId('surface-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      await play(page);
      // Deep inside an outer update (one takes minutes at these settings).
      await page.waitForTimeout(1500);
      const ms = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const status = document.querySelector('[data-testid="status"]')!;
            const t0 = performance.now();
            const observer = new MutationObserver(() => {
              if (status.getAttribute('data-value') === 'paused') {
                observer.disconnect();
                resolve(performance.now() - t0);
              }
            });
            observer.observe(status, { attributes: true });
            (document.querySelector('[data-testid="play"]') as HTMLButtonElement).click();
          }),
      );
      latencies.push(ms);
    }
    console.log(`pause latency at max settings, ${name} (CPU backend, click → 'paused' shown): ${latencies.map((v) => v.toFixed(0)).join(', ')} ms`);
    for (const ms of latencies) expect(ms).toBeLessThan(200);
    // Still on the first update: the pauses held it part-way, nothing was lost or reset.
    await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '0');
    expect(errors).toEqual([]);
  });
}

interface EngineStats {
  iteration: number;
  frames: number;
  numTensors: number;
  numBytes: number;
  gpuBytes: number | null;
  jsHeapUsed: number | null;
  frameCostMs: number;
  jobs: number;
  backend: string | null;
  status: string;
  /** Live GPUBuffers (tfjs's pool and the fused kernels'), counted by the debug hook. */
  gpu: { liveBuffers: number; liveBytes: number } | null;
}

const SOAK_UPDATES = 5000;
const SOAK_BACKEND = process.env.SOAK_BACKEND ?? 'webgpu';
const SOAK_SPEED = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/**
 * The default experiment (lr-schedule; TES, PES, NRES; N = 50, T = 100, K = 10) for 5 000
 * outer updates. Settings for CI (no GPU, 2 cores): the CPU backend — SwiftShader WebGPU
 * emulates the GPU on the same cores and is slower for these tiny tensors — speed 100
 * (updates per tick, each tick still capped at 40 ms of work), the raw landscape only (no
 * Monte-Carlo refinement jobs competing). SOAK_BACKEND=webgpu runs it on WebGPU instead.
 * Figures come from the engine worker's ?debug=faults hook (self.esPlaygroundDebug.stats(),
 * read at frame time, between updates) and, for the page, CDP Performance.getMetrics.
 */
test(`soak: the default experiment for ${SOAK_UPDATES} updates keeps memory and frame times flat`, async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  const link =
    '#v1.task=lr-schedule&est=tes,pes,nres&N=50&T=100&K=10&R=10&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode' +
    `&sigma=constant,0.3&opt=adam&lr=0.01&seed=1&stop=iterations,${SOAK_UPDATES}&theta0=task&surface=raw&x=iteration&logy=1&var=update&speed=${SOAK_SPEED}`;
  await openPlayground(page, `?debug=faults&backend=${SOAK_BACKEND}${link}`);
  await expect(page.getByTestId('surface-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  const worker = page.workers().find((w) => /engine/.test(w.url()));
  if (!worker) throw new Error('no engine worker');
  const stats = (): Promise<EngineStats> => worker.evaluate(() => (self as unknown as { esPlaygroundDebug: { stats: () => EngineStats } }).esPlaygroundDebug.stats());
  const cdp = await page.context().newCDPSession(page);
  const pageHeap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
  };
  await cdp.send('Performance.enable');
  // The worker's heap: through the browser's CDP session, attached to the worker target.
  const browserCdp = await page.context().browser()!.newBrowserCDPSession();
  const { targetInfos } = await browserCdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'worker' && /engine/.test(t.url));
  if (!target) throw new Error('no engine worker target');
  const { sessionId } = await browserCdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 0;
  const pending = new Map<number, (result: Record<string, number>) => void>();
  browserCdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message) as { id?: number; result?: Record<string, number> };
    if (m.id !== undefined) pending.get(m.id)?.(m.result ?? {});
  });
  const inWorker = (method: string): Promise<Record<string, number>> =>
    new Promise((resolve) => {
      nextId += 1;
      pending.set(nextId, resolve);
      void browserCdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: nextId, method, params: {} }) });
    });
  const workerHeap = async (): Promise<number> => {
    await inWorker('HeapProfiler.collectGarbage');
    return (await inWorker('Runtime.getHeapUsage')).usedSize ?? Number.NaN;
  };

  // A frame taken while idle (nothing queued on the device): its cost at the start…
  const idleFrameCost = async (speed: number): Promise<number> => {
    const before = (await stats()).frames;
    await setRange(page, 'speed', speed);
    await expect.poll(async () => (await stats()).frames, { timeout: 60_000 }).toBeGreaterThan(before);
    return (await stats()).frameCostMs;
  };
  await idleFrameCost(SOAK_SPEED + 1);
  const frameCostStart = await idleFrameCost(SOAK_SPEED);
  const started = Date.now();
  await play(page);
  const samples: EngineStats[] = [];
  const times: number[] = [];
  let pageHeapEarly = Number.NaN;
  let workerHeapEarly = Number.NaN;
  for (;;) {
    await page.waitForTimeout(500);
    const s = await stats();
    samples.push(s);
    times.push((Date.now() - started) / 1000);
    if (Number.isNaN(pageHeapEarly) && s.iteration >= 500) {
      pageHeapEarly = await pageHeap();
      workerHeapEarly = await workerHeap();
    }
    if ((s.status === 'done' && s.iteration >= SOAK_UPDATES) || Date.now() - started > 240_000) break;
  }
  const seconds = (Date.now() - started) / 1000;
  const last = samples.at(-1)!;
  // …and after 5 000 updates.
  const frameCostEnd = await idleFrameCost(SOAK_SPEED + 1);
  const pageHeapLate = await pageHeap();
  const workerHeapLate = await workerHeap();
  // Warm-up (shader/kernel caches, first diagnostics) is the first 500 updates.
  const steady = samples.filter((s) => s.iteration >= 500 && s.jobs === 0);
  const first = steady[0]!;
  const thirds = Math.max(1, Math.floor(steady.length / 3));
  const early = median(steady.slice(0, thirds).map((s) => s.frameCostMs));
  const late = median(steady.slice(-thirds).map((s) => s.frameCostMs));
  const mb = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MB`);
  console.log(
    [
      `soak on ${last.backend}: ${last.iteration} updates in ${seconds.toFixed(0)} s (${samples.length} samples, ${last.frames} frames)`,
      `numTensors ${first.numTensors} → ${last.numTensors}; tensor bytes ${mb(first.numBytes)} → ${mb(last.numBytes)}`,
      `GPU buffers ${first.gpu?.liveBuffers ?? 'n/a'} (${mb(first.gpu?.liveBytes ?? null)}) → ${last.gpu?.liveBuffers ?? 'n/a'} (${mb(last.gpu?.liveBytes ?? null)}); tfjs GPU bytes ${mb(first.gpuBytes)} → ${mb(last.gpuBytes)}`,
      `worker heap ${mb(workerHeapEarly)} → ${mb(workerHeapLate)}; page heap ${mb(pageHeapEarly)} → ${mb(pageHeapLate)} (after GC, from update 500 on)`,
      `idle frame cost ${frameCostStart.toFixed(0)} ms at update 0 → ${frameCostEnd.toFixed(0)} ms at update ${SOAK_UPDATES}; while running (median, GPU queue drain included) ${early.toFixed(0)} → ${late.toFixed(0)} ms`,
    ].join('\n'),
  );
  expect(last.status).toBe('done');
  expect(last.iteration).toBe(SOAK_UPDATES);
  expect(steady.length).toBeGreaterThanOrEqual(5);
  // Frames come every 3× their cost (≥ 80 ms): on SwiftShader a frame costs ~1 s, so few.
  expect(new Set(steady.map((s) => s.frames)).size).toBeGreaterThanOrEqual(3);
  if (SOAK_BACKEND === 'webgpu') expect(last.gpu).not.toBeNull();
  // Tensors and their bytes: exactly flat from the end of warm-up on.
  for (const s of steady) {
    expect(s.numTensors).toBe(first.numTensors);
    expect(s.numBytes).toBe(first.numBytes);
    if (first.gpuBytes !== null && s.gpuBytes !== null) expect(s.gpuBytes).toBeLessThanOrEqual(first.gpuBytes + 2 ** 20);
    // All GPU buffers (tfjs pool + fused kernels): no growth beyond the pool's slack.
    if (first.gpu && s.gpu) expect(s.gpu.liveBytes).toBeLessThanOrEqual(first.gpu.liveBytes + 4 * 2 ** 20);
  }
  // Heaps: bounded growth (curves and trails are capped, frames are not kept).
  expect(workerHeapLate - workerHeapEarly).toBeLessThan(32 * 2 ** 20);
  expect(pageHeapLate - pageHeapEarly).toBeLessThan(32 * 2 ** 20);
  // Frame times and update rate: no drift (a leak or a growing history would show here first).
  expect(frameCostEnd).toBeLessThanOrEqual(2 * frameCostStart + 50);
  const half = steady[Math.floor(steady.length / 2)]!;
  const rate = (a: EngineStats, b: EngineStats, ta: number, tb: number): number => (b.iteration - a.iteration) / Math.max(1e-3, tb - ta);
  const ti = (s: EngineStats): number => times[samples.indexOf(s)] ?? 0;
  const rateEarly = rate(first, half, ti(first), ti(half));
  const rateLate = rate(half, last, ti(half), ti(last));
  console.log(`updates/s ${rateEarly.toFixed(0)} (first half) → ${rateLate.toFixed(0)} (second half)`);
  expect(rateLate).toBeGreaterThan(0.5 * rateEarly);
  expect(errors).toEqual([]);
});
