/**
 * 2-D slices through a θ of more than two dimensions, for the landscape: either two
 * coordinates (every other coordinate held at the centre) or two random orthonormal
 * directions through the centre. Plain numbers, no tensors.
 *
 *   coordinates (i, j):  θ(x, y) = c with θ_i = x, θ_j = y       axes: θ_i, θ_j over their bounds
 *   random (seed):       θ(x, y) = c + x u + y v,  u ⟂ v, |u| = |v| = 1,  x, y ∈ [−r, r]
 *
 * Points off the slice (particles, other estimators' θ) are shown by their orthogonal
 * projection: (θ_i, θ_j), or ((θ − c)·u, (θ − c)·v). The directions are orthonormal, so an
 * isotropic perturbation σz projects to an isotropic one of the same σ on the slice: the
 * blur approximation of the smoothed surface stays meaningful there.
 */
import type { Task, TaskMeta } from '../task';
import { normalSource } from '../tasks/datasets';
import type { SurfaceOptions } from './surface';

export type SurfaceSlice = { kind: 'coordinates'; dims: readonly [number, number] } | { kind: 'random'; seed: number };

export interface SliceGeometry {
  slice: SurfaceSlice;
  /** θ at slice coordinates (0, 0) for random directions; the centre for coordinates. */
  center: number[];
  /** The two directions (unit vectors; basis vectors e_i, e_j for coordinates). */
  u: number[];
  v: number[];
  ranges: [[number, number], [number, number]];
  names: [string, string];
  /** A short description for the panel. */
  label: string;
}

/** The slice a task gets unless the user picks one: its own plane for d ≤ 2, random directions above. */
export function defaultSlice(dim: number): SurfaceSlice {
  return dim > 2 ? { kind: 'random', seed: 1 } : { kind: 'coordinates', dims: [0, 1] };
}

/** A stable key (caches, test ids). */
export function sliceKey(slice: SurfaceSlice): string {
  return slice.kind === 'coordinates' ? `c${slice.dims[0]},${slice.dims[1]}` : `r${slice.seed}`;
}

/** The plain (θ₀, θ₁) plane of a 2-D task: what the landscape always showed. */
export function isPlainSlice(slice: SurfaceSlice): boolean {
  return slice.kind === 'coordinates' && slice.dims[0] === 0 && slice.dims[1] === 1;
}

/** Checks a slice against θ's dimension; a clear message for the UI or the CLI. */
export function sliceIssue(slice: SurfaceSlice, dim: number): string | null {
  if (dim < 2) return `a 2-D slice needs at least two parameters (this task has ${dim})`;
  if (slice.kind === 'coordinates') {
    const [i, j] = slice.dims;
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= dim || j >= dim) return `slice coordinates must be in 0 … ${dim - 1}, got (${i}, ${j})`;
    if (i === j) return `the two slice coordinates must differ (both are ${i})`;
    return null;
  }
  if (!Number.isInteger(slice.seed) || slice.seed < 0 || slice.seed > 2 ** 32 - 1) return `slice seed must be an integer in 0 … 2³²−1, got ${slice.seed}`;
  return null;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] ?? 0) * (b[k] ?? 0);
  return s;
}

/** Two orthonormal Gaussian directions in d dimensions, deterministic in the seed (Gram–Schmidt). */
export function randomDirections(dim: number, seed: number): [number[], number[]] {
  const g = normalSource((seed ^ 0x2545f491) >>> 0);
  const u = Array.from({ length: dim }, () => g());
  const nu = Math.sqrt(dot(u, u));
  const uu = u.map((x) => x / nu);
  const v = Array.from({ length: dim }, () => g());
  const p = dot(v, uu);
  const w = v.map((x, k) => x - p * (uu[k] ?? 0));
  const nw = Math.sqrt(dot(w, w));
  return [uu, w.map((x) => x / nw)];
}

/**
 * The geometry of a slice through `center` (default θ₀). Random directions span ±r with r
 * the median half-width of the task's bounds, so the slice shows about as much of θ-space
 * along each direction as the bounds do along one coordinate.
 */
