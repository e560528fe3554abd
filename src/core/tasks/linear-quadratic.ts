/**
 * Linear-quadratic task — the unbiasedness reference.
 *
 *   s_{t+1} = A s_t + B θ,   A = a·I (a = 0.9),   B = 0.1·[[1, 0.5], [−0.5, 1]],   s₀ = 0
 *   L_t     = ½‖s_{t+1} − c‖²  (measured on the new state),   c = (1, −1)
 *   L(θ)    = (1/T) Σ_{t=0}^{T−1} L_t       (reduction 'mean', T = 100)
 *
 * For n ≠ 2 the same pattern generalises: B = 0.1·(I + 0.5·(superdiag − subdiag)),
 * c = (1, −1, 1, …), θ ∈ Rⁿ. With u = Bθ the state is s_t = aᵗ s₀ + g_t u, g_t = Σ_{k<t} aᵏ,
 * so L is quadratic in θ, L_σ = L + const and ∇L_σ = ∇L: `linearQuadraticExact` gives the
 * float64 ground truth (loss, gradient, Hessian, optimum, and the exact gradient of one
 * truncation window, through the whole trajectory or with the incoming state held fixed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { unrollEpisodeLoss, unrollEpisodeLossSlices } from '../task';
import type { Task, TaskMeta } from '../task';

export interface LinearQuadraticOptions {
  /** State and parameter dimension (default 2). */
  n?: number;
  /** Diagonal of A = a·I (default 0.9). */
  a?: number;
  /** Episode horizon (default 100). */
  T?: number;
  /** Default truncation length (default 10). */
  K?: number;
  /** B as rows, n×n (default 0.1·(I + 0.5·(superdiag − subdiag))). */
  B?: readonly (readonly number[])[];
  /** Constant target (default (1, −1, 1, …)). */
  c?: readonly number[];
  /** Initial state (default zeros). */
  s0?: readonly number[];
}

/** Scalar defaults of the factory (B, c and s₀ default to the patterns in the file comment). */
export const LINEAR_QUADRATIC_DEFAULTS = { n: 2, a: 0.9, T: 100, K: 10 } as const;

interface ResolvedOptions {
  n: number;
  a: number;
  T: number;
  K: number;
  B: number[][];
  c: number[];
  s0: number[];
}

function resolve(options: LinearQuadraticOptions = {}): ResolvedOptions {
  const n = options.n ?? options.c?.length ?? options.s0?.length ?? options.B?.length ?? LINEAR_QUADRATIC_DEFAULTS.n;
  const B =
    options.B?.map((row) => [...row]) ??
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? 0.1 : j === i + 1 ? 0.05 : j === i - 1 ? -0.05 : 0)),
    );
  const c = options.c ? [...options.c] : Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
  const s0 = options.s0 ? [...options.s0] : new Array<number>(n).fill(0);
  if (B.length !== n || B.some((row) => row.length !== n) || c.length !== n || s0.length !== n) {
    throw new Error(`linear-quadratic: B must be ${n}×${n} and c, s0 of length ${n}`);
  }
  const d = LINEAR_QUADRATIC_DEFAULTS;
  return { n, a: options.a ?? d.a, T: options.T ?? d.T, K: options.K ?? d.K, B, c, s0 };
}

// ---------- float64 helpers ----------

function at(v: readonly number[], i: number): number {
  return v[i] ?? 0;
}

function matVec(M: readonly (readonly number[])[], v: readonly number[]): number[] {
  return M.map((row) => row.reduce((acc, m, j) => acc + m * at(v, j), 0));
}

/** Mᵀ v. */
function matTVec(M: readonly (readonly number[])[], v: readonly number[]): number[] {
  const n = M[0]?.length ?? 0;
  const out = new Array<number>(n).fill(0);
  M.forEach((row, i) => row.forEach((m, j) => (out[j] = at(out, j) + m * at(v, i))));
  return out;
}

