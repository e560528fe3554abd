import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPlaygroundConfig } from '../core/playground-config';
import { useCpuBackend } from '../core/testing/setup';
import type { BackendInfo } from '../platform/backend-info';
import { EngineHost } from './engine-host';
import type { EngineEvent, FrameMessage } from './protocol';

/**
 * An engine reported as WebGPU (the CPU backend underneath) whose device a
 * 'debug-lose-device' request loses; it falls back to the CPU. `waitFor` polls its events.
 */
function hostWithLosableDevice() {
  const events: EngineEvent[] = [];
  let loseDevice: (reason: string) => void = () => undefined;
  const host = new EngineHost({
    post: (e) => events.push(e),
    selectBackend: async () => (await useCpuBackend(), { name: 'webgpu', label: 'WebGPU' } as BackendInfo),
    watchDeviceLoss: () => new Promise<string>((resolve) => (loseDevice = resolve)),
    fallbackBackend: async (lost, reason) => (await useCpuBackend(), { name: 'cpu', label: 'CPU', fallbackReason: `${lost}: ${reason}` }),
    loseDevice: () => (loseDevice('the GPU device was lost (destroyed)'), true),
  });
  const waitFor = async (pred: () => boolean, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; last events: ${JSON.stringify(events.slice(-4).map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { events, host, waitFor };
}

describe('device loss', () => {
  beforeAll(useCpuBackend);

  it('switches backend and continues the run from the last frame’s θ and optimizer state', async () => {
    const { events, host, waitFor } = hostWithLosableDevice();
    const frames = (): FrameMessage[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    const config = { ...defaultPlaygroundConfig('rastrigin'), estimators: ['tes' as const, 'pes' as const], pairs: 8, stop: { kind: 'none' as const } };
    host.handle({ type: 'init', config, generation: 1, debug: true });
    await waitFor(() => frames().length > 0);
    host.handle({ type: 'play' });
    await waitFor(() => (frames().at(-1)?.iteration ?? 0) >= 10);
    host.handle({ type: 'debug-lose-device' });
    await waitFor(() => events.some((e) => e.type === 'backend-changed'));
    const changed = events.find((e) => e.type === 'backend-changed');
    if (changed?.type !== 'backend-changed') throw new Error('no switch');
    expect(changed.backend.name).toBe('cpu');
    expect(changed.reason).toMatch(/device was lost/);
    expect(changed.iteration).toBeGreaterThanOrEqual(10);
    // The first frame after the switch is where the last one before it was: same θ.
    const at = events.indexOf(changed);
    const before = events.slice(0, at).flatMap((e) => (e.type === 'frame' ? [e.frame] : [])).at(-1)!;
    const after = events.slice(at).flatMap((e) => (e.type === 'frame' ? [e.frame] : []))[0]!;
    expect(after.iteration).toBe(changed.iteration);
    expect(after.estimators.map((e) => e.theta)).toEqual(before.estimators.map((e) => e.theta));
    // ...and it keeps running there.
    await waitFor(() => (frames().at(-1)?.iteration ?? 0) >= changed.iteration + 10);
    expect(events.some((e) => e.type === 'error' || e.type === 'fatal')).toBe(false);
    host.dispose();
    await host.settled();
  });

  it('a readback on the lost device that fails after the switch is no error', async () => {
    // On a real GPU, mapAsync of a frame in flight rejects ("device was lost before mapping
    // was resolved") whenever the browser gets to it, possibly after the run moved on.
    const { events, host, waitFor } = hostWithLosableDevice();
    host.handle({ type: 'init', config: { ...defaultPlaygroundConfig('rastrigin'), estimators: ['tes'], pairs: 4, stop: { kind: 'none' } }, generation: 1, debug: true });
    await waitFor(() => events.some((e) => e.type === 'frame'));
    // The next frame's readback: the device is lost while it waits, and it rejects once the
    // switch to the CPU is done.
    const session = (host as unknown as { session: { frame: () => Promise<unknown> } }).session;
    session.frame = () =>
      new Promise((_, reject) => {
        host.handle({ type: 'debug-lose-device' });
        void waitFor(() => events.some((e) => e.type === 'backend-changed')).then(() => reject(new Error("Failed to execute 'mapAsync' on 'GPUBuffer': The Device was lost before mapping was resolved.")));
      });
    host.handle({ type: 'step', count: 1 });
    await waitFor(() => events.some((e) => e.type === 'backend-changed'));
    await waitFor(() => events.filter((e) => e.type === 'frame').length >= 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(events.filter((e) => e.type === 'error' || e.type === 'fatal')).toEqual([]);
    host.dispose();
    await host.settled();
  });

  it('refuses fault injection unless the init asked for it', async () => {
    const events: EngineEvent[] = [];
    let lost = false;
    const host = new EngineHost({ post: (e) => events.push(e), selectBackend: async () => (await useCpuBackend(), { name: 'cpu', label: 'CPU' }), loseDevice: () => (lost = true) });
    host.handle({ type: 'init', config: { ...defaultPlaygroundConfig('rastrigin'), pairs: 4 }, generation: 1 });
    host.handle({ type: 'debug-lose-device' });
    expect(lost).toBe(false);
    expect(events.some((e) => e.type === 'error' && /fault injection is off/.test(e.message))).toBe(true);
    host.dispose();
    await host.settled();
  });
});
