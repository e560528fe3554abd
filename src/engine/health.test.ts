import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';
import type { EstimatorHealth } from '../core/session';
import { useCpuBackend } from '../core/testing/setup';
import { EngineHost } from './engine-host';
import { adviseOnHealth, formatSetting, healthyCheckpoint, runaway, RUNAWAY_FACTOR } from './health';
import type { EngineEvent, FrameMessage } from './protocol';

const healthy: EstimatorHealth = { excludedLast: 0, excludedTotal: 0, skippedTotal: 0, workers: 100, checkpointIteration: 7 };
const ctx = { initialLoss: 2, sigma: 3, lr: 0.5 };

describe('health advice', () => {
  it('is silent for a healthy estimator', () => {
    expect(adviseOnHealth({ id: 'pes', theta: [1, 2], evalLoss: 1.5, health: healthy }, ctx)).toBeNull();
    // A few excluded pairs are not worth a warning.
    expect(adviseOnHealth({ id: 'pes', theta: [1, 2], evalLoss: 1.5, health: { ...healthy, excludedLast: 5 } }, ctx)).toBeNull();
  });

  it('blames σ when many perturbed pairs blow up at a sane θ', () => {
    const a = adviseOnHealth({ id: 'pes', theta: [1, 2], evalLoss: 1.5, health: { ...healthy, excludedLast: 60, excludedTotal: 90 } }, ctx);
    expect(a).toMatchObject({ id: 'pes', cause: 'sigma', suggested: 0.3 });
    expect(a?.text).toMatch(/60 of 100 pairs/);
    expect(a?.text).toMatch(/Lower σ to 0\.3/);
  });

  it('blames the learning rate when θ runs away, its loss is non-finite or updates are refused', () => {
    const inf = adviseOnHealth({ id: 'tes', theta: [1e20, 2], evalLoss: Number.POSITIVE_INFINITY, health: healthy }, ctx);
    expect(inf).toMatchObject({ cause: 'lr', suggested: 0.05 });
    expect(inf?.text).toMatch(/NaN\/±Inf.*Lower lr to 0\.05, then rewind to the last finite θ \(iteration 7\)/);
    expect(adviseOnHealth({ id: 'tes', theta: [1e6, 2], evalLoss: 1e9, health: healthy }, ctx)).toMatchObject({ cause: 'lr' });
    const skipped = adviseOnHealth({ id: 'nres', theta: [1, 2], evalLoss: 1.5, health: { ...healthy, skippedTotal: 3 } }, { ...ctx, previous: { ...healthy, skippedTotal: 1 } });
    expect(skipped?.text).toMatch(/2 updates were refused/);
    // Autodiff has no σ: diverging trajectories mean θ (the learning rate).
    expect(adviseOnHealth({ id: 'tbptt', theta: [1, 2], evalLoss: 1.5, health: { ...healthy, excludedLast: 60 } }, ctx)).toMatchObject({ cause: 'lr' });
  });

  it('keeps suggestions inside the limits and formats them readably', () => {
    expect(adviseOnHealth({ id: 'tes', theta: [1], evalLoss: Number.NaN }, { ...ctx, lr: 1e-8 })?.suggested).toBe(1e-8);
    expect(formatSetting(0.05)).toBe('0.05');
    expect(formatSetting(1.23e-5)).toBe('1.2e-5');
    expect(runaway({ id: 'tes', theta: [1], evalLoss: 150 }, 1)).toBe(true);
    expect(runaway({ id: 'tes', theta: [1], evalLoss: 50 }, 1)).toBe(false);
  });

  it('takes rewind checkpoints only from healthy frames: finite, and no runaway loss', () => {
    expect(healthyCheckpoint([1, 2], 1.5, 2)).toBe(true);
    expect(healthyCheckpoint([1, 2], 150, 2)).toBe(true);
    // Huge but finite (θ finite too): a runaway, not a point to go back to.
    expect(healthyCheckpoint([3e16, 2], 1e34, 2)).toBe(false);
    expect(healthyCheckpoint([1, 2], RUNAWAY_FACTOR * 2 * 1.01, 2)).toBe(false);
    expect(healthyCheckpoint([1, 2], Number.POSITIVE_INFINITY, 2)).toBe(false);
    expect(healthyCheckpoint([Number.NaN, 2], 1, 2)).toBe(false);
    // Before the run's first loss is known only finiteness counts.
    expect(healthyCheckpoint([1, 2], 1e34, Number.NaN)).toBe(true);
  });
});

