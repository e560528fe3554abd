/**
 * `npm run bench`: the speed of the compute paths, in one run on this machine.
 *
 *  - Lorenz NRES outer update (K = 100) at N = 64, 1024, 16384 pairs: tfjs op by op on the
 *    cpu, webgl and webgpu backends, the fused WGSL kernels and a plain TypeScript loop in
 *    headless Chromium (bench/index.html), and tfjs cpu in Node;
 *  - the 64×64 σ-smoothed lr-schedule surface with 32 samples per point (fused);
 *  - frame time p50/p95 of the playground page while its default experiment runs;
 *  - every preset of the page, on each backend (?backend=) and on the paths the engine
 *    measures and chooses itself: time from choosing the preset to Play enabled,
 *    updates/s while running, and how often the gradient-quality plot gets a point;
 *  - how long the pause button takes at the maximum settings (a figure the tests do not
 *    gate: they assert the work per slice instead, see src/engine/pacing.test.ts);
 *  - the production bundle size (gzip).
 *
 * Prints a table and writes bench/results/latest.json. Slow op-by-op cases are capped
 * (fewer updates, or K-step truncations scaled to K = 100) so the run stays within a few
 * minutes; the table says where. Without a GPU, Chromium's WebGPU is SwiftShader (CPU
 * emulation): those are not GPU timings. Also runs `npm run bench:tasks` when it exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from '@playwright/test';
import type * as TF from '@tensorflow/tfjs-core';
import type { BenchApi } from './page/main';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/chromium';
import { MAX_LINK } from '../e2e/links';
import { serveStatic } from './serve';

declare global {
  interface Window {
    __es?: BenchApi;
    __esReady?: Promise<string>;
  }
}

interface Entry {
  name: string;
  path: string;
  pairs: number | null;
  K: number | null;
  particleStepsPerSec: number | null;
  msPerUpdate: number | null;
  note?: string;
  value?: number;
  unit?: string;
  samples?: number[];
}

const entries: Entry[] = [];
const PAIRS = [64, 1024, 16384];
const K = 100;

function lorenzEntry(path: string, pairs: number, t: { msPerUpdate: number; updates: number; warmup: number; samples?: number[] }, note = ''): void {
  const steps = 2 * pairs * K;
  entries.push({
    name: 'lorenz-nres-update',
    path,
    pairs,
    K,
    msPerUpdate: round(t.msPerUpdate),
    particleStepsPerSec: round((steps * 1000) / t.msPerUpdate),
    note: `median of ${t.updates} update(s) timed after ${t.warmup} warm-up${note ? `; ${note}` : ''}`,
    ...(t.samples ? { samples: t.samples.map(round) } : {}),
  });
  console.log(`  ${path.padEnd(22)} N=${String(pairs).padStart(5)}  ${t.msPerUpdate.toFixed(1).padStart(10)} ms/update  ${note}`);
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** Updates to time per case: fewer where an update is slow; K scaled down for op-by-op at 16384. */
function plan(path: string, pairs: number): { updates: number; warmup: number; K: number } {
  if (path === 'fused') return { updates: 10, warmup: 1, K };
  if (pairs >= 16384) return { updates: 1, warmup: 0, K: 10 };
  if (pairs >= 1024) return { updates: 1, warmup: 1, K };
  return { updates: 3, warmup: 1, K };
}

