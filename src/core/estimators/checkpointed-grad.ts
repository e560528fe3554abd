import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient kernels, which tfjs-core registers only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { drain, type Slices } from '../slices';
import { hostTimes, type Task } from '../task';

/**
 * The gradient of an unroll's loss with respect to θ, by reverse-mode autodiff over
 * checkpointed segments, so that it can be paused (TBPTT and BPTT share it).
 *
 * One `tf.grad` over a whole K-step unroll is one indivisible call whose tape keeps every
 * intermediate of every step: at N = 4096 on the CPU backend K = 100 held the thread 6 s,
 * and K = 10,000 had not returned after 10 minutes (the tape past 7 GB). Instead:
 *
 * 1. a forward pass without a tape (yielding after every step) computes the exit state and
 *    the per-row loss ℓ_p, storing the state only at segment boundaries;
 * 2. a backward pass walks the segments from the last to the first. For segment [a, b) it
 *    recomputes the forward from the checkpoint s_a under a tape and differentiates
 *
 *      f(θ, s_a) = Σ_p (the segment's share of ℓ_p) + ⟨s_b, ḡ_b⟩,
 *
 *    where ḡ_b = ∂(Σ_p ℓ_p)/∂s_b came from the later segment (a constant here). ∂f/∂θ
 *    accumulates into the gradient, and ḡ_a = ∂f/∂s_a is handed to the earlier segment.
 *    The first segment's entering state is a constant (TBPTT's held state, BPTT's initial
 *    state), so its ∂/∂s is not computed. A yield follows every segment.
 *
 * The segment share follows the task's reduction: 'sum' Σ_k L_k, 'mean' (1/K) Σ_k L_k,
 * 'last' L_K in the final segment only (the others contribute through ⟨s_b, ḡ_b⟩ alone).
 *
 * Segment length: a taped segment covers at most SEGMENT_PARTICLE_STEPS particle-steps
 * (one step at N = 4096), and rows are taped in blocks of at most TAPE_ELEMENTS
 * row-step entries, so one slice of backward work is a few milliseconds. Memory:
 * when the checkpoints of all segments would exceed CHECKPOINT_ELEMENTS state entries,
 * the unroll is split into at most that many chunks, each of which is split again when it
 * is differentiated (recomputing its forward from its checkpoint once more) — recursive
 * checkpointing: memory stays bounded at the price of one more forward pass per level
 * (two levels at N = 4096, K = 10,000 on the 2-D learning-rate task).
 *
 * Rows are independent trajectories (θ is tiled per row), so row p of the result is
 * ∂ℓ_p/∂θ_p, exactly what one tf.grad of Σ_p ℓ_p over the tiled rows gives — the same
 * value up to float rounding (the sums are associated differently).
 */

/** Particle-steps recorded on one segment's tape (a few ms of CPU work per slice). */
export const SEGMENT_PARTICLE_STEPS = 1024;
/** Longest segment, in steps, whatever N (op dispatch dominates small batches). */
export const MAX_SEGMENT_STEPS = 10;
/**
 * Rows × steps × (stateSize + dim) under one tape: past it, a segment is differentiated in
 * blocks of rows (trajectories are independent), a yield between blocks — so a large
 * state or θ (the RNN's 305 weights) at N = 4096 still makes short slices.
 */
export const TAPE_ELEMENTS = 8192;
/** State entries (P × stateSize) held in checkpoints per level of recursion (32 MB of float32). */
export const CHECKPOINT_ELEMENTS = 8 * 1024 * 1024;

export interface CheckpointedGradOptions {
  /** Steps per taped segment (default: from SEGMENT_PARTICLE_STEPS). */
  segment?: number;
  /** Most checkpoints per level of recursion (default: from CHECKPOINT_ELEMENTS; at least 2). */
  maxCheckpoints?: number;
  /** Rows per taped block (default: from TAPE_ELEMENTS). */
  rows?: number;
}

export interface CheckpointedGrad {
  /** ∂ℓ_p/∂θ_p per row, [P, d]. */
  grad: tf.Tensor2D;
  /** State after the K steps, [P, stateSize]. */
  state: tf.Tensor2D;
  /** Unroll loss ℓ_p per row, reduced as the task says, [P]. */
  loss: tf.Tensor1D;
}

/** Steps per taped segment for P particles. */
export function segmentSteps(P: number): number {
  return Math.max(1, Math.min(MAX_SEGMENT_STEPS, Math.floor(SEGMENT_PARTICLE_STEPS / Math.max(1, P))));
}

