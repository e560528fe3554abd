import { describe, expect, it } from 'vitest';
import type { FrameMessage } from '../engine/protocol';
import { applyFrame, beginGeneration, CURVE_CAP, initialSimState, type SimState } from './sim-store';

function frame(iteration: number, theta: number, history: number[] = []): FrameMessage {
  const est = (it: number, th: number) => ({ id: 'pes' as const, theta: [th, -th], evalLoss: 10 - it, innerSteps: 100 * it });
  return {
    generation: 1,
    iteration,
    sigma: 0.1,
    lr: 0.01,
    wallMs: 10 * iteration,
    estimators: [{ ...est(iteration, theta), grad: [0, 0], particles: new Float32Array(0), particleCount: 0 }],
    status: 'running',
    numTensors: 0,
    jobsRunning: 0,
    updatesPerSecond: 0,
    ...(history.length > 0 ? { history: history.map((it) => ({ iteration: it, wallMs: 10 * it, estimators: [est(it, it / 10)] })) } : {}),
  };
}

function fold(frames: FrameMessage[]): SimState {
  let s: SimState = { ...initialSimState(), ...beginGeneration(initialSimState(), 1, 'lr-schedule') };
  for (const f of frames) s = { ...s, ...applyFrame(s, f) };
  return s;
}

describe('the page’s record of a run', () => {
  it('a curve and trail point at every recorded update, then the frame’s own', () => {
    const s = fold([frame(0, 0), frame(4, 0.4, [1, 2, 3]), frame(8, 0.8, [5, 6, 7])]);
    expect(s.curves.pes?.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.curves.pes?.[2]).toMatchObject({ iteration: 2, loss: 8, innerSteps: 200, wallMs: 20 });
    expect(s.trails.pes?.map((p) => p[0])).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  });

  it('records the page already has are not added twice', () => {
    const s = fold([frame(0, 0), frame(4, 0.4, [1, 2, 3]), frame(6, 0.6, [3, 4, 5])]);
    expect(s.curves.pes?.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stays bounded over a long run, the recent half at every update', () => {
    const frames = [frame(0, 0)];
    for (let it = 10; it <= 5_000; it += 10) frames.push(frame(it, it / 10, Array.from({ length: 9 }, (_, k) => it - 9 + k)));
    const s = fold(frames);
    const its = s.curves.pes!.map((p) => p.iteration);
    expect(its.length).toBeLessThanOrEqual(CURVE_CAP);
    expect(its[0]).toBe(0);
    expect(its.slice(-CURVE_CAP / 2)).toEqual(Array.from({ length: CURVE_CAP / 2 }, (_, k) => 5_000 - CURVE_CAP / 2 + 1 + k));
  });
});
