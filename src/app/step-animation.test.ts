import { describe, expect, it } from 'vitest';
import type { EstimatorLive } from '../state/sim-store';
import { animationMs, easeInOut, interpolateEstimators, STEP_ANIMATION_MS } from './step-animation';

const est = (id: EstimatorLive['id'], theta: number[], particles: number[], evalLoss: number): EstimatorLive => ({
  id,
  theta,
  grad: [0, 0],
  evalLoss,
  innerSteps: 0,
  particles: Float32Array.from(particles),
  particleCount: particles.length / 2,
  diverged: false,
});

describe('the motion through one update', () => {
  it('moves θ, the particles and the loss part of the way, and lands exactly on the new frame', () => {
    const from = [est('pes', [0, 0], [1, 1, -1, -1], 4)];
    const to = [est('pes', [2, 4], [3, 5, 1, 3], 2)];
    const half = interpolateEstimators(from, to, 0.5)[0]!;
    expect(half.theta).toEqual([1, 2]);
    expect(Array.from(half.particles)).toEqual([2, 3, 0, 1]);
    expect(half.evalLoss).toBe(3);
    expect(interpolateEstimators(from, to, 1)[0]).toBe(to[0]);
    expect(interpolateEstimators(from, to, 0)[0]!.theta).toEqual([0, 0]);
  });

  it('does not invent motion: a new estimator, a changed particle count or a non-finite value is drawn as it comes', () => {
    const from = [est('pes', [0, 0], [1, 1], 1)];
    const to = [est('pes', [Number.NaN, 2], [1, 1, 2, 2], 1), est('tes', [5, 5], [], 1)];
    const [pes, tes] = interpolateEstimators(from, to, 0.5);
    expect(pes!.theta[0]).toBeNaN();
    expect(pes!.theta[1]).toBe(1);
    expect(pes!.particles).toBe(to[0]!.particles);
    expect(tes).toBe(to[1]);
  });

  it("a Step's motion takes its full time; in slow motion it ends before the next frame", () => {
    expect(animationMs(10_000)).toBe(STEP_ANIMATION_MS);
    expect(animationMs(200)).toBeCloseTo(160);
    expect(easeInOut(0)).toBe(0);
    expect(easeInOut(1)).toBe(1);
    expect(easeInOut(0.5)).toBeCloseTo(0.5);
  });
});