interface Unroll {
  task: Task;
  theta: tf.Tensor2D;
  tStart: tf.Tensor1D;
  /** `tStart` on the host. */
  t0: Int32Array;
  K: number;
  segment: number;
  maxCheckpoints: number;
  /** Rows per taped block. */
  rows: number;
}

/** `checkpointedGradSlices` run to completion at once. */
export function checkpointedGrad(
  task: Task,
  state: tf.Tensor2D,
  theta: tf.Tensor2D,
  t0: Int32Array,
  K: number,
  options: CheckpointedGradOptions = {},
): CheckpointedGrad {
  return drain(checkpointedGradSlices(task, state, theta, t0, K, options));
}

/**
 * Unrolls K steps from `state` (row p at time index t0[p]) with θ rows `theta` [P, d] and
 * returns the exit state, the per-row loss and its gradient w.r.t. the θ rows, the
 * entering state held constant. Yields after every step of a forward pass and after every
 * taped segment; abandoned part-way, it frees what it holds. The inputs are not disposed.
 */
export function* checkpointedGradSlices(
  task: Task,
  state: tf.Tensor2D,
  theta: tf.Tensor2D,
  t0: Int32Array,
  K: number,
  options: CheckpointedGradOptions = {},
): Slices<CheckpointedGrad> {
  if (!Number.isInteger(K) || K < 1) throw new Error(`checkpointedGrad: K must be a whole number ≥ 1 (got ${K})`);
  const P = state.shape[0];
  const segment = Math.max(1, Math.floor(options.segment ?? segmentSteps(P)));
  const perState = Math.max(1, P * (state.shape[1] ?? 1));
  const maxCheckpoints = Math.max(2, Math.floor(options.maxCheckpoints ?? CHECKPOINT_ELEMENTS / perState));
  const perRow = (state.shape[1] ?? 1) + (theta.shape[1] ?? 1);
  const rows = Math.max(1, Math.min(P, Math.floor(options.rows ?? TAPE_ELEMENTS / (segment * perRow))));
  const u: Unroll = { task, theta, tStart: tf.tensor1d(t0, 'int32'), t0, K, segment, maxCheckpoints, rows };
  try {
    // A short unroll (one segment, one block of rows) is one slice anyway: differentiate it
    // in a single taped pass that also keeps the exit state and loss, with no separate
    // forward (half the work at the usual K = 10).
    if (K <= segment && rows >= P) {
      const r = tapedBlock(u, theta, u.tStart, u.t0, state, 0, K, null, false, true);
      if (!r.exit) throw new Error('checkpointedGrad: the single pass keeps the exit state');
      return { grad: r.grad, state: r.exit.state, loss: r.exit.loss };
    }
    const { grad, exit } = yield* chunked(u, state, 0, K, null, false, true);
    if (!exit) throw new Error('checkpointedGrad: the top level returns the exit state');
    return { grad, state: exit.state, loss: exit.loss };
  } finally {
    u.tStart.dispose();
  }
}

interface ChunkResult {
  grad: tf.Tensor2D;
  /** ∂/∂ of the entering state, when asked for. */
  gIn: tf.Tensor2D | null;
  /** The top level's exit state and reduced loss. */
  exit: { state: tf.Tensor2D; loss: tf.Tensor1D } | null;
}

/**
 * Differentiates steps [a, a + n) entered with `sIn`, the adjoint of the exit state being
 * `gOut` (null: the unroll's end). Splits into at most `maxCheckpoints` chunks of at most
 * ⌈n / chunks⌉ steps; a chunk longer than a segment recurses. Disposes neither input.
 */
