import { describe, expect, it } from 'vitest';
import { approximateSmoothedSurface, blurGrid, gaussianKernel } from './blur';

const linspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

describe('Gaussian blur approximation of L_σ', () => {
  it('σ = 0 returns the raw grid', () => {
    const raw = [1, 5, 2, 8, 3, 7];
    expect(blurGrid(raw, 3, 2, 0, 0)).toEqual(raw);
  });

  it('kernel covers ±3σ and is capped by the grid', () => {
    expect(gaussianKernel(1, 100).length).toBe(7);
    expect(gaussianKernel(50, 10).length).toBe(21);
  });

  it('keeps constants constant, edges included', () => {
    const raw = new Array(20 * 15).fill(3);
    for (const v of blurGrid(raw, 20, 15, 2.5, 4)) expect(v).toBeCloseTo(3, 12);
  });

  it('matches the analytic smoothing of a quadratic away from the edges', () => {
    // L(θ) = θ₀² + θ₁², L_σ = L + 2σ².
    const x = linspace(-4, 4, 161);
    const y = linspace(-4, 4, 161);
    const raw = y.flatMap((b) => x.map((a) => a * a + b * b));
    const sigma = 0.3;
    const smoothed = approximateSmoothedSurface(raw, x, y, sigma);
    const at = (ix: number, iy: number) => smoothed[iy * x.length + ix]!;
    // Centre (0, 0): 2σ² = 0.18 (discretisation error of a 0.05 grid is tiny).
    expect(at(80, 80)).toBeCloseTo(2 * sigma * sigma, 2);
    expect(at(100, 60)).toBeCloseTo(x[100]! ** 2 + y[60]! ** 2 + 2 * sigma * sigma, 2);
  });

  it('smooths ripples out in 1-D (Rastrigin-like)', () => {
    const x = linspace(-5, 5, 401);
    const raw = x.map((t) => t * t - 10 * Math.cos(2 * Math.PI * t) + 10);
    const smoothed = approximateSmoothedSurface(raw, x, null, 1);
    // E[cos 2π(θ+σz)] = cos(2πθ) e^{−2π²σ²} ≈ 0 for σ = 1: L_σ ≈ θ² + σ² + 10.
    expect(smoothed[200]!).toBeCloseTo(0 + 1 + 10, 1);
    expect(smoothed.length).toBe(401);
  });

  it('gives non-finite raw values zero weight', () => {
    const raw = [1, 1, Number.NaN, 1, 1];
    const out = blurGrid(raw, 5, 1, 1, 0);
    for (const v of out) expect(v).toBeCloseTo(1, 12);
  });

  it('uses σ in parameter units (anisotropic grids)', () => {
    const x = linspace(0, 10, 11); // spacing 1
    const y = linspace(0, 1, 11); // spacing 0.1
    const raw = y.flatMap((_, iy) => x.map((__, ix) => (ix === 5 && iy === 5 ? 100 : 0)));
    const out = approximateSmoothedSurface(raw, x, y, 0.2);
    // σ = 0.2 is 0.2 cells along x but 2 cells along y: the spike spreads along y only.
    expect(out[5 * 11 + 6]!).toBeLessThan(1e-3);
    expect(out[6 * 11 + 5]!).toBeGreaterThan(1);
  });

  it('never contradicts L_σ: blank where the kernel reaches past the plotted range (large σ), exact-ish where shown', () => {
    // L(θ) = θ₀² + θ₁² on [−1, 1]², L_σ = L + 2σ². The blur sees only the plotted range, so at
    // large σ it renormalises what is inside (a pale, nearly uniform field, as lr-schedule at
    // σ = 4.79 showed before its Monte-Carlo stage turned it dark). Shown values must be close
    // to L_σ; the others are left blank (NaN) for the Monte-Carlo stage.
    const x = linspace(-1, 1, 41);
    const y = linspace(-1, 1, 41);
    const raw = y.flatMap((b) => x.map((a) => a * a + b * b));
    for (const sigma of [0.005, 0.02, 0.1, 0.3, 1, 2, 4.79]) {
      const out = approximateSmoothedSurface(raw, x, y, sigma);
      let worst = 0;
      let shown = 0;
      out.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        shown++;
        const exact = raw[i]! + 2 * sigma * sigma;
        worst = Math.max(worst, Math.abs(v - exact));
      });
      // Within a tenth of the surface's own range (2) plus a tenth of the smoothing shift.
      expect(worst, `σ = ${sigma}: worst |blur − L_σ| ${worst} over ${shown} shown points`).toBeLessThanOrEqual(0.2 + 0.2 * sigma * sigma);
      // Where the kernel stays inside, the blur is there: at small σ nearly everything shows.
      if (sigma <= 0.02) expect(shown).toBe(41 * 41);
      if (sigma === 0.1) expect(shown).toBeGreaterThan(0.7 * 41 * 41);
      if (sigma >= 1) expect(shown).toBe(0);
    }
    // 1-D alike.
    const line = approximateSmoothedSurface(x.map((a) => a * a), x, null, 2);
    expect(line.every((v) => Number.isNaN(v))).toBe(true);
  });
});
