/**
 * WGSL source of the fused kernels. One invocation owns one antithetic pair (or one
 * surface row) and keeps its inner states in registers for a whole truncation; the
 * per-pair gradient contributions are summed in chunks by `pairSumKernel`, then by
 * `finalizeKernel`, which also applies the optimizer so θ never leaves the GPU between
 * frames (three dispatches, one submit per update).
 *
 * Kinds of truncation kernel (the estimators in src/core/estimators):
 * - 'family' — PES / NRES / GPES_R (noise-reuse-family.ts): per pair the ± states, the
 *   clock (t, episode), its σ, the accumulated noise ξ and the current noise z persist
 *   in `records`; episode resets, resampling every R steps, step-unlocked start offsets
 *   and burn-in all happen inside the kernel.
 * - 'tes' — truncated ES (tes.ts): one unperturbed state per pair, three unrolls from it.
 * - 'full' — full-unroll ES (full-es.ts): whole episodes from the initial state, run as
 *   chunks of steps (the state persists in `states` between dispatches).
 *
 * Record layout (u32 words per pair; floats stored as their bits, which u32 storage
 * never canonicalises):
 *   family: [t, episode, σ bits (of the current noise block), flags (1: σ set), pre,
 *            ξ[D] (Σ z_b/σ_b over the episode's earlier blocks), z[D]]
 *   tes:    [t, episode, pre]
 *   full:   [acc⁺ bits, acc⁻ bits]
 * `pre` counts the truncations a pair still has to unroll before its first update
 * (reaching its step-unlocked offset, then burn-in), gradients discarded.
 */
import { Stream } from '../core/noise';
import { NOISE_WGSL, streamConstantsWgsl } from './noise-wgsl';
import type { WgslTask } from './tasks/index';

export type TruncationKind = 'family' | 'tes' | 'full';

/** Invocations per workgroup of every kernel here. */
export const WORKGROUP = 64;

/** Words of the uniform block `Params` (a multiple of 4 for 16-byte alignment). */
export const PARAM_WORDS = 20;

/** Indices into `Params` (u32 unless marked f32). */
export const P = {
  n: 0,
  k: 1,
  horizon: 2,
  period: 3,
  seed: 4,
  mode: 5,
  preCap: 6,
  counter: 7,
  j: 8,
  burn: 9,
  unlocked: 10,
  step0: 11,
  steps: 12,
  totalSteps: 13,
  /** f32 */
  sigma: 14,
} as const;

/** Bits of Params.mode. */
export const MODE = {
  /** First dispatch of a population: initialise records and states. */
  init: 1,
  /** Do the real truncation (else only pre-phase truncations). */
  update: 2,
  /** Write each pair's own estimate (×N) to `per_worker`. */
  perWorker: 4,
  /** Add to `per_worker` instead of overwriting (episode protocol sums). */
  accumulate: 8,
  /** σ changes apply from the next noise draw, NRES's at once (rescale policy, or a task that never resets). */
  rescale: 16,
  /** full-es: this chunk ends the episode (reduce and contribute). */
  last: 32,
} as const;

/** Horizon value meaning "never resets". */
export const NO_HORIZON = 0xffffffff;

export function recordWords(kind: TruncationKind, dim: number): number {
  return kind === 'family' ? 5 + 2 * dim : kind === 'tes' ? 3 : 2;
}

export function statesPerPair(kind: TruncationKind): number {
  return kind === 'tes' ? 1 : 2;
}

const PARAMS_WGSL = /* wgsl */ `
struct Params {
  n: u32, k: u32, horizon: u32, period: u32,
  seed: u32, mode: u32, pre_cap: u32, counter: u32,
  j: u32, burn: u32, unlocked: u32, step0: u32,
  steps: u32, total_steps: u32, sigma: f32, pad0: u32,
  pad1: u32, pad2: u32, pad3: u32, pad4: u32,
}
`;