/** Solves M x = y by Gaussian elimination with partial pivoting (float64). */
function solve(M: readonly (readonly number[])[], y: readonly number[]): number[] {
  const n = y.length;
  const A = M.map((row, i) => [...row, at(y, i)]);
  const get = (i: number, j: number): number => A[i]?.[j] ?? 0;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(get(r, col)) > Math.abs(get(piv, col))) piv = r;
    const tmp = A[col]!;
    A[col] = A[piv]!;
    A[piv] = tmp;
    const p = get(col, col);
    if (p === 0) throw new Error('linear-quadratic: singular system');
    for (let r = col + 1; r < n; r++) {
      const f = get(r, col) / p;
      const row = A[r]!;
      for (let j = col; j <= n; j++) row[j] = at(row, j) - f * get(col, j);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let acc = get(i, n);
    for (let j = i + 1; j < n; j++) acc -= get(i, j) * at(x, j);
    x[i] = acc / get(i, i);
  }
  return x;
}

/** g_t = Σ_{k<t} aᵏ (coefficient of u = Bθ in s_t when s₀ = 0). */
function geo(a: number, t: number): number {
  return a === 1 ? t : (1 - a ** t) / (1 - a);
}

export type WindowGradientMode = 'full' | 'truncated';

export interface LinearQuadraticExact {
  /** Episode objective L(θ) = (1/T) Σ ½‖s_t − c‖², t = 1…T. */
  loss(theta: readonly number[]): number;
  gradient(theta: readonly number[]): number[];
  /** Constant Hessian of L (n×n). */
  hessian: number[][];
  /** argmin L (= argmin L_σ for every σ). */
  optimum: number[];
  /** Gaussian-smoothed objective L_σ(θ) = E L(θ + σz) = L(θ) + ½σ² tr H. */
  smoothedLoss(theta: readonly number[], sigma: number): number;
  /** State s_t after t steps from s₀ (no reset). */
  state(theta: readonly number[], t: number): number[];
  /** Mean of the K step losses of the window of step indices [t0, t0+K), i.e. on s_{t0+1} … s_{t0+K}. */
  windowLoss(theta: readonly number[], t0: number, K: number): number;
  /**
   * Exact ∇θ of `windowLoss`: 'full' differentiates through the whole trajectory from s₀;
   * 'truncated' treats the state s_{t0} entering the window as a constant (TBPTT / TES target).
   */
  windowGradient(theta: readonly number[], t0: number, K: number, mode?: WindowGradientMode): number[];
  /** Shorthand for `windowGradient(θ, t0, K, 'truncated')`. */
  truncationGradient(theta: readonly number[], t0: number, K: number): number[];
}

/** Float64 ground truth for the linear-quadratic task with the same options as the factory. */
export function linearQuadraticExact(options: LinearQuadraticOptions = {}): LinearQuadraticExact {
  const o = resolve(options);
  const { n, a, T, B, c, s0 } = o;
  const BtB = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => B.reduce((acc, row) => acc + at(row, i) * at(row, j), 0)),
  );
  let sumG2 = 0;
  const sumGR = new Array<number>(n).fill(0); // Σ g_t (c − aᵗ s₀)
  for (let t = 1; t <= T; t++) {
    const g = geo(a, t);
    sumG2 += g * g;
    for (let i = 0; i < n; i++) sumGR[i] = at(sumGR, i) + g * (at(c, i) - a ** t * at(s0, i));
  }
  const hessian = BtB.map((row) => row.map((v) => (v * sumG2) / T));
  const uStar = sumGR.map((v) => v / sumG2);
  const optimum = solve(B, uStar);
  const traceH = hessian.reduce((acc, row, i) => acc + at(row, i), 0);

  const state = (theta: readonly number[], t: number): number[] => {
    const u = matVec(B, theta);
    const g = geo(a, t);
    return s0.map((s, i) => a ** t * s + g * at(u, i));
  };
  const stepLoss = (s: readonly number[]): number => 0.5 * s.reduce((acc, v, i) => acc + (v - at(c, i)) ** 2, 0);
  const windowLoss = (theta: readonly number[], t0: number, K: number): number => {
    let acc = 0;
    for (let j = 1; j <= K; j++) acc += stepLoss(state(theta, t0 + j));
    return acc / K;
  };
  const windowGradient = (theta: readonly number[], t0: number, K: number, mode: WindowGradientMode = 'full'): number[] => {
    if (!(t0 >= 0) || !(K >= 1)) throw new RangeError('linear-quadratic: need t0 ≥ 0 and K ≥ 1');
    // dL/du = (1/K) Σ_j (∂s_{t0+j}/∂u) (s_{t0+j} − c), ∂s/∂u = g_{t0+j}·I (full) or g_j·I (truncated).
    const du = new Array<number>(n).fill(0);
    for (let j = 1; j <= K; j++) {
      const s = state(theta, t0 + j);
      const g = mode === 'full' ? geo(a, t0 + j) : geo(a, j);
      for (let i = 0; i < n; i++) du[i] = at(du, i) + (g * (at(s, i) - at(c, i))) / K;
    }
    return matTVec(B, du);
  };
  const loss = (theta: readonly number[]): number => windowLoss(theta, 0, T);
  return {
    loss,
    gradient: (theta) => windowGradient(theta, 0, T, 'full'),
    hessian,
    optimum,
    smoothedLoss: (theta, sigma) => loss(theta) + 0.5 * sigma * sigma * traceH,
    state,
    windowLoss,
    windowGradient,
    truncationGradient: (theta, t0, K) => windowGradient(theta, t0, K, 'truncated'),
  };
}