describe('divergence in the engine', () => {
  beforeAll(useCpuBackend);

  it('warns with a learning-rate suggestion, keeps θ finite and rewinds to the last healthy θ (before the finite runaway)', async () => {
    const events: EngineEvent[] = [];
    const host = new EngineHost({ post: (e) => events.push(e), selectBackend: async () => (await useCpuBackend(), { name: 'cpu', label: 'CPU' }) });
    const frames = (): FrameMessage[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    const waitFor = async (pred: () => boolean, ms = 30_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-3).map((e) => e.type))}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // Rastrigin, plain SGD at lr = 10: BPTT's θ runs off until its loss overflows.
    const config: PlaygroundConfig = { ...defaultPlaygroundConfig('rastrigin'), estimators: ['bptt'], pairs: 8, optimizer: 'sgd', lr: 10 };
    host.handle({ type: 'init', config, generation: 1 });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'play' });
    await waitFor(() => events.some((e) => e.type === 'health' && e.advice.length > 0));
    await waitFor(() => events.some((e) => e.type === 'diverged'));
    await host.settled();
    const warning = events.find((e) => e.type === 'health' && e.advice.length > 0);
    if (warning?.type !== 'health') throw new Error('no warning');
    expect(warning.advice[0]).toMatchObject({ id: 'bptt', cause: 'lr', suggested: 1 });
    // The guard: θ never becomes NaN/±Inf, whatever the loss does.
    for (const f of frames()) expect(f.estimators[0]!.theta.every((v) => Number.isFinite(v))).toBe(true);
    const checkpoint = frames().at(-1)!.estimators[0]!.health!.checkpointIteration;
    // The run passed through huge but finite losses before they overflowed; the checkpoint
    // is from before them (a finite runaway is not a point to rewind to).
    const initialLoss = frames()[0]!.estimators[0]!.evalLoss;
    const runawayFrames = frames().filter((f) => {
      const loss = f.estimators[0]!.evalLoss;
      return Number.isFinite(loss) && Math.abs(loss) > RUNAWAY_FACTOR * Math.abs(initialLoss);
    });
    expect(runawayFrames.length).toBeGreaterThan(0);
    expect(checkpoint).toBeLessThan(runawayFrames[0]!.iteration);
    host.handle({ type: 'rewind' });
    await waitFor(() => events.some((e) => e.type === 'rewound'));
    await host.settled();
    const rewound = events.find((e) => e.type === 'rewound');
    expect(rewound?.type === 'rewound' && rewound.estimators).toEqual([{ id: 'bptt', iteration: checkpoint }]);
    // Back at the checkpoint: a finite θ and loss (the last frame that had them).
    const after = frames().at(-1)!.estimators[0]!;
    expect(Number.isFinite(after.evalLoss)).toBe(true);
    expect(Math.abs(after.evalLoss)).toBeLessThanOrEqual(RUNAWAY_FACTOR * Math.abs(initialLoss));
    expect(after.theta.every((v) => Number.isFinite(v))).toBe(true);
    // With the suggested learning rate the run goes on from there, θ still finite.
    host.handle({ type: 'live', live: { sigma: config.sigma, lr: 1, stop: config.stop, speed: 1 } });
    const iteration = frames().at(-1)!.iteration;
    host.handle({ type: 'step', count: 3 });
    await waitFor(() => frames().at(-1)!.iteration === iteration + 3);
    expect(frames().at(-1)!.estimators[0]!.theta.every((v) => Number.isFinite(v))).toBe(true);
    host.dispose();
    await host.settled();
  });
});