async function browserCases(): Promise<void> {
  execFileSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { stdio: 'inherit' });
  const server = await serveStatic('bench/dist');
  const exe = chromiumPath();
  const browser = await chromium.launch({ ...(exe ? { executablePath: exe } : {}), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`${server.url}/`);
    const ready = await page.evaluate(() => window.__esReady);
    if (ready !== 'ready') throw new Error(`bench page: ${ready}`);
    const adapter = await page.evaluate(() => window.__es!.adapter());
    console.log(`WebGPU adapter: ${JSON.stringify(adapter)}`);
    entries.push({ name: 'webgpu-adapter', path: 'chromium', pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, note: JSON.stringify(adapter) });
    console.log('Lorenz NRES outer update, K = 100 (browser)');
    // JIT warm-up of the TypeScript loop (not timed).
    await page.evaluate(() => window.__es!.lorenzTsLoop(64, 5));
    for (const pairs of PAIRS) {
      await page.evaluate(() => window.__es!.useBackend('webgpu'));
      const p = plan('fused', pairs);
      const fused = await page.evaluate((a) => window.__es!.lorenzUpdate('fused', a.pairs, a.updates, a.warmup), { pairs, ...p });
      lorenzEntry('fused-webgpu', pairs, fused);
      if (pairs === PAIRS[0]) {
        // The first fused update of a page compiles the kernels (slow on SwiftShader).
        console.log(`  (first fused update, kernel compilation included: ${fused.warmupMs.toFixed(0)} ms)`);
        entries.push({ name: 'fused-first-update', path: 'fused-webgpu', pairs, K, particleStepsPerSec: null, msPerUpdate: round(fused.warmupMs), note: 'includes compiling the WGSL pipelines' });
      }
      const pipelined = await page.evaluate((a) => window.__es!.lorenzFusedPipelined(a.pairs, a.updates, a.warmup), { pairs, ...p });
      lorenzEntry('fused-webgpu-pipelined', pairs, pipelined, `${p.updates} updates submitted back to back, one fence (as the engine trains)`);
      const tsUpdates = pairs >= 16384 ? 5 : pairs >= 1024 ? 10 : 20;
      lorenzEntry('ts-loop', pairs, await page.evaluate((a) => window.__es!.lorenzTsLoop(a.pairs, a.updates), { pairs, updates: tsUpdates }));
      for (const backend of only === 'fused' ? [] : (['cpu', 'wasm', 'webgl', 'webgpu'] as const)) {
        const q = plan(backend, pairs);
        await page.evaluate((b) => window.__es!.useBackend(b), backend);
        const t = await page.evaluate((a) => window.__es!.lorenzUpdate('tfjs', a.pairs, a.updates, a.warmup, a.K), { pairs, ...q });
        lorenzEntry(`tfjs-${backend}-ops`, pairs, t, q.K < K ? `timed on K = ${q.K} truncations, scaled ×${K / q.K}` : '');
      }
    }
    await page.evaluate(() => window.__es!.useBackend('webgpu'));
    const s = await page.evaluate(() => window.__es!.fusedSurface('lr-schedule', 64, 32));
    console.log(`Smoothed lr-schedule surface 64×64 × 32 samples (fused): ${s.ms.toFixed(0)} ms`);
    entries.push({ name: 'surface-lr-schedule-64x64x32', path: 'fused-webgpu', pairs: null, K: null, particleStepsPerSec: round((s.points * (1 + s.samples) * 100 * 1000) / s.ms), msPerUpdate: null, value: round(s.ms), unit: 'ms' });
  } finally {
    await browser.close();
    await server.close();
  }
}

interface SigmaDrag {
  sigma: string;
  blurMs: number;
  firstMs: number;
  firstSamples: number;
  finalMs: number;
  finalSamples: number;
}

/**
 * In the page (a string: tsx's name-keeping helper does not exist there): moves the σ
 * slider once and times, with a MutationObserver on the smoothed plot's data-drawn-*
 * attributes (set once Plotly has drawn), when the new σ's blur, first Monte-Carlo stage
 * and final stage (the status back to 'ready') reach the screen.
 */