/** Exact ∇θ of the mean loss over step indices [t0, t0+K) ('full' or 'truncated'; see `LinearQuadraticExact`). */
export function linearQuadraticWindowGradient(
  theta: readonly number[],
  t0: number,
  K: number,
  mode: WindowGradientMode = 'full',
  options: LinearQuadraticOptions = {},
): number[] {
  return linearQuadraticExact(options).windowGradient(theta, t0, K, mode);
}

export function createLinearQuadratic(options: LinearQuadraticOptions = {}): Task {
  const o = resolve(options);
  const { n, a, T, K, B, c, s0 } = o;
  const optimum = linearQuadraticExact(options).optimum;

  // θ₀ and plot bounds: default [−3, 3]ⁿ, widened so θ₀ and θ* sit inside with margin.
  const theta0 = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -2 : 2));
  const bounds = optimum.map((opt, i) => {
    const lo = Math.min(-3, opt - 1, at(theta0, i) - 1);
    const hi = Math.max(3, opt + 1, at(theta0, i) + 1);
    return [lo, hi] as const;
  });

  // Constants, kept alive even if the factory runs inside a tidy.
  const Bt = tf.keep(tf.tensor2d(B)); // used as θ Bᵀ
  const cT = tf.keep(tf.tensor2d([c]));
  const s0T = tf.keep(tf.tensor2d([s0]));

  const meta: TaskMeta = {
    id: 'linear-quadratic',
    title: 'Linear-quadratic',
    formula: 's_{t+1} = a·s_t + Bθ,  L = (1/T) Σ_t ½‖s_{t+1} − c‖²',
    description:
      'A stable linear system driven by θ with a quadratic loss: the meta-loss is an exact quadratic, so Gaussian ' +
      'smoothing does not move its gradient and the true gradient is known in closed form. Use it to see which ' +
      'estimators are unbiased (TES is not: it ignores θ’s effect on the state entering a truncation) and how their variance scales.',
    paramNames: Array.from({ length: n }, (_, i) => `θ${String.fromCharCode(0x2081 + i)}`),
    logScale: new Array<boolean>(n).fill(false),
    theta0,
    bounds,
    optimum,
    reduction: 'mean',
    defaults: { T, K, sigma: 0.1, pairs: 32, optimizer: 'sgd', lr: 0.05, iterations: 300 },
    evalSteps: T,
  };

  const task: Task = {
    meta,
    stateSize: n,
    initialState: (P) => tf.tile(s0T, [P, 1]),
    step(state, theta) {
      const next = tf.add(tf.mul(state, a), tf.matMul(theta, Bt, false, true)) as tf.Tensor2D;
      const loss = tf.mul(tf.sum(tf.square(tf.sub(next, cT)), 1), 0.5) as tf.Tensor1D;
      return { state: next, loss };
    },
    episodeLoss: (theta) => unrollEpisodeLoss(task, theta, meta.evalSteps),
    episodeLossSlices: (theta) => unrollEpisodeLossSlices(task, theta, meta.evalSteps),
  };
  return task;
}