function header(task: WgslTask, dataBinding: number): string {
  return [
    `const S: u32 = ${task.stateSize}u;`,
    `const D: u32 = ${task.dim}u;`,
    `const WG: u32 = ${WORKGROUP}u;`,
    streamConstantsWgsl(Stream),
    task.data ? `@group(0) @binding(${dataBinding}) var<storage, read> task_data: array<${task.dataElement ?? 'f32'}>;` : '',
    NOISE_WGSL,
    task.code,
    task.stepInput
      ? ''
      : [
          'fn task_x1(t: u32) -> f32 { return 0.0; }',
          'fn task_x4(t: u32) -> vec4<f32> { return vec4<f32>(0.0); }',
          'fn task_step_x(s: ptr<function, array<f32, S>>, p: Prep, t: u32, x: f32) -> f32 { return task_step(s, p, t); }',
        ].join('\n'),
  ].join('\n');
}

/**
 * The ± unrolls of a pair for `k` steps from step `t` (WGSL statements on sp / sm, pp / pm,
 * acc_p / acc_m): the table input read once for both, and with `aligned4` (t and k
 * multiples of 4) four steps per read.
 */
function pairLoop(t: string, k: string, aligned4: boolean): string {
  const one = (ts: string, x: string) =>
    `acc_p = reduce_loss(acc_p, task_step_x(&sp, pp, ${ts}, ${x}));\n        acc_m = reduce_loss(acc_m, task_step_x(&sm, pm, ${ts}, ${x}));`;
  if (!aligned4) {
    return `for (var s = 0u; s < ${k}; s++) {
        let x = task_x1(${t} + s);
        ${one(`${t} + s`, 'x')}
      }`;
  }
  return `for (var s = 0u; s < ${k}; s = s + 4u) {
        let ts = ${t} + s;
        let x = task_x4(ts);
        ${one('ts', 'x.x')}
        ${one('ts + 1u', 'x.y')}
        ${one('ts + 2u', 'x.z')}
        ${one('ts + 3u', 'x.w')}
      }`;
}

/** Loss reduction of a truncation / episode of `steps` steps, as src/core/estimators/unroll.ts. */
function reduceWgsl(task: WgslTask): string {
  switch (task.reduction) {
    case 'mean':
      return 'fn reduce_loss(acc: f32, loss: f32) -> f32 { return acc + loss; }\nfn finish_loss(acc: f32, steps: u32) -> f32 { return acc / f32(steps); }';
    case 'sum':
      return 'fn reduce_loss(acc: f32, loss: f32) -> f32 { return acc + loss; }\nfn finish_loss(acc: f32, steps: u32) -> f32 { return acc; }';
    case 'last':
      return 'fn reduce_loss(acc: f32, loss: f32) -> f32 { return loss; }\nfn finish_loss(acc: f32, steps: u32) -> f32 { return acc; }';
  }
}

const REDUCE_WGSL = /* wgsl */ `
/** Per pair: D gradient components, then 1 if the pair counted as usable (divergence guard). */
const DP: u32 = D + 1u;

/** Finite (not NaN, not ±Inf), decided on the bits so no fast-math assumption can fold it. */
fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn finite_state(s: array<f32, S>) -> bool {
  var ok = true;
  for (var k = 0u; k < S; k++) { ok = ok && finite(s[k]); }
  return ok;
}

/**
 * Writes pair i's contribution (and usable flag) to partials[i]; PAIR_SUM_KERNEL then
 * sums them in chunks and the finalize kernel sums the chunks. No workgroup reduction
 * here: on software WebGPU (SwiftShader) a barrier turns the whole kernel into a
 * coroutine, which cost ~40 % of a 16384-pair Lorenz truncation.
 */
fn write_pair(i: u32, contrib: array<f32, D>, usable: f32) {
  if (i >= params.n) { return; }
  for (var k = 0u; k < D; k++) { partials[i * DP + k] = contrib[k]; }
  partials[i * DP + D] = usable;
}

fn write_per_worker(i: u32, contrib: array<f32, D>) {
  if ((params.mode & ${MODE.perWorker}u) == 0u) { return; }
  for (var k = 0u; k < D; k++) {
    // Each worker's own estimate is N times its share of the mean.
    let v = contrib[k] * f32(params.n);
    if ((params.mode & ${MODE.accumulate}u) != 0u) {
      per_worker[i * D + k] = per_worker[i * D + k] + v;
    } else {
      per_worker[i * D + k] = v;
    }
  }
}
`;

