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
 * range (near the edges the kernel is renormalised over what is inside), and it cannot
 * see structure finer than the grid. Non-finite raw values (diverged unrolls) get zero
 * weight instead of poisoning their neighbourhood.
 */

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
  return out;
}

/** Grid spacing of an evenly spaced axis. */
function spacing(axis: readonly number[]): number {
  return axis.length > 1 ? ((axis[axis.length - 1] ?? 0) - (axis[0] ?? 0)) / (axis.length - 1) : 1;
}

/** The fast σ-smoothed surface from a raw grid on axes x (and y for 2-D), σ in parameter units. */
export function approximateSmoothedSurface(raw: ArrayLike<number>, x: readonly number[], y: readonly number[] | null, sigma: number): number[] {
  const nx = x.length;
  const ny = y ? y.length : 1;
  const sx = sigma / Math.abs(spacing(x));
  const sy = y ? sigma / Math.abs(spacing(y)) : 0;
  return blurGrid(raw, nx, ny, sx, sy);
}
