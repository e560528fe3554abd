import { describe, expect, it } from 'vitest';
import { LIMITS } from '../core/playground-config';
import { PERMALINK_LIMITS } from '../permalink/types';
import { OPTIONS, parseArgs, UsageError } from './args';

/** The CLI's bounds are the playground's (LIMITS), not a copy that can drift from them. */
describe('cli option bounds', () => {
  const same: [keyof typeof OPTIONS, { min: number; max: number }][] = [
    ['pairs', LIMITS.pairs],
    ['T', LIMITS.T],
    ['K', LIMITS.K],
    ['R', PERMALINK_LIMITS.R],
    ['sigma', LIMITS.sigma],
    ['lr', LIMITS.lr],
    ['seed', LIMITS.seed],
  ];
  for (const [name, range] of same) {
    it(`--${name} is bounded by [${range.min}, ${range.max}]`, () => {
      const spec = OPTIONS[name] as { min?: number; max?: number };
      expect([spec.min, spec.max]).toEqual([range.min, range.max]);
    });
  }

  it('maxima shared with the playground; the CLI alone allows 0 iterations and grids below 8', () => {
    expect(OPTIONS.iters.max).toBe(LIMITS.iterations.max);
    expect(OPTIONS.grid.max).toBe(LIMITS.surfaceGrid.max);
    expect(OPTIONS.samples.max).toBe(LIMITS.surfaceSamples.max);
    expect(OPTIONS.truncations.max).toBe(LIMITS.T.max);
    expect(OPTIONS.iters.min).toBe(0);
    expect(OPTIONS.grid.min).toBe(2);
  });

  const train = ['train', '--task', 'lr-schedule', '--estimator', 'pes'];
  it('accepts every size at its limit', () => {
    const { values } = parseArgs([...train, '--pairs', String(LIMITS.pairs.max), '--T', String(LIMITS.T.max), '--K', String(LIMITS.K.max), '--iters', String(LIMITS.iterations.max)]);
    expect(values).toMatchObject({ pairs: LIMITS.pairs.max, T: LIMITS.T.max, K: LIMITS.K.max, iters: LIMITS.iterations.max });
    expect(parseArgs(['surface', '--task', 'lorenz', '--grid', String(LIMITS.surfaceGrid.max)]).values.grid).toBe(LIMITS.surfaceGrid.max);
  });

  it('refuses one past each limit with one line naming the limit', () => {
    const cases: [string[], string][] = [
      [[...train, '--pairs', String(LIMITS.pairs.max + 1)], `--pairs must be ≤ ${LIMITS.pairs.max}, got ${LIMITS.pairs.max + 1}`],
      [[...train, '--T', String(LIMITS.T.max + 1)], `--T must be ≤ ${LIMITS.T.max}, got ${LIMITS.T.max + 1}`],
      [[...train, '--K', String(LIMITS.K.max + 1)], `--K must be ≤ ${LIMITS.K.max}, got ${LIMITS.K.max + 1}`],
      [[...train, '--iters', String(LIMITS.iterations.max + 1)], `--iters must be ≤ ${LIMITS.iterations.max}`],
      [[...train, '--sigma', '1e-7'], `--sigma must be ≥ ${LIMITS.sigma.min}`],
      [['surface', '--task', 'lorenz', '--grid', String(LIMITS.surfaceGrid.max + 1)], `--grid must be ≤ ${LIMITS.surfaceGrid.max}`],
    ];
    for (const [argv, message] of cases) {
      let error: unknown = null;
      try {
        parseArgs(argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