const SIGMA_DRAG_PROBE = `new Promise((resolve, reject) => {
  const input = document.querySelector('[data-testid="sigma-slider"]');
  const plot = document.querySelector('[data-testid="plot-surface-smoothed"]');
  const status = () => document.querySelector('[data-testid="surface-status"]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const out = { sigma: '', blurMs: NaN, firstMs: NaN, firstSamples: 0, finalMs: NaN, finalSamples: 0 };
  let t0 = 0;
  const check = () => {
    const t = performance.now() - t0;
    if (plot.getAttribute('data-drawn-sigma') !== out.sigma) return;
    const source = plot.getAttribute('data-drawn-source');
    const samples = Number(plot.getAttribute('data-drawn-samples'));
    if (source === 'blur' && Number.isNaN(out.blurMs)) out.blurMs = t;
    if (source === 'monte-carlo' && Number.isNaN(out.firstMs)) { out.firstMs = t; out.firstSamples = samples; }
    if (source === 'monte-carlo' && status()?.getAttribute('data-state') === 'ready' && plot.getAttribute('data-samples') === String(samples)) {
      out.finalMs = t; out.finalSamples = samples;
      done();
    }
  };
  const observer = new MutationObserver(check);
  const statusObserver = new MutationObserver(check);
  const timer = setTimeout(() => { done(); reject(new Error('no final surface within 60 s: ' + JSON.stringify(out))); }, 60000);
  const done = () => { observer.disconnect(); statusObserver.disconnect(); clearTimeout(timer); resolve(out); };
  observer.observe(plot, { attributes: true, attributeFilter: ['data-drawn-sigma', 'data-drawn-source', 'data-drawn-samples', 'data-drawn'] });
  statusObserver.observe(document.querySelector('.panel.landscape'), { attributes: true, subtree: true, attributeFilter: ['data-state'] });
  t0 = performance.now();
  setter.call(input, String(Number(input.value) - 40));
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
  out.sigma = input.getAttribute('data-value');
})`;

/** In the page (a string, as above): clicks pause and times it until the status shows 'paused' (NaN after 60 s). */
const PAUSE_PROBE = `new Promise((resolve) => {
  const status = document.querySelector('[data-testid="status"]');
  const observer = new MutationObserver(() => {
    if (status.getAttribute('data-value') === 'paused') { observer.disconnect(); resolve(performance.now() - t0); }
  });
  observer.observe(status, { attributes: true });
  setTimeout(() => { observer.disconnect(); resolve(NaN); }, 60000);
  const t0 = performance.now();
  document.querySelector('[data-testid="play"]').click();
})`;

/**
 * Pause latency at the maximum settings (N = 4096, T = K = 10 000, all 7 estimators) on the
 * CPU backend, the engine thread's worst case: click → 'paused' shown, 5 times deep inside
 * the first update (target < 200 ms). The e2e test only checks that the pause lands mid-update.
 */
