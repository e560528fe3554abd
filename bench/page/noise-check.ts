/**
 * Runs the WGSL noise twin on the GPU and compares it with src/core/noise.ts: integer
 * outputs (keys, uniform integers) must be identical, normals equal within float32
 * tolerance. The edge words (u → 0, u → 1, quadrant boundaries of cos 2πu) are swept
 * explicitly.
 */
import { gaussianAt, noiseKey, uniformInt } from '../../src/core/noise';
import type { GpuContext } from '../../src/gpu/device';
import { NOISE_WGSL } from '../../src/gpu/noise-wgsl';

const CHECK_WGSL = /* wgsl */ `
${NOISE_WGSL}
struct Q { rows: u32, dims: u32, words: u32, pad: u32 }
@group(0) @binding(0) var<uniform> q: Q;
@group(0) @binding(1) var<storage, read> keys_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> ints_out: array<u32>;
@group(0) @binding(3) var<storage, read_write> normals_out: array<f32>;
@group(0) @binding(4) var<storage, read> words_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> unit_out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r < q.rows) {
    let b = r * 5u;
    let key = noise_key(keys_in[b], keys_in[b + 1u], keys_in[b + 2u], keys_in[b + 3u], keys_in[b + 4u]);
    ints_out[2u * r] = key;
    ints_out[2u * r + 1u] = uniform_int(keys_in[b], keys_in[b + 1u], keys_in[b + 2u], keys_in[b + 3u], 1u + (r % 97u));
    for (var k = 0u; k < q.dims; k++) { normals_out[r * q.dims + k] = gaussian_at(key, k); }
  }
  if (r < q.words) {
    unit_out[2u * r] = noise_log_unit(words_in[r]);
    unit_out[2u * r + 1u] = noise_cos_unit(words_in[r]);
  }
}
`;

export interface NoiseParity {
  rows: number;
  normals: number;
  keyMismatches: number;
  intMismatches: number;
  normalMaxAbs: number;
  normalMaxRel: number;
  edgeWords: number;
  logMaxAbs: number;
  cosMaxAbs: number;
}

export async function noiseParity(ctx: GpuContext, rows = 8192, dims = 6): Promise<NoiseParity> {
  const keys = new Uint32Array(rows * 5);
  for (let r = 0; r < rows; r++) {
    // Small, structured and large key words alike.
    keys.set([r % 7 === 0 ? 0xffffffff - r : r * 2654435761, 1 + (r % 5), r, r >> 3, r % 11], r * 5);
  }
  const words: number[] = [];
  for (let m = 0; m < 4096; m++) {
    // Top-24-bit values near 0, near 2^23 (u ≈ 1/2), near 2^24 (u ≈ 1) and the quadrant boundaries.
    for (const base of [0, 0x400000, 0x800000, 0xc00000, 0x1000000 - 4096, 0x200000, 0x600000, 0xa00000, 0xe00000]) {
      const mm = (base + m - 2048 + 0x1000000) % 0x1000000;
      words.push(((mm << 8) | (m & 0xff)) >>> 0);
    }
  }
  const wordArr = Uint32Array.from(words);
  const { device } = ctx;
  const pipeline = ctx.pipeline(CHECK_WGSL, 'noise check');
  const qb = ctx.uniform(4, 'noise q');
  ctx.writeWords(qb, Uint32Array.of(rows, dims, wordArr.length, 0));
  const keysB = ctx.storageFrom(keys, 'keys');
  const ints = ctx.storage(rows * 2 * 4, 'ints');
  const normals = ctx.storage(rows * dims * 4, 'normals');
  const wordsB = ctx.storageFrom(wordArr, 'words');
  const units = ctx.storage(wordArr.length * 2 * 4, 'units');
  const encoder = device.createCommandEncoder();
  ctx.dispatch(encoder, pipeline, ctx.bindGroup(pipeline, [qb, keysB, ints, normals, wordsB, units], 'noise check'), Math.max(rows, wordArr.length), 64);
  const out = await ctx.readBack(
    [
      { buffer: ints, bytes: rows * 8 },
      { buffer: normals, bytes: rows * dims * 4 },
      { buffer: units, bytes: wordArr.length * 8 },
    ],
    encoder,
  );
  for (const b of [qb, keysB, ints, normals, wordsB, units]) b.destroy();
  const intsOut = new Uint32Array(out.buffer, 0, rows * 2);
  const normalsOut = out.subarray(rows * 2, rows * 2 + rows * dims);
  const unitOut = out.subarray(rows * 2 + rows * dims);
  let keyMismatches = 0;
  let intMismatches = 0;
  let normalMaxAbs = 0;
  let normalMaxRel = 0;
  for (let r = 0; r < rows; r++) {
    const k = keys.subarray(r * 5, r * 5 + 5);
    const key = noiseKey(k[0] ?? 0, k[1] ?? 0, k[2] ?? 0, k[3] ?? 0, k[4] ?? 0);
    if (key !== intsOut[2 * r]) keyMismatches++;
    if (uniformInt(k[0] ?? 0, k[1] ?? 0, k[2] ?? 0, k[3] ?? 0, 1 + (r % 97)) !== intsOut[2 * r + 1]) intMismatches++;
    for (let j = 0; j < dims; j++) {
      const want = gaussianAt(key, j);
      const got = normalsOut[r * dims + j] ?? Number.NaN;
      const abs = Math.abs(got - want);
      normalMaxAbs = Math.max(normalMaxAbs, Number.isNaN(abs) ? Infinity : abs);
      normalMaxRel = Math.max(normalMaxRel, abs / Math.max(Math.abs(want), 1e-3));
    }
  }
  let logMaxAbs = 0;
  let cosMaxAbs = 0;
  wordArr.forEach((w, i) => {
    const u = ((w >>> 8) + 0.5) / 16777216;
    const l = unitOut[2 * i] ?? Number.NaN;
    const c = unitOut[2 * i + 1] ?? Number.NaN;
    logMaxAbs = Math.max(logMaxAbs, Number.isNaN(l) ? Infinity : Math.abs(l - Math.log(u)));
    cosMaxAbs = Math.max(cosMaxAbs, Number.isNaN(c) ? Infinity : Math.abs(c - Math.cos(2 * Math.PI * u)));
  });
  return { rows, normals: rows * dims, keyMismatches, intMismatches, normalMaxAbs, normalMaxRel, edgeWords: wordArr.length, logMaxAbs, cosMaxAbs };
}