const BINDINGS_WGSL = /* wgsl */ `
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> states: array<f32>;
@group(0) @binding(3) var<storage, read_write> records: array<u32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> eps_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> per_worker: array<f32>;
`;

/** Binding of the task's constant table in the truncation kernels. */
export const TRUNCATION_DATA_BINDING = 7;

function familyBody(aligned4: boolean): string {
  return /* wgsl */ `
const RW: u32 = 5u + 2u * D;

fn load_state(row: u32) -> array<f32, S> {
  var s: array<f32, S>;
  for (var k = 0u; k < S; k++) { s[k] = states[row * S + k]; }
  return s;
}

fn store_state(row: u32, s: array<f32, S>) {
  for (var k = 0u; k < S; k++) { states[row * S + k] = s[k]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  var contrib: array<f32, D>;
  var usable = 0.0;
  if (i < params.n) {
    let base = i * RW;
    var sp: array<f32, S>;
    var sm: array<f32, S>;
    if ((params.mode & ${MODE.init}u) != 0u) {
      // Fresh population: t = 0, episode 0, σ unset, ξ = z = 0; step-unlocked pairs first
      // unroll to a truncation-aligned offset K·u, u uniform in [0, J) (workers.ts).
      var pre = params.burn;
      if (params.unlocked != 0u) { pre = pre + uniform_int(params.seed, STREAM_WORKEROFFSET, i, 0u, params.j); }
      records[base + 0u] = 0u;
      records[base + 1u] = 0u;
      records[base + 2u] = 0u;
      records[base + 3u] = 0u;
      records[base + 4u] = pre;
      for (var k = 0u; k < 2u * D; k++) { records[base + 5u + k] = 0u; }
      task_init(&sp);
      task_init(&sm);
    } else {
      sp = load_state(2u * i);
      sm = load_state(2u * i + 1u);
    }
    var t = records[base + 0u];
    var episode = records[base + 1u];
    var own_sigma = bitcast<f32>(records[base + 2u]);
    var sigma_set = records[base + 3u];
    var pre = records[base + 4u];
    var xi: array<f32, D>;
    var z: array<f32, D>;
    for (var k = 0u; k < D; k++) {
      xi[k] = bitcast<f32>(records[base + 5u + k]);
      z[k] = bitcast<f32>(records[base + 5u + D + k]);
    }
    let run_pre = min(pre, params.pre_cap);
    var total = run_pre;
    let real = (params.mode & ${MODE.update}u) != 0u && pre == run_pre;
    if (real) { total = total + 1u; }
    for (var tr = 0u; tr < total; tr++) {
      // Episode boundary: initial state, ξ = z = 0, the current σ, next episode's noise.
      var ended = false;
      if (params.horizon != ${NO_HORIZON}u && t >= params.horizon) {
        ended = true;
        t = 0u;
        episode = episode + 1u;
        for (var k = 0u; k < D; k++) { xi[k] = 0.0; z[k] = 0.0; }
        task_init(&sp);
        task_init(&sm);
      }
      if (ended || sigma_set == 0u) {
        own_sigma = params.sigma;
        sigma_set = 1u;
      }
      // NRES under 'rescale': its one block takes the current σ at once (weight included).
      if ((params.mode & ${MODE.rescale}u) != 0u && params.period == 0u) { own_sigma = params.sigma; }
      // Resample at the start of every R-step block (period 0: once per episode); the block
      // that ends joins ξ over its own σ (z = 0 at an episode start: nothing), and the new
      // block takes the current σ under 'rescale' (the episode's otherwise).
      var draw = false;
      var block = 0u;
      if (params.period == 0u) {
        draw = t == 0u;
      } else {
        draw = (t % params.period) == 0u;
        block = t / params.period;
      }
      if (draw) {
        let key = noise_key(params.seed, STREAM_PERTURBATION, i, episode, block);
        for (var k = 0u; k < D; k++) {
          if (z[k] != 0.0) { xi[k] = xi[k] + z[k] / own_sigma; }
          z[k] = gaussian_at(key, k);
        }
        if ((params.mode & ${MODE.rescale}u) != 0u) { own_sigma = params.sigma; }
      }
      let sig = own_sigma;
      var thp: array<f32, D>;
      var thm: array<f32, D>;
      for (var k = 0u; k < D; k++) {
        let e = sig * z[k];
        thp[k] = theta[k] + e;
        thm[k] = theta[k] - e;
      }
      let pp = task_prep(thp);
      let pm = task_prep(thm);
      var acc_p = 0.0;
      var acc_m = 0.0;
      ${pairLoop('t', 'params.k', aligned4)}
      t = t + params.k;
      if (tr + 1u == total && real) {
        let lp = finish_loss(acc_p, params.k);
        let lm = finish_loss(acc_m, params.k);
        let w = (lp - lm) * (1.0 / (2.0 * f32(params.n)));
        // Divergence guard: a pair whose loss or state is NaN/±Inf is left out.
        let ok = finite(lp) && finite(lm) && finite_state(sp) && finite_state(sm);
        for (var k = 0u; k < D; k++) {
          contrib[k] = select(0.0, w * (xi[k] + z[k] / sig), ok);
          eps_out[i * D + k] = sig * z[k];
        }
        usable = select(0.0, 1.0, ok);
        write_per_worker(i, contrib);
      }
    }
    store_state(2u * i, sp);
    store_state(2u * i + 1u, sm);
    records[base + 0u] = t;
    records[base + 1u] = episode;
    records[base + 2u] = bitcast<u32>(own_sigma);
    records[base + 3u] = sigma_set;
    records[base + 4u] = pre - run_pre;
    for (var k = 0u; k < D; k++) {
      records[base + 5u + k] = bitcast<u32>(xi[k]);
      records[base + 5u + D + k] = bitcast<u32>(z[k]);
    }
  }
  write_pair(i, contrib, usable);
}
`;
}