async function pauseLatency(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/?backend=cpu${MAX_LINK}`);
  await page.waitForFunction(() => !(document.querySelector('[data-testid="play"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="surface-status"]')?.getAttribute('data-state') === 'ready', undefined, { timeout: 180_000 });
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.getByTestId('play').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.getAttribute('data-value') === 'running');
    await page.waitForTimeout(1500);
    samples.push(await page.evaluate<number>(PAUSE_PROBE));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`Pause at the maximum settings (CPU backend, click → 'paused' shown): median ${sorted[2]?.toFixed(0)} ms, max ${sorted[4]?.toFixed(0)} ms (${samples.map((v) => v.toFixed(0)).join(', ')})`);
  entries.push({ name: 'pause-latency-max-settings', path: 'cpu', pairs: 4096, K: 10_000, particleStepsPerSec: null, msPerUpdate: null, value: round(sorted[2] ?? Number.NaN), unit: 'ms', note: `median of 5, max ${round(sorted[4] ?? Number.NaN)} ms; target < 200 ms`, samples: samples.map(round) });
  await page.close();
}

async function appFrameTimes(): Promise<void> {
  execFileSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  const server = await serveStatic('dist');
  const exe = chromiumPath();
  const browser = await chromium.launch({ ...(exe ? { executablePath: exe } : {}), args: CHROMIUM_ARGS });
  try {
    if (only === 'pause') return await pauseLatency(await browser.newPage({ viewport: { width: 1280, height: 720 } }), server.url);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${server.url}/`);
    await page.getByTestId('play').waitFor({ state: 'visible', timeout: 120_000 });
    await page.waitForFunction(() => !(document.querySelector('[data-testid="play"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 120_000 });
    const badge = (await page.getByTestId('backend-badge').innerText()).trim();
    // σ drag → refreshed smoothed surface (default preset, idle run): from the slider's input
    // event to the new σ's surface on screen (Plotly has drawn it: data-drawn-* on the plot),
    // three times: the instant blur, the first Monte-Carlo stage, the final stage.
    const smoothed = page.getByTestId('plot-surface-smoothed');
    await smoothed.waitFor({ state: 'attached', timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="surface-status"]')?.getAttribute('data-state') === 'ready' && document.querySelector('[data-testid="plot-surface-smoothed"]')?.getAttribute('data-drawn-source') === 'monte-carlo', undefined, { timeout: 120_000 });
    // From an idle page: the full redraw that follows the last grid (hover values, 400 ms later) is done.
    await page.waitForTimeout(1500);
    const drag = await page.evaluate<SigmaDrag>(SIGMA_DRAG_PROBE);
    console.log(
      `σ input → smoothed surface on screen (default preset, σ = ${drag.sigma}): blur ${drag.blurMs.toFixed(0)} ms, first Monte-Carlo stage (${drag.firstSamples} samples/point) ${drag.firstMs.toFixed(0)} ms, final stage (${drag.finalSamples} samples/point) ${drag.finalMs.toFixed(0)} ms`,
    );
    const dragEntry = (name: string, ms: number, note: string): void => {
      entries.push({ name, path: badge, pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, value: round(ms), unit: 'ms', note });
    };
    dragEntry('sigma-drag-to-blur', drag.blurMs, `σ = ${drag.sigma}; the Gaussian blur of the cached raw grid, drawn`);
    dragEntry('sigma-drag-to-first-monte-carlo', drag.firstMs, `${drag.firstSamples} samples per point, drawn; target < 100 ms`);
    dragEntry('sigma-drag-to-final-monte-carlo', drag.finalMs, `${drag.finalSamples} samples per point, drawn`);
    if (only === 'drag') return;
    // The default variance sweep (the panel's defaults), idle run: button to result, capped at 150 s.
    const variance = await page.evaluate<{ ms: number; status: string; progress: string }>(`new Promise((resolve) => {
      const panel = document.querySelector('[data-testid="variance-panel"]');
      const t0 = performance.now();
      document.querySelector('[data-testid="variance-measure"]').click();
      const poll = () => {
        const status = panel.getAttribute('data-status');
        const bar = document.querySelector('[data-testid="variance-progress"]');
        if (status !== 'running' && performance.now() - t0 > 100) resolve({ ms: performance.now() - t0, status, progress: '1' });
        else if (performance.now() - t0 > 150000) resolve({ ms: performance.now() - t0, status: 'unfinished', progress: bar ? bar.getAttribute('value') : '?' });
        else setTimeout(poll, 50);
      };
      setTimeout(poll, 50);
    })`);
    if (variance.status === 'unfinished') await page.getByTestId('variance-cancel').click();
    const repeats = await page.getByTestId('variance-repeats').inputValue();
    console.log(`Default variance sweep (${repeats} repeats; the engine's path: fused on WebGPU, reference gradient on tfjs): ${variance.status === 'done' ? `${(variance.ms / 1000).toFixed(1)} s` : `${variance.status} after ${(variance.ms / 1000).toFixed(0)} s (progress ${variance.progress})`}`);
    entries.push({ name: 'variance-sweep-default', path: badge, pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, value: round(variance.ms), unit: 'ms', note: `${repeats} repeats; status ${variance.status}${variance.status === 'unfinished' ? `, progress ${variance.progress} (cancelled)` : ''}` });
    await page.getByTestId('play').click();
    // Steady state: past the first updates (kernel compilation) and the first gradient diagnostics.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="iteration"]')?.getAttribute('data-value')) >= 30, undefined, { timeout: 180_000 });
    const iteration0 = await page.getByTestId('iteration').first().getAttribute('data-value');
    // A string, not a function: tsx's name-keeping helper (__name) does not exist in the page.
    const gaps = await page.evaluate<number[]>(`new Promise((resolve) => {
      const out = [];
      let last = performance.now();
      const end = last + 8000;
      const tick = (now) => {
        out.push(now - last);
        last = now;
        if (now < end) requestAnimationFrame(tick);
        else resolve(out);
      };
      requestAnimationFrame(tick);
    })`);
    const sorted = gaps.slice(1).sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
    const iteration = await page.getByTestId('iteration').first().getAttribute('data-value');
    console.log(`Playground frame time while the default experiment runs (${badge}): p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms over ${sorted.length} frames; iterations ${iteration0} → ${iteration} in 8 s`);
    entries.push({ name: 'app-frame-time-p50', path: badge, pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, value: round(q(0.5)), unit: 'ms' });
    entries.push({ name: 'app-frame-time-p95', path: badge, pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, value: round(q(0.95)), unit: 'ms' });
    await pauseLatency(await browser.newPage({ viewport: { width: 1280, height: 720 } }), server.url);
  } finally {
    await browser.close();
    await server.close();
  }
  let js = 0;
  let all = 0;
  for (const f of readdirSync('dist/assets')) {
    const gz = gzipSync(readFileSync(join('dist/assets', f))).length;
    all += gz;
    if (f.endsWith('.js')) js += gz;
  }
  console.log(`Production bundle (dist/assets, gzip): ${(all / 1024).toFixed(0)} kB (JS ${(js / 1024).toFixed(0)} kB)`);
  entries.push({ name: 'bundle-gzip', path: 'dist/assets', pairs: null, K: null, particleStepsPerSec: null, msPerUpdate: null, value: Math.round(all / 1024), unit: 'kB' });
}

/** Seconds each preset runs per mode (after its first updates). */
const PRESET_RUN_MS = 10_000;
const PRESET_MODES = ['auto', 'webgpu', 'wasm', 'cpu', 'webgl'] as const;
type PresetMode = (typeof PRESET_MODES)[number];

/** `--modes=auto,wasm` and `--presets=a,b` narrow the preset section (a quick re-check on a quiet machine). */
function listArg(name: string): string[] | null {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3).split(',').filter(Boolean) : null;
}
const presetModes: readonly PresetMode[] = (() => {
  const wanted = listArg('modes');
  if (!wanted) return PRESET_MODES;
  const unknown = wanted.filter((m) => !(PRESET_MODES as readonly string[]).includes(m));
  if (unknown.length > 0) throw new Error(`--modes: unknown ${unknown.join(', ')} (choose from ${PRESET_MODES.join(', ')})`);
  return PRESET_MODES.filter((m) => wanted.includes(m));
})();
const presetIds = listArg('presets');

interface PresetFigure {
  preset: string;
  mode: PresetMode;
  /** The machine's 1-minute load average at the end of the timed window (the cores are shared). */
  load: number;
  badge: string;
  ops: string;
  playEnabledMs: number | null;
  updatesPerSecond: number | null;
  /** Gradient-quality points per minute of running. */
  diagnosticsPerMinute: number | null;
  note?: string;
}

/**
 * Every preset in the production page, on each backend and on the engine's own choice
 * ('auto', no ?backend=), each in a browser of its own (work a slow backend left queued
 * on the GPU process must not slow the next): from choosing the preset to Play enabled
 * (the session built, its paths measured), then — at the highest speed, so the figure is
 * the path's throughput, not the preset's teaching pace — updates/s over PRESET_RUN_MS
 * (or until the preset's stop condition) and the gradient-quality points meanwhile. A mode
 * that is not ready within 60 s is recorded as such.
 */
async function presetCases(): Promise<PresetFigure[]> {
  execFileSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  const server = await serveStatic('dist');
  const exe = chromiumPath();
  const { PRESETS } = await import('../src/content/presets');
  const figures: PresetFigure[] = [];
  const playEnabled = (page: Page, timeout: number) =>
    page.waitForFunction(() => !(document.querySelector('[data-testid="play"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout });
  const numberAt = async (page: Page, testId: string, attr: string): Promise<number> => Number((await page.getByTestId(testId).first().getAttribute(attr)) ?? Number.NaN);
  try {
    const unknown = (presetIds ?? []).filter((id) => !PRESETS.some((p) => p.id === id));
    if (unknown.length > 0) throw new Error(`--presets: unknown ${unknown.join(', ')}`);
    for (const preset of PRESETS.filter((p) => !presetIds || presetIds.includes(p.id))) {
      for (const mode of presetModes) {
        const browser = await chromium.launch({ ...(exe ? { executablePath: exe } : {}), args: CHROMIUM_ARGS });
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        const figure: PresetFigure = { preset: preset.id, mode, load: Number.NaN, badge: '', ops: '', playEnabledMs: null, updatesPerSecond: null, diagnosticsPerMinute: null };
        try {
          await page.goto(`${server.url}/${mode === 'auto' ? '' : `?backend=${mode}`}`);
          await playEnabled(page, 120_000);
          const t0 = Date.now();
          await page.getByTestId('preset-select').selectOption(preset.id);
          // The preset resets the run: Play goes disabled while the session is rebuilt (and its paths measured).
          await page.waitForTimeout(50);
          await playEnabled(page, 60_000);
          figure.playEnabledMs = Date.now() - t0;
          await page.getByTestId('speed').evaluate((el) => {
            const input = el as HTMLInputElement;
            Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, input.max);
            input.dispatchEvent(new Event('input', { bubbles: true }));
            input.dispatchEvent(new Event('change', { bubbles: true }));
          });
          const isDone = async () => (await page.getByTestId('status').getAttribute('data-value')) === 'done';
          const itClick = await numberAt(page, 'iteration', 'data-value');
          const dClick = await numberAt(page, 'plot-diagnostics', 'data-points');
          await page.getByTestId('play').click();
          const tClick = Date.now();
          // Two seconds to warm up (first compiles, the pacing ramp), then PRESET_RUN_MS timed;
          // polled throughout from the click, so a short preset that reaches its stop condition
          // at the highest speed (before or just after the warm-up) is timed from the click to
          // its last update rather than reported as 0 upd/s.
          let [itLast, tLast] = [itClick, tClick];
          let warm: { it: number; t: number; d: number } | null = null;
          let finished = false;
          let d1 = dClick;
          while (Date.now() - tClick < 2000 + PRESET_RUN_MS) {
            await page.waitForTimeout(warm ? 250 : 100);
            const it = await numberAt(page, 'iteration', 'data-value');
            if (it !== itLast) [itLast, tLast] = [it, Date.now()];
            d1 = await numberAt(page, 'plot-diagnostics', 'data-points');
            if (await isDone()) {
              finished = true;
              break;
            }
            if (!warm && Date.now() - tClick >= 2000) warm = { it, t: Date.now(), d: d1 };
          }
          // A run that stopped within a second of the warm-up is timed from the click.
          const fromClick = !warm || (finished && tLast - warm.t < 1000);
          const from = fromClick ? { it: itClick, t: tClick, d: dClick } : (warm ?? { it: itClick, t: tClick, d: dClick });
          const s = Math.max(0.25, (tLast - from.t) / 1000);
          figure.updatesPerSecond = round((itLast - from.it) / s);
          figure.diagnosticsPerMinute = Number.isFinite(d1 - from.d) ? round(((d1 - from.d) * 60) / Math.max(0.25, (Date.now() - from.t) / 1000)) : null;
          figure.load = round(loadavg()[0] ?? Number.NaN);
          const badge = page.getByTestId('backend-badge');
          figure.badge = (await badge.innerText()).trim();
          figure.ops = (await badge.getAttribute('data-ops')) ?? '';
          const status = await page.getByTestId('status').getAttribute('data-value');
          if (status === 'done') figure.note = `reached its stop condition after ${(itLast - from.it).toString()} timed updates${fromClick ? ' (timed from Play)' : ''}`;
          else if (status !== 'running') figure.note = `status ${status} at the end (a divergence?)`;
        } catch (e) {
          figure.note = `not ready: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
        } finally {
          await browser.close();
        }
        figures.push(figure);
        console.log(
          `  ${preset.id.padEnd(26)} ${mode.padEnd(7)} Play after ${figure.playEnabledMs === null ? '—' : `${(figure.playEnabledMs / 1000).toFixed(1)} s`}  ${figure.updatesPerSecond ?? '—'} upd/s  diagnostics ${figure.diagnosticsPerMinute ?? '—'}/min  load ${figure.load}  ${figure.badge}${figure.note ? `  (${figure.note})` : ''}`,
        );
      }
    }
  } finally {
    await server.close();
  }
  return figures;
}

/** Per preset: the auto-chosen paths' updates/s against the best single backend's. */
function presetRatios(figures: readonly PresetFigure[]): { preset: string; auto: number | null; best: number | null; bestMode: string; ratio: number | null }[] {
  const ids = [...new Set(figures.map((f) => f.preset))];
  return ids.map((preset) => {
    const rows = figures.filter((f) => f.preset === preset);
    const auto = rows.find((f) => f.mode === 'auto')?.updatesPerSecond ?? null;
    let best: PresetFigure | null = null;
    for (const f of rows) if (f.mode !== 'auto' && (f.updatesPerSecond ?? -1) > (best?.updatesPerSecond ?? -1)) best = f;
    const bestUps = best?.updatesPerSecond ?? null;
    return { preset, auto, best: bestUps, bestMode: best?.mode ?? '', ratio: auto !== null && bestUps ? round(auto / bestUps) : null };
  });
}

async function nodeCases(): Promise<void> {
  register('../src/cli/tfjs-resolve-hooks.mjs', import.meta.url);
  const tf: typeof TF = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { Session } = await import('../src/core/session');
  const { createTask } = await import('../src/core/tasks/index');
  const { defaultSettings } = await import('../src/core/trainer');
  console.log('Lorenz NRES outer update, K = 100 (Node, tfjs cpu)');
  for (const pairs of PAIRS) {
    const q = plan('cpu', pairs);
    const task = createTask('lorenz');
    const session = new Session({
      task: 'lorenz',
      estimators: ['nres'],
      settings: defaultSettings(task, { pairs, K: q.K, seed: 3 }),
      sigma: { kind: 'constant', sigma0: task.meta.defaults.sigma },
      optimizer: 'adam',
      lr: task.meta.defaults.lr,
    });
    for (let i = 0; i < q.warmup; i++) session.step();
    const samples: number[] = [];
    for (let i = 0; i < q.updates; i++) {
      const started = performance.now();
      session.step();
      samples.push((performance.now() - started) * (K / q.K));
    }
    const ms = [...samples].sort((a, b) => a - b)[samples.length >> 1] ?? Number.NaN;
    session.dispose();
    lorenzEntry('node-tfjs-cpu-ops', pairs, { msPerUpdate: ms, updates: q.updates, warmup: q.warmup, samples }, q.K < K ? `timed on K = ${q.K} truncations, scaled ×${K / q.K}` : '');
  }
}

function ratios(): void {
  const at = (path: string, pairs: number): number | null => entries.find((e) => e.name === 'lorenz-nres-update' && e.path === path && e.pairs === pairs)?.msPerUpdate ?? null;
  for (const pairs of PAIRS) {
    for (const [fusedPath, label] of [
      ['fused-webgpu', 'fused'],
      ['fused-webgpu-pipelined', 'fused-pipelined'],
    ] as const) {
      const fused = at(fusedPath, pairs);
      if (!fused) continue;
      for (const [path, target] of [
        ['tfjs-webgpu-ops', 50],
        ['ts-loop', 3],
      ] as const) {
        const other = at(path, pairs);
        if (!other) continue;
        const ratio = other / fused;
        entries.push({ name: `speedup-${label}-vs-${path}`, path: fusedPath, pairs, K, particleStepsPerSec: null, msPerUpdate: null, value: round(ratio), unit: '×', note: `target ≥ ${target}× at 16384 pairs` });
      }
    }
  }
}

function table(): void {
  console.log('\nLorenz NRES update, K = 100: ms per update (particle-steps/s)');
  const paths = [...new Set(entries.filter((e) => e.name === 'lorenz-nres-update').map((e) => e.path))];
  console.log(['path'.padEnd(20), ...PAIRS.map((n) => `N=${n}`.padStart(24))].join(''));
  for (const path of paths) {
    const cells = PAIRS.map((n) => {
      const e = entries.find((x) => x.name === 'lorenz-nres-update' && x.path === path && x.pairs === n);
      return (e ? `${e.msPerUpdate} (${(e.particleStepsPerSec ?? 0).toExponential(2)})` : '—').padStart(24);
    });
    console.log([path.padEnd(20), ...cells].join(''));
  }
  for (const e of entries.filter((x) => x.name !== 'lorenz-nres-update' && x.value !== undefined)) {
    console.log(`${e.name}${e.pairs ? ` N=${e.pairs}` : ''}: ${e.value} ${e.unit ?? ''} ${e.note ? `(${e.note})` : ''}`);
  }
}

/**
 * `npm run bench -- --only=drag` (σ drag only), `--only=pause` (pause latency at the
 * maximum settings only), `--only=fused` (the fused and TS-loop Lorenz cases and the
 * surface, no op-by-op), `--only=app`, `--only=presets` (every preset, written to
 * bench/results/presets.json; `--modes=auto,wasm` and `--presets=id,…` narrow it); the
 * whole benchmark otherwise. Other partial runs print
 * their figures but do not overwrite bench/results/latest.json.
 */
const only = /^--only=(drag|pause|fused|app|presets)$/.exec(process.argv.slice(2).find((a) => a.startsWith('--only')) ?? '')?.[1] ?? null;
if (process.argv.slice(2).some((a) => a.startsWith('--only')) && !only) throw new Error('usage: npm run bench [-- --only=drag|pause|fused|app|presets]');

const started = Date.now();
if (only === null || only === 'fused') await browserCases();
if (only !== 'fused' && only !== 'presets') await appFrameTimes();
const presets = only === null || only === 'presets' ? await presetCases() : [];
const presetSummary = presetRatios(presets);
if (presets.length > 0) {
  console.log('\nAuto-chosen paths against the best single backend (updates/s):');
  for (const r of presetSummary) console.log(`  ${r.preset.padEnd(26)} auto ${r.auto ?? '—'}  best ${r.best ?? '—'} (${r.bestMode})  ratio ${r.ratio ?? '—'}`);
}
if (only === null) await nodeCases();
ratios();
table();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const out = {
  date: new Date().toISOString(),
  machine: { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, gpu: 'none: WebGPU is SwiftShader (software)' },
  seconds: Math.round((Date.now() - started) / 1000),
  entries,
  presets,
  presetSummary,
};
if (only === 'presets') {
  writeFileSync('bench/results/presets.json', `${JSON.stringify({ date: out.date, machine: out.machine, seconds: out.seconds, presets, presetSummary }, null, 2)}\n`);
  console.log(`\nwrote bench/results/presets.json (${out.seconds} s)`);
  process.exit(0);
}
if (only !== null) {
  console.log(`\npartial run (--only=${only}, ${out.seconds} s): bench/results/latest.json left as it was`);
  process.exit(0);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwrote bench/results/latest.json (${out.seconds} s)`);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: Record<string, string> };
if (pkg.scripts?.['bench:tasks'] && existsSync('bench/tasks-bench.ts') && statSync('bench/tasks-bench.ts').isFile()) {
  execFileSync('npm', ['run', '-s', 'bench:tasks'], { stdio: 'inherit' });
}
