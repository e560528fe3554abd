/**
 * The instant approximation of the σ-smoothed surface: a Gaussian blur of the cached raw
 * grid with a kernel of standard deviation σ in parameter units,
 *
 *   L_σ(θ) = E_z[L(θ + σz)] ≈ Σ_k w_k L(θ_k) / Σ_k w_k,   w_k = exp(−‖θ_k − θ‖² / 2σ²),
 *
 * evaluated separably (rows, then columns) on the grid. Pure TypeScript on the main
 * thread: a 64×64 grid takes well under a millisecond per σ, so dragging σ redraws at
 * once while the engine refines the picture with Monte-Carlo samples.
 *
 * Two honest approximations, both visible in the UI text: the blur only sees the plotted
 * range, and it cannot see structure finer than the grid. Non-finite raw values (diverged
 * unrolls) get zero weight instead of poisoning their neighbourhood.
 *
 * The first one matters at large σ: renormalising the kernel over what is inside the range
 * turns L_σ into a near-uniform average of the plotted grid (lr-schedule at σ = 4.79: a
 * pale, flat field, which the Monte-Carlo stage then replaced with a dark, blocky one —
 * it evaluates L far outside the range). So the blur is shown only where at least
 * MIN_COVERAGE of the kernel's mass lies on finite grid points; elsewhere it is left
 * blank (NaN) for the Monte-Carlo stage, and at large σ that is everywhere. For θ of more
 * than two dimensions it smooths within the slice plane only (the UI says so).
 */

/** Fraction of the Gaussian kernel's mass that must lie on finite, plotted grid points. */
export const MIN_COVERAGE = 0.9;

/** Truncated Gaussian weights for offsets −r…r, r = ⌈3σ⌉ (capped at `maxRadius`). */
export function gaussianKernel(sigmaPx: number, maxRadius: number): Float64Array {
  if (!(sigmaPx > 0)) return Float64Array.of(1);
  const r = Math.max(0, Math.min(maxRadius, Math.ceil(3 * sigmaPx)));
  const k = new Float64Array(2 * r + 1);
  for (let i = -r; i <= r; i++) k[i + r] = Math.exp(-(i * i) / (2 * sigmaPx * sigmaPx));
  return k;
}

/** Blurs `n` evenly spaced values along a stride; weighted values and weights are blurred together. */
function blurLine(
  num: Float64Array,
  den: Float64Array,
  outNum: Float64Array,
  outDen: Float64Array,
  start: number,
  stride: number,
  n: number,
  kernel: Float64Array,
): void {
  const r = (kernel.length - 1) / 2;
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    const lo = Math.max(0, i - r);
    const hi = Math.min(n - 1, i + r);
    for (let j = lo; j <= hi; j++) {
      const w = kernel[j - i + r] ?? 0;
      const idx = start + j * stride;
      a += w * (num[idx] ?? 0);
      b += w * (den[idx] ?? 0);
    }
    outNum[start + i * stride] = a;
    outDen[start + i * stride] = b;
  }
}

/**
 * Gaussian blur of a row-major grid `values[iy * nx + ix]` (ny = 1 for a 1-D curve) with
 * standard deviations in grid cells along x and y.
 */
export function blurGrid(values: ArrayLike<number>, nx: number, ny: number, sigmaXPx: number, sigmaYPx: number): number[] {
  return blurGridWithCoverage(values, nx, ny, sigmaXPx, sigmaYPx).values;
}

/** Mass of the ±3σ Gaussian kernel on an unbounded grid (what a point far from every edge sees). */
function fullMass(sigmaPx: number): number {
  return gaussianKernel(sigmaPx, Number.POSITIVE_INFINITY).reduce((a, b) => a + b, 0);
}

/**
 * `blurGrid`, with each point's coverage: the fraction of the kernel's mass (±3σ) that lies
 * on finite grid points — 1 far from the edges, about ½ on an edge, less at large σ.
 */
export function blurGridWithCoverage(values: ArrayLike<number>, nx: number, ny: number, sigmaXPx: number, sigmaYPx: number): { values: number[]; coverage: number[] } {
  const size = nx * ny;
  let num = new Float64Array(size);
  let den = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v)) {
      num[i] = v;
      den[i] = 1;
    }
  }
  const kx = gaussianKernel(sigmaXPx, nx - 1);
  if (kx.length > 1) {
    const outNum = new Float64Array(size);
    const outDen = new Float64Array(size);
    for (let iy = 0; iy < ny; iy++) blurLine(num, den, outNum, outDen, iy * nx, 1, nx, kx);
    num = outNum;
    den = outDen;
  }
  const ky = gaussianKernel(sigmaYPx, ny - 1);
  if (ny > 1 && ky.length > 1) {
    const outNum = new Float64Array(size);
    const outDen = new Float64Array(size);
    for (let ix = 0; ix < nx; ix++) blurLine(num, den, outNum, outDen, ix, nx, ny, ky);
    num = outNum;
    den = outDen;
  }
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) out[i] = (den[i] ?? 0) > 0 ? (num[i] ?? 0) / (den[i] ?? 1) : Number.NaN;
  const full = (kx.length > 1 ? fullMass(sigmaXPx) : 1) * (ny > 1 && ky.length > 1 ? fullMass(sigmaYPx) : 1);
  const coverage = Array.from(den, (d) => Math.min(1, d / full));
  return { values: out, coverage };
}

/** Grid spacing of an evenly spaced axis. */
function spacing(axis: readonly number[]): number {
  return axis.length > 1 ? ((axis[axis.length - 1] ?? 0) - (axis[0] ?? 0)) / (axis.length - 1) : 1;
}

/**
 * The fast σ-smoothed surface from a raw grid on axes x (and y for 2-D), σ in parameter
 * units: NaN (blank) where less than MIN_COVERAGE of the kernel lies on the plotted grid.
 */
export function approximateSmoothedSurface(raw: ArrayLike<number>, x: readonly number[], y: readonly number[] | null, sigma: number): number[] {
  const nx = x.length;
  const ny = y ? y.length : 1;
  const sx = sigma / Math.abs(spacing(x));
  const sy = y ? sigma / Math.abs(spacing(y)) : 0;
  const { values, coverage } = blurGridWithCoverage(raw, nx, ny, sx, sy);
  return values.map((v, i) => ((coverage[i] ?? 0) >= MIN_COVERAGE ? v : Number.NaN));
}