function tesBody(): string {
  return /* wgsl */ `
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  var contrib: array<f32, D>;
  var usable = 0.0;
  if (i < params.n) {
    let base = i * 3u;
    var sb: array<f32, S>;
    if ((params.mode & ${MODE.init}u) != 0u) {
      var pre = params.burn;
      if (params.unlocked != 0u) { pre = pre + uniform_int(params.seed, STREAM_WORKEROFFSET, i, 0u, params.j); }
      records[base + 0u] = 0u;
      records[base + 1u] = 0u;
      records[base + 2u] = pre;
      task_init(&sb);
    } else {
      for (var k = 0u; k < S; k++) { sb[k] = states[i * S + k]; }
    }
    var t = records[base + 0u];
    var episode = records[base + 1u];
    let pre = records[base + 2u];
    let run_pre = min(pre, params.pre_cap);
    var th: array<f32, D>;
    for (var k = 0u; k < D; k++) { th[k] = theta[k]; }
    let p0 = task_prep(th);
    // Pre-phase: advance the unperturbed state only (positioning, then burn-in).
    for (var tr = 0u; tr < run_pre; tr++) {
      if (params.horizon != ${NO_HORIZON}u && t >= params.horizon) {
        t = 0u;
        episode = episode + 1u;
        task_init(&sb);
      }
      for (var s = 0u; s < params.k; s++) { _ = task_step(&sb, p0, t + s); }
      t = t + params.k;
    }
    if ((params.mode & ${MODE.update}u) != 0u && pre == run_pre) {
      if (params.horizon != ${NO_HORIZON}u && t >= params.horizon) {
        t = 0u;
        episode = episode + 1u;
        task_init(&sb);
      }
      // Fresh noise every update, keyed by the update counter.
      let key = noise_key(params.seed, STREAM_PERTURBATION, i, params.counter, 0u);
      var z: array<f32, D>;
      var thp: array<f32, D>;
      var thm: array<f32, D>;
      for (var k = 0u; k < D; k++) {
        z[k] = gaussian_at(key, k);
        let e = z[k] * params.sigma;
        thp[k] = th[k] + e;
        thm[k] = th[k] - e;
        eps_out[i * D + k] = e;
      }
      let pp = task_prep(thp);
      let pm = task_prep(thm);
      var sp = sb;
      var sm = sb;
      var acc_p = 0.0;
      var acc_m = 0.0;
      for (var s = 0u; s < params.k; s++) {
        acc_p = reduce_loss(acc_p, task_step(&sp, pp, t + s));
        acc_m = reduce_loss(acc_m, task_step(&sm, pm, t + s));
        _ = task_step(&sb, p0, t + s);
      }
      t = t + params.k;
      let lp = finish_loss(acc_p, params.k);
      let lm = finish_loss(acc_m, params.k);
      let w = (lp - lm) / (2.0 * params.sigma * f32(params.n));
      let ok = finite(lp) && finite(lm) && finite_state(sp) && finite_state(sm);
      for (var k = 0u; k < D; k++) { contrib[k] = select(0.0, w * z[k], ok); }
      usable = select(0.0, 1.0, ok);
      write_per_worker(i, contrib);
    }
    for (var k = 0u; k < S; k++) { states[i * S + k] = sb[k]; }
    records[base + 0u] = t;
    records[base + 1u] = episode;
    records[base + 2u] = pre - run_pre;
  }
  write_pair(i, contrib, usable);
}
`;
}

