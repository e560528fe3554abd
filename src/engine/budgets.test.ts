import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../core/testing/setup';
import { stepCostOf } from '../core/task';
import { createLandscapeTask, createTask } from '../core/tasks/index';
import { MIN_REFERENCE_PAIRS, referencePairsFor, surfaceChunkSamples, SURFACE_CALL_BUDGET } from './engine-host';

describe('work budgets weighted by the task step cost', () => {
  beforeAll(useCpuBackend);

  it('gives MNIST a step cost of ~1,300 toy steps and leaves the toy tasks at 1', () => {
    const mnist = createTask('mnist').meta;
    expect(mnist.stepCost).toBeGreaterThan(1000);
    expect(stepCostOf(mnist)).toBe(mnist.stepCost);
    for (const id of ['linear-quadratic', 'lr-schedule', 'lorenz', 'rastrigin', 'influence-balancing'] as const) {
      expect(stepCostOf(createTask(id).meta)).toBe(1);
    }
    expect(stepCostOf({})).toBe(1);
    expect(stepCostOf({ stepCost: Number.NaN })).toBe(1);
    expect(stepCostOf({ stepCost: 0.5 })).toBe(1);
  });

  it('keeps a toy reference gradient as it was and shrinks a heavy one', () => {
    // Toy tasks (no step cost): the same pairs as before the cost weighting.
    expect(referencePairsFor(100, 2 ** 18, 64, 512)).toBe(512);
    expect(referencePairsFor(2000, 2 ** 18, 64, 512)).toBe(128);
    expect(referencePairsFor(2000, 2 ** 18, 512, 4096)).toBe(512);
    expect(referencePairsFor(1, 2 ** 18, 512, 4096)).toBe(4096);
    expect(referencePairsFor(100, 2 ** 18, 64, 512, 1)).toBe(512);
    // MNIST (T = 100 steps, ~1,300× a toy step): without the cost it would take 2048 pairs
    // for the variance reference and 512 for diagnostics; with it, the floor.
    const mnist = createTask('mnist').meta;
    expect(mnist.evalSteps).toBe(100);
    expect(referencePairsFor(mnist.evalSteps, 2 ** 18, 512, 4096)).toBe(2048);
    expect(referencePairsFor(mnist.evalSteps, 2 ** 18, 512, 4096, stepCostOf(mnist))).toBe(MIN_REFERENCE_PAIRS);
    expect(referencePairsFor(mnist.evalSteps, 2 ** 18, 64, 512, stepCostOf(mnist))).toBe(MIN_REFERENCE_PAIRS);
    // A moderately heavy task lands in between, and the floor never rises above `min`.
    expect(referencePairsFor(10, 2 ** 18, 512, 4096, 8)).toBe(2048);
    expect(referencePairsFor(100, 2 ** 18, 512, 4096, 64)).toBe(MIN_REFERENCE_PAIRS);
    expect(referencePairsFor(100, 2 ** 18, 16, 4096, 64)).toBe(32);
  });

  it('slices a heavy task surface into smaller calls', () => {
    // A row of 16 MNIST landscape points: 10 steps each (500 digits), ~1,300× a toy step → one sample per call.
    const mnist = createLandscapeTask('mnist').meta;
    expect(mnist.evalSteps).toBe(10);
    expect(surfaceChunkSamples(16, mnist.evalSteps, SURFACE_CALL_BUDGET)).toBeGreaterThan(100);
    expect(surfaceChunkSamples(16, mnist.evalSteps * stepCostOf(mnist), SURFACE_CALL_BUDGET)).toBe(1);
  });
});
