import { describe, expect, it } from 'vitest';
import type { VarianceRow } from '../core/experiments/variance';
import { decadeTicks, logRange } from './figures/curves';
import { fmt, quantile } from './figures/common';
import { colorRange, displayValue, gridOf } from './figures/landscape';
import { logLogSlope } from './figures/variance';
import { shortcutFor } from './keyboard';
import { decadesAround, logSliderPosition, logSliderValue } from './log-scale';

const none = { ctrl: false, meta: false, alt: false };

describe('keyboard shortcuts', () => {
  it('space, → and r on the page', () => {
    const body = { tagName: 'BODY' } as unknown as EventTarget;
    expect(shortcutFor(' ', body, none)).toBe('toggle');
    expect(shortcutFor('ArrowRight', body, none)).toBe('step');
    expect(shortcutFor('r', body, none)).toBe('reset');
    expect(shortcutFor('x', body, none)).toBeNull();
  });

  it('never while typing, and not with modifiers', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) {
      expect(shortcutFor('r', { tagName } as unknown as EventTarget, none)).toBeNull();
    }
    expect(shortcutFor('r', { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget, none)).toBeNull();
    expect(shortcutFor('r', { tagName: 'BODY' } as unknown as EventTarget, { ...none, ctrl: true })).toBeNull();
    // A focused button handles space itself; → still steps.
    expect(shortcutFor(' ', { tagName: 'BUTTON' } as unknown as EventTarget, none)).toBeNull();
    expect(shortcutFor('ArrowRight', { tagName: 'BUTTON' } as unknown as EventTarget, none)).toBe('step');
  });
});

describe('log sliders', () => {
  it('map positions to values and back', () => {
    expect(logSliderValue(0, 1e-3, 10)).toBe(0.001);
    expect(logSliderValue(1000, 1e-3, 10)).toBe(10);
    expect(logSliderValue(500, 1e-4, 1)).toBe(0.01);
    for (const v of [0.002, 0.3, 1, 7]) expect(logSliderValue(logSliderPosition(v, 1e-3, 10), 1e-3, 10)).toBeCloseTo(v, 1);
    expect(logSliderPosition(1e9, 1e-3, 10)).toBe(1000);
  });

  it('ranges around a default', () => {
    expect(decadesAround(0.3, 2, 1, { min: 1e-6, max: 100 })).toEqual({ min: 0.001, max: 10 });
  });
});

describe('figure helpers', () => {
  it('colour coordinates and ranges ignore non-finite losses', () => {
    expect(displayValue(100, 'log')).toBe(2);
    expect(displayValue(-1, 'log')).toBeNaN();
    expect(displayValue(Number.POSITIVE_INFINITY, 'linear')).toBeNaN();
    const [lo, hi] = colorRange([1, 10, 100, Number.NaN, Number.POSITIVE_INFINITY], 'log');
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(2);
    const { z, text } = gridOf([1, 2, 3, 4, 5, 6], 3, 2, 'linear');
    expect(z).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(text[1]?.[2]).toBe('6');
  });

  it('quantiles and number formatting', () => {
    expect(quantile([3, 1, 2, Number.NaN], 0.5)).toBe(2);
    expect(fmt(0.000123)).toBe('1.23e-4');
    expect(fmt(Number.NaN)).toBe('NaN');
    expect(fmt(2487.123)).toBe('2487');
  });

  it('log axes get headroom and decade ticks only when they span decades', () => {
    expect(logRange([0.1])).toEqual([-1.5, -0.5]);
    expect(logRange([])).toBeUndefined();
    expect(decadeTicks([1, 1000])).toEqual({ dtick: 1 });
    expect(decadeTicks([2480, 2490])).toEqual({});
  });

  it('the variance slope is the log-log growth rate in J', () => {
    const rows = (k: number): VarianceRow[] =>
      [1, 10, 100].map((J) => ({ estimator: 'pes', J, K: 100 / J, totalVariance: 3 * J ** k, normalizedError: 1, ciLow: 0, ciHigh: 0, mean: [] }));
    expect(logLogSlope(rows(0), 'totalVariance')).toBeCloseTo(0, 12);
    expect(logLogSlope(rows(1), 'totalVariance')).toBeCloseTo(1, 12);
    expect(logLogSlope(rows(0.5).slice(0, 1), 'totalVariance')).toBeNaN();
  });
});