function* chunked(
  u: Unroll,
  sIn: tf.Tensor2D,
  a: number,
  n: number,
  gOut: tf.Tensor2D | null,
  needIn: boolean,
  top: boolean,
): Slices<ChunkResult> {
  if (!top && n <= u.segment) return yield* taped(u, sIn, a, n, gOut, needIn);
  const chunks = Math.min(Math.ceil(n / u.segment), u.maxCheckpoints);
  const len = Math.ceil(n / chunks);
  const count = Math.ceil(n / len);
  // The top level runs the whole forward (its exit state and loss are results); below it,
  // the forward stops where the last chunk starts.
  const fwd = yield* forward(u, sIn, a, top ? n : (count - 1) * len, len, top);
  const checkpoints = fwd.checkpoints;
  let grad: tf.Tensor2D | null = null;
  let g: tf.Tensor2D | null = gOut;
  let finished = false;
  try {
    for (let i = count - 1; i >= 0; i--) {
      const start = a + i * len;
      const size = Math.min(len, a + n - start);
      const sub: ChunkResult = size <= u.segment
        ? yield* taped(u, checkpoints[i] as tf.Tensor2D, start, size, g, needIn || i > 0)
        : yield* chunked(u, checkpoints[i] as tf.Tensor2D, start, size, g, needIn || i > 0, false);
      if (i > 0) (checkpoints[i] as tf.Tensor2D).dispose();
      checkpoints.length = i;
      if (g !== gOut) g?.dispose();
      g = sub.gIn;
      if (grad === null) {
        grad = sub.grad;
      } else {
        const sum: tf.Tensor2D = tf.add(grad, sub.grad);
        grad.dispose();
        sub.grad.dispose();
        grad = sum;
      }
      if (i > 0) yield;
    }
    finished = true;
  } finally {
    if (!finished) {
      for (let i = 1; i < checkpoints.length; i++) (checkpoints[i] as tf.Tensor2D).dispose();
      grad?.dispose();
      if (g !== gOut) g?.dispose();
      fwd.exit?.state.dispose();
      fwd.exit?.loss.dispose();
    }
  }
  return { grad: grad as tf.Tensor2D, gIn: needIn ? g : null, exit: fwd.exit };
}

/**
 * Tape-free forward over steps [a, a + n): checkpoints[i] is the state entering step
 * a + i·every, up to and including step a + n (checkpoints[0] is `sIn` itself, not a copy). With `withExit`, also the exit
 * state and the reduced loss of the whole unroll (then a = 0 and n = K).
 */
function* forward(
  u: Unroll,
  sIn: tf.Tensor2D,
  a: number,
  n: number,
  every: number,
  withExit: boolean,
): Slices<{ checkpoints: tf.Tensor2D[]; exit: { state: tf.Tensor2D; loss: tf.Tensor1D } | null }> {
  const { task, theta, tStart, t0 } = u;
  const reduction = task.meta.reduction;
  const P = sIn.shape[0];
  const checkpoints: tf.Tensor2D[] = [sIn];
  let s = sIn;
  let acc: tf.Tensor1D | null = withExit ? tf.zeros([P]) : null;
  let finished = false;
  try {
    for (let k = 0; k < n; k++) {
      const [next, nextAcc] = tf.tidy(() => {
        const out = task.step(s, theta, tf.add(tStart, tf.scalar(a + k, 'int32')) as tf.Tensor1D, hostTimes(t0, a + k));
        if (acc === null) return [out.state];
        return [out.state, reduction === 'last' ? out.loss : (tf.add(acc, out.loss) as tf.Tensor1D)];
      }) as [tf.Tensor2D, tf.Tensor1D?];
      // A checkpoint is kept; any other intermediate state is freed.
      if (s !== sIn && k % every !== 0) s.dispose();
      acc?.dispose();
      s = next;
      acc = nextAcc ?? null;
      // Below the top level the forward ends where the last chunk starts: its state is one.
      if ((k + 1) % every === 0 && (k + 1 < n || !withExit)) checkpoints.push(s);
      if (k + 1 < n) yield;
    }
    finished = true;
  } finally {
    if (!finished) {
      for (let i = 1; i < checkpoints.length; i++) (checkpoints[i] as tf.Tensor2D).dispose();
      if (s !== sIn && s !== checkpoints.at(-1)) s.dispose();
      acc?.dispose();
    }
  }
  if (!withExit || acc === null) {
    if (s !== sIn && s !== checkpoints.at(-1)) s.dispose();
    acc?.dispose();
    return { checkpoints, exit: null };
  }
  const state = s === sIn || s === checkpoints.at(-1) ? tf.clone(s) : s;
  if (reduction !== 'mean') return { checkpoints, exit: { state, loss: acc } };
  const loss = tf.div(acc, u.K) as tf.Tensor1D;
  acc.dispose();
  return { checkpoints, exit: { state, loss } };
}

/**
 * One segment under a tape, in blocks of `u.rows` rows (one block when all fit, with no
 * yield); the blocks' gradients are stacked back in row order.
 */