export function sliceGeometry(meta: TaskMeta, slice: SurfaceSlice, center: readonly number[] = meta.theta0): SliceGeometry {
  const dim = meta.theta0.length;
  const issue = sliceIssue(slice, dim);
  if (issue) throw new Error(issue);
  if (slice.kind === 'coordinates') {
    const [i, j] = slice.dims;
    const u = new Array<number>(dim).fill(0);
    const v = new Array<number>(dim).fill(0);
    u[i] = 1;
    v[j] = 1;
    const ni = meta.paramNames[i] ?? `θ${i}`;
    const nj = meta.paramNames[j] ?? `θ${j}`;
    const bi = meta.bounds[i] ?? [-1, 1];
    const bj = meta.bounds[j] ?? [-1, 1];
    return {
      slice,
      center: [...center],
      u,
      v,
      ranges: [
        [bi[0], bi[1]],
        [bj[0], bj[1]],
      ],
      names: [ni, nj],
      label: dim > 2 ? `coordinates ${ni} and ${nj}, the other ${dim - 2} parameters held at θ₀` : `${ni} and ${nj}`,
    };
  }
  const [u, v] = randomDirections(dim, slice.seed);
  const halfWidths = meta.bounds.map(([lo, hi]) => (hi - lo) / 2).sort((a, b) => a - b);
  const r = halfWidths[Math.floor(halfWidths.length / 2)] ?? 1;
  return {
    slice,
    center: [...center],
    u,
    v,
    ranges: [
      [-r, r],
      [-r, r],
    ],
    names: ['direction u', 'direction v'],
    label: `two random orthonormal directions u, v through θ₀ (seed ${slice.seed})`,
  };
}

/** θ at slice coordinates (x, y). */
export function slicePoint(g: SliceGeometry, x: number, y: number): number[] {
  if (g.slice.kind === 'coordinates') {
    const out = [...g.center];
    out[g.slice.dims[0]] = x;
    out[g.slice.dims[1]] = y;
    return out;
  }
  return g.center.map((c, k) => c + x * (g.u[k] ?? 0) + y * (g.v[k] ?? 0));
}

/** Slice coordinates of the orthogonal projection of θ. */
export function projectOntoSlice(g: SliceGeometry, theta: ArrayLike<number>, offset = 0): [number, number] {
  if (g.slice.kind === 'coordinates') return [theta[offset + g.slice.dims[0]] ?? Number.NaN, theta[offset + g.slice.dims[1]] ?? Number.NaN];
  let x = 0;
  let y = 0;
  for (let k = 0; k < g.center.length; k++) {
    const d = (theta[offset + k] ?? Number.NaN) - (g.center[k] ?? 0);
    x += d * (g.u[k] ?? 0);
    y += d * (g.v[k] ?? 0);
  }
  return [x, y];
}

/** A direction (a gradient) in slice coordinates: its components along the slice axes. */
export function projectDirection(g: SliceGeometry, vector: readonly number[]): [number, number] {
  return [dot(vector, g.u), dot(vector, g.v)];
}

/** Projects P particle rows [P·d] onto the slice: [P·2]. */
export function projectRows(g: SliceGeometry, rows: Float32Array, dim: number): Float32Array {
  const P = Math.floor(rows.length / dim);
  const out = new Float32Array(2 * P);
  for (let p = 0; p < P; p++) {
    const [x, y] = projectOntoSlice(g, rows, p * dim);
    out[2 * p] = x;
    out[2 * p + 1] = y;
  }
  return out;
}

/** What `metaLossSurface` needs to draw one grid row, or the whole grid, of a slice. */
export type SliceCall = Pick<SurfaceOptions, 'center' | 'dims' | 'directions' | 'range'>;

export interface SurfaceSlicePlan {
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  /** The grid row at slice coordinate y (a 1-D call along the x axis). */
  row(y: number): SliceCall;
  /** The whole grid in one call. */
  whole(): SliceCall;
}

/**
 * How to compute a task's landscape on a slice (the engine's surface job): the (θ₀, θ₁)
 * plane of the task's bounds through θ₀ when `slice` is absent or that plane, else the
 * slice's geometry through θ₀. Works for 1-D θ too (then only `whole` applies).
 */
export function surfaceSlicePlan(task: Task, slice?: SurfaceSlice): SurfaceSlicePlan {
  const meta = task.meta;
  const dim = meta.theta0.length;
  if (!slice || dim < 2 || isPlainSlice(slice)) {
    const xRange: readonly [number, number] = meta.bounds[0] ?? [-1, 1];
    const yRange: readonly [number, number] = meta.bounds[1] ?? [-1, 1];
    return {
      xRange,
      yRange,
      row: (y) => {
        const center = [...meta.theta0];
        center[1] = y;
        return { dims: [0], center, range: [xRange] };
      },
      whole: () => ({}),
    };
  }
  const g = sliceGeometry(meta, slice);
  const [xRange, yRange] = g.ranges;
  return {
    xRange,
    yRange,
    row: (y) => ({ center: slicePoint(g, 0, y), directions: [g.u], range: [xRange] }),
    whole: () => ({ center: slicePoint(g, 0, 0), directions: [g.u, g.v], range: [xRange, yRange] }),
  };
}
