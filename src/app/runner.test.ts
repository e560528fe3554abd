import { describe, expect, it } from 'vitest';
import type { TrainSnapshot } from '../core/trainer';
import { type RunState, Runner, type SteppableTrainer } from './runner';

class FakeTrainer implements SteppableTrainer {
  iteration = 0;
  disposed = 0;
  snapshots = 0;
  inFlight = false;
  constructor(private readonly failAt = Infinity) {}
  async step(): Promise<void> {
    if (this.disposed) throw new Error('step after dispose');
    this.inFlight = true;
    await Promise.resolve();
    this.inFlight = false;
    this.iteration += 1;
    if (this.iteration === this.failAt) throw new Error('boom');
  }
  async snapshot(): Promise<TrainSnapshot> {
    if (this.disposed) throw new Error('snapshot after dispose');
    this.snapshots += 1;
    await Promise.resolve();
    return { iteration: this.iteration, theta: [this.iteration], evalLoss: 100 / (1 + this.iteration), innerSteps: this.iteration * 10, sigma: 0.3, wallMs: 0 };
  }
  dispose(): void {
    if (this.inFlight) throw new Error('dispose during step');
    this.disposed += 1;
  }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('Runner', () => {
  it('runs to the end, recording every 10 updates from iteration 0', async () => {
    const trainer = new FakeTrainer();
    let last: RunState | null = null;
    const runner = new Runner(trainer, { iterations: 35, recordEvery: 10, sliceMs: 1 }, (s) => (last = s));
    runner.start();
    await runner.settled();
    const state = runner.current;
    expect(state.status).toBe('done');
    expect(state.iteration).toBe(35);
    expect(trainer.iteration).toBe(35);
    expect(state.history.map((p) => p.iteration)).toEqual([0, 10, 20, 30, 35]);
    expect(state.history[4]?.evalLoss).toBeCloseTo(100 / 36);
    expect(last).toBe(state);
    runner.dispose();
    expect(trainer.disposed).toBe(1);
  });

  it('pauses, resumes, and records where it paused', async () => {
    const trainer = new FakeTrainer();
    const runner = new Runner(trainer, { iterations: 10_000, recordEvery: 10, sliceMs: 1 }, () => undefined);
    runner.start();
    await tick();
    await tick();
    runner.pause();
    await runner.settled();
    expect(runner.current.status).toBe('paused');
    const at = trainer.iteration;
    expect(at).toBeGreaterThan(0);
    expect(runner.current.iteration).toBe(at);
    expect(runner.current.history.at(-1)?.iteration).toBe(at);
    await tick();
    expect(trainer.iteration).toBe(at);
    runner.toggle();
    await tick();
    await tick();
    expect(trainer.iteration).toBeGreaterThan(at);
    runner.dispose();
    await runner.settled();
    expect(trainer.disposed).toBe(1);
  });

  it('disposes the trainer only after the update in flight', async () => {
    const trainer = new FakeTrainer();
    const runner = new Runner(trainer, { iterations: 10_000, sliceMs: 50 }, () => undefined);
    runner.start();
    await Promise.resolve();
    runner.dispose();
    expect(trainer.disposed).toBe(0);
    await runner.settled();
    await tick();
    expect(trainer.disposed).toBe(1);
  });

  it('reports a failing step as an error and stops', async () => {
    const trainer = new FakeTrainer(7);
    const runner = new Runner(trainer, { iterations: 100, sliceMs: 5 }, () => undefined);
    runner.start();
    await runner.settled();
    expect(runner.current.status).toBe('error');
    expect(runner.current.error).toBe('boom');
    runner.start();
    expect(runner.current.status).toBe('error');
  });
});