function fullBody(): string {
  return /* wgsl */ `
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  var contrib: array<f32, D>;
  var usable = 0.0;
  if (i < params.n) {
    let key = noise_key(params.seed, STREAM_PERTURBATION, i, params.counter, 0u);
    var z: array<f32, D>;
    var thp: array<f32, D>;
    var thm: array<f32, D>;
    for (var k = 0u; k < D; k++) {
      z[k] = gaussian_at(key, k);
      let e = z[k] * params.sigma;
      thp[k] = theta[k] + e;
      thm[k] = theta[k] - e;
    }
    var sp: array<f32, S>;
    var sm: array<f32, S>;
    var acc_p = 0.0;
    var acc_m = 0.0;
    if (params.step0 == 0u) {
      task_init(&sp);
      task_init(&sm);
    } else {
      for (var k = 0u; k < S; k++) {
        sp[k] = states[(2u * i) * S + k];
        sm[k] = states[(2u * i + 1u) * S + k];
      }
      acc_p = bitcast<f32>(records[2u * i]);
      acc_m = bitcast<f32>(records[2u * i + 1u]);
    }
    let pp = task_prep(thp);
    let pm = task_prep(thm);
    for (var s = 0u; s < params.steps; s++) {
      acc_p = reduce_loss(acc_p, task_step(&sp, pp, params.step0 + s));
      acc_m = reduce_loss(acc_m, task_step(&sm, pm, params.step0 + s));
    }
    if ((params.mode & ${MODE.last}u) != 0u) {
      let lp = finish_loss(acc_p, params.total_steps);
      let lm = finish_loss(acc_m, params.total_steps);
      let w = (lp - lm) / (2.0 * params.sigma * f32(params.n));
      let ok = finite(lp) && finite(lm);
      usable = select(0.0, 1.0, ok);
      for (var k = 0u; k < D; k++) {
        contrib[k] = select(0.0, w * z[k], ok);
        eps_out[i * D + k] = z[k] * params.sigma;
      }
      write_per_worker(i, contrib);
    } else {
      for (var k = 0u; k < S; k++) {
        states[(2u * i) * S + k] = sp[k];
        states[(2u * i + 1u) * S + k] = sm[k];
      }
      records[2u * i] = bitcast<u32>(acc_p);
      records[2u * i + 1u] = bitcast<u32>(acc_m);
    }
  }
  write_pair(i, contrib, usable);
}
`;
}