function* taped(u: Unroll, sIn: tf.Tensor2D, a: number, n: number, gOut: tf.Tensor2D | null, needIn: boolean): Slices<ChunkResult> {
  const P = sIn.shape[0];
  if (u.rows >= P) return tapedBlock(u, u.theta, u.tStart, u.t0, sIn, a, n, gOut, needIn);
  const grads: tf.Tensor2D[] = [];
  const gIns: tf.Tensor2D[] = [];
  try {
    for (let r = 0; r < P; r += u.rows) {
      const size = Math.min(u.rows, P - r);
      const block = tf.tidy(() => {
        const rows = <T extends tf.Tensor>(x: T): T => tf.slice(x, [r, 0], [size, -1]) as T;
        const tStart = tf.slice(u.tStart, [r], [size]) as tf.Tensor1D;
        const out = tapedBlock(u, rows(u.theta), tStart, u.t0.subarray(r, r + size), rows(sIn), a, n, gOut === null ? null : rows(gOut), needIn);
        return out.gIn === null ? [out.grad] : [out.grad, out.gIn];
      });
      grads.push(block[0] as tf.Tensor2D);
      if (block[1]) gIns.push(block[1] as tf.Tensor2D);
      if (r + u.rows < P) yield;
    }
    const grad = tf.concat(grads, 0);
    const gIn = needIn ? tf.concat(gIns, 0) : null;
    return { grad, gIn, exit: null };
  } finally {
    tf.dispose([...grads, ...gIns]);
  }
}

/**
 * Rows `theta` [R, d] entering with `sIn` [R, s] at time indices tStart + a: recomputes
 * steps [a, a + n) and differentiates the segment's share of Σ_p ℓ_p plus ⟨s_out, gOut⟩
 * w.r.t. θ (and `sIn` when `needIn`).
 */
function tapedBlock(
  u: Unroll,
  theta: tf.Tensor2D,
  tStart: tf.Tensor1D,
  t0: Int32Array,
  sIn: tf.Tensor2D,
  a: number,
  n: number,
  gOut: tf.Tensor2D | null,
  needIn: boolean,
  keepExit = false,
): ChunkResult {
  const { task, K } = u;
  const reduction = task.meta.reduction;
  const endsUnroll = a + n === K;
  let exit: ChunkResult['exit'] = null;
  const f = (th: tf.Tensor, s0: tf.Tensor): tf.Scalar => {
    let s = s0 as tf.Tensor2D;
    const losses: tf.Tensor[] = [];
    // With keepExit (the whole unroll in this pass): the per-row loss summed in the forward
    // pass's order, so state and loss equal unrollTruncation's.
    let rowLoss: tf.Tensor1D | null = keepExit ? tf.zeros([s0.shape[0] ?? 0]) : null;
    for (let k = 0; k < n; k++) {
      const out = task.step(s, th as tf.Tensor2D, tf.add(tStart, tf.scalar(a + k, 'int32')) as tf.Tensor1D, hostTimes(t0, a + k));
      s = out.state;
      if (rowLoss !== null) rowLoss = reduction === 'last' ? out.loss : (tf.add(rowLoss, out.loss) as tf.Tensor1D);
      if (reduction !== 'last' || (endsUnroll && k === n - 1)) losses.push(tf.sum(out.loss));
    }
    if (rowLoss !== null) {
      const loss = reduction === 'mean' ? (tf.div(rowLoss, K) as tf.Tensor1D) : rowLoss;
      exit = { state: tf.keep(s === s0 ? tf.clone(s) : s), loss: tf.keep(loss) };
    }
    // Zero-weighted terms keep both inputs on the tape whatever the task does with them
    // (tf.grads refuses an input the output does not depend on); they add exact zeros.
    const terms: tf.Tensor[] = [tf.mul(tf.sum(th), 0)];
    if (needIn) terms.push(tf.mul(tf.sum(s0), 0));
    if (losses.length > 0) {
      const segmentLoss = losses.length === 1 ? (losses[0] as tf.Tensor) : tf.addN(losses);
      terms.push(reduction === 'mean' ? tf.div(segmentLoss, K) : segmentLoss);
    }
    if (gOut !== null) terms.push(tf.sum(tf.mul(s, gOut)));
    return tf.addN(terms) as tf.Scalar;
  };
  if (!needIn) {
    const grad = tf.grad((th: tf.Tensor) => f(th, sIn))(theta) as tf.Tensor2D;
    return { grad, gIn: null, exit };
  }
  const [grad, gIn] = tf.grads((th: tf.Tensor, s0: tf.Tensor) => f(th, s0))([theta, sIn]) as [tf.Tensor2D, tf.Tensor2D];
  return { grad, gIn, exit };
}