/**
 * The fused truncation kernel of one estimator kind on one task. `aligned4`: every
 * truncation starts at a multiple of 4 and K is one (K % 4 == 0: truncations start at
 * multiples of K), so the family kernel reads the task's table four steps at a time.
 */
export function truncationKernel(task: WgslTask, kind: TruncationKind, aligned4 = false): string {
  const body = kind === 'family' ? familyBody(aligned4) : kind === 'tes' ? tesBody() : fullBody();
  return [PARAMS_WGSL, BINDINGS_WGSL, header(task, TRUNCATION_DATA_BINDING), reduceWgsl(task), REDUCE_WGSL, body].join('\n');
}

/** Pairs one invocation of PAIR_SUM_KERNEL sums. */
export const PAIR_SUM_CHUNK = 64;

/**
 * Sums the truncation kernel's per-pair rows (d + 1 floats each) in chunks of `chunk`
 * pairs: sums[g] = Σ pairs[g·chunk …]. No barriers (see write_pair).
 */
export function pairSumKernel(dim: number): string {
  return /* wgsl */ `
const DP: u32 = ${dim + 1}u;
struct Sum { n: u32, chunk: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> sp: Sum;
@group(0) @binding(1) var<storage, read> pairs: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x;
  let start = g * sp.chunk;
  if (start >= sp.n) { return; }
  let end = min(start + sp.chunk, sp.n);
  for (var k = 0u; k < DP; k++) {
    var s = 0.0;
    for (var i = start; i < end; i++) { s = s + pairs[i * DP + k]; }
    sums[g * DP + k] = s;
  }
}
`;
}

/** Words of the finalize kernel's uniform block. */
export const FINAL_WORDS = 12;
export const F = {
  groups: 0,
  /** 0: no optimizer step (estimate only), 1: SGD, 2: Adam. */
  optimizer: 1,
  /** Pairs behind the estimate (the divergence guard's renormalisation). */
  n: 2,
  /** f32 from here on. */
  lr: 4,
  beta1: 5,
  oneMinusBeta1: 6,
  beta2: 7,
  oneMinusBeta2: 8,
  bias1: 9,
  bias2: 10,
  epsilon: 11,
} as const;

/** Floats of the health buffer: excluded last, excluded total, skipped total, usable last. */
export const HEALTH_WORDS = 4;

/**
 * Sums the workgroup partials into ĝ and (optionally) takes the optimizer step on θ, in
 * the op order of src/core/optimizers.ts, behind the same divergence guard as the tfjs
 * path: ĝ is renormalised over the usable pairs (N / usable, exactly 1 when none was
 * excluded), and the step is applied only when some pair was usable and ĝ, the new θ and
 * the new moments are all finite — otherwise θ and the moments stay as they were and the
 * update counts as skipped. One invocation: d is small.
 */
export function finalizeKernel(dim: number): string {
  return /* wgsl */ `
const D: u32 = ${dim}u;
struct Final {
  groups: u32, optimizer: u32, n: u32, pad0: u32,
  lr: f32, beta1: f32, one_minus_beta1: f32, beta2: f32,
  one_minus_beta2: f32, bias1: f32, bias2: f32, epsilon: f32,
}
@group(0) @binding(0) var<uniform> fin: Final;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> moments: array<f32>;
@group(0) @binding(5) var<storage, read_write> health: array<f32>;

fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(1)
fn main() {
  let DP = D + 1u;
  var usable = 0.0;
  for (var w = 0u; w < fin.groups; w++) { usable = usable + partials[w * DP + D]; }
  let n = f32(fin.n);
  let renorm = n / max(usable, 1.0);
  var g: array<f32, D>;
  var ok = usable > 0.0;
  for (var k = 0u; k < D; k++) {
    var s = 0.0;
    for (var w = 0u; w < fin.groups; w++) { s = s + partials[w * DP + k]; }
    // Exactly the unguarded sum when nothing was excluded (renorm = 1).
    if (usable != n) { s = s * renorm; }
    g[k] = s;
    grad[k] = s;
    ok = ok && finite(s);
  }
  if (fin.optimizer == 0u) { return; }
  var th: array<f32, D>;
  var m: array<f32, D>;
  var v: array<f32, D>;
  for (var k = 0u; k < D; k++) {
    if (fin.optimizer == 1u) {
      th[k] = theta[k] - g[k] * fin.lr;
    } else {
      m[k] = moments[k] * fin.beta1 + g[k] * fin.one_minus_beta1;
      v[k] = moments[D + k] * fin.beta2 + (g[k] * g[k]) * fin.one_minus_beta2;
      let m_hat = m[k] / fin.bias1;
      let v_hat = v[k] / fin.bias2;
      th[k] = theta[k] - (m_hat / (sqrt(v_hat) + fin.epsilon)) * fin.lr;
      ok = ok && finite(m[k]) && finite(v[k]);
    }
    ok = ok && finite(th[k]);
  }
  if (ok) {
    for (var k = 0u; k < D; k++) {
      theta[k] = th[k];
      if (fin.optimizer == 2u) {
        moments[k] = m[k];
        moments[D + k] = v[k];
      }
    }
  }
  health[0] = n - usable;
  health[1] = health[1] + (n - usable);
  health[2] = health[2] + select(1.0, 0.0, ok);
  health[3] = usable;
}
`;
}

/** Words of the rows kernel's uniform block. */
export const ROW_WORDS = 8;
export const RW = { rows: 0, steps: 1, points: 2, seed: 3, sampleOffset: 4, generate: 5, sigma: 6 } as const;

/** Binding of the task's constant table in the rows kernel. */
export const ROWS_DATA_BINDING = 3;

/**
 * Episode objective of many θ rows (`episodeLoss`: evaluation, surfaces). Row r is
 * base[r], or with `generate` the surface's sample m = r / points + sample_offset at grid
 * point p = r mod points: base[p] ± σ z_{m/2} (+ for even m, − for odd: antithetic pairs),
 * z keyed by (seed, surface stream, m/2) as in src/core/experiments/surface.ts (common
 * random numbers across the grid).
 */
export function rowsKernel(task: WgslTask): string {
  return [
    /* wgsl */ `
struct Rows { rows: u32, steps: u32, points: u32, seed: u32, sample_offset: u32, generate: u32, sigma: f32, pad0: u32 }
@group(0) @binding(0) var<uniform> rp: Rows;
@group(0) @binding(1) var<storage, read> base_rows: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_rows: array<f32>;
`,
    header(task, ROWS_DATA_BINDING),
    reduceWgsl(task),
    /* wgsl */ `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= rp.rows) { return; }
  var th: array<f32, D>;
  if (rp.generate != 0u) {
    let m = r / rp.points + rp.sample_offset;
    let p = r % rp.points;
    let key = noise_key(rp.seed, STREAM_SURFACE, m / 2u, 0u, 0u);
    let sgn = select(-rp.sigma, rp.sigma, (m % 2u) == 0u);
    for (var k = 0u; k < D; k++) { th[k] = base_rows[p * D + k] + sgn * gaussian_at(key, k); }
  } else {
    for (var k = 0u; k < D; k++) { th[k] = base_rows[r * D + k]; }
  }
  let prep = task_prep(th);
  var s: array<f32, S>;
  task_init(&s);
  var acc = 0.0;
  for (var st = 0u; st < rp.steps; st++) { acc = reduce_loss(acc, task_step(&s, prep, st)); }
  out_rows[r] = finish_loss(acc, rp.steps);
}
`,
  ].join('\n');
}

/** Per-point mean over samples of a (sample, point)-ordered block of row losses. */
export const MEAN_KERNEL = /* wgsl */ `
struct Mean { points: u32, samples: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> mp: Mean;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  if (p >= mp.points) { return; }
  var s = 0.0;
  for (var m = 0u; m < mp.samples; m++) { s = s + values[m * mp.points + p]; }
  sums[p] = sums[p] + s;
}
`;
