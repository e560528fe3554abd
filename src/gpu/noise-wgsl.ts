/**
 * The WGSL twin of src/core/noise.ts: the same counter-based generator, so a permalink
 * gives the same run whichever path computes it.
 *
 * The integer part (lowbias32 hash, key folding, modulo) is bit-identical: WGSL u32
 * arithmetic wraps exactly like Math.imul / >>> 0. The float part cannot be bit-identical
 * (TypeScript evaluates Box–Muller in float64, the GPU in float32), so it is written to
 * keep the float32 error near one rounding rather than rely on the WGSL builtins, whose
 * spec bounds are loose (cos: 2⁻¹¹ absolute, log: 2⁻²¹ absolute near 1):
 * - u = (m + ½)/2²⁴ from the word's top 24 bits m; near u = 1, log u is computed as
 *   log1p(−v) with v = 1 − u formed exactly, by the atanh series;
 * - cos 2πu is reduced in integers to a quadrant and an angle in [−π/4, π/4] (exact),
 *   then evaluated with short Taylor polynomials.
 * Typical agreement with the float64 normals is a few 1e-7 absolute (parity-tested in
 * e2e/fused-parity.spec.ts).
 */
export const NOISE_WGSL = /* wgsl */ `
const NOISE_GOLDEN: u32 = 0x9e3779b9u;

fn hash32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}

fn mix_key(key: u32, word: u32) -> u32 {
  return hash32(key ^ hash32(word + NOISE_GOLDEN));
}

fn noise_key(seed: u32, stream: u32, particle: u32, index0: u32, index1: u32) -> u32 {
  var k = hash32(seed);
  k = mix_key(k, stream);
  k = mix_key(k, particle);
  k = mix_key(k, index0);
  k = mix_key(k, index1);
  return k;
}

fn uniform_int(seed: u32, stream: u32, particle: u32, index0: u32, n: u32) -> u32 {
  return mix_key(noise_key(seed, stream, particle, index0, 0u), 0x5bd1e995u) % n;
}

/** ln u for u = (m + 1/2)/2^24, m = top 24 bits of a word. */
fn noise_log_unit(word: u32) -> f32 {
  let m = word >> 8u;
  if (m < 0x800000u) {
    // u < 1/2: |ln u| > 0.69, so the builtin's relative accuracy is what matters.
    return log((f32(m) + 0.5) * (1.0 / 16777216.0));
  }
  // u >= 1/2: v = 1 - u = (2^24 - m - 1/2)/2^24 is exact in f32 (fewer than 24 bits);
  // ln(1 - v) = 2 atanh(s), s = -v/(2 - v), |s| <= 1/3.
  let v = (f32(0x1000000u - m) - 0.5) * (1.0 / 16777216.0);
  let s = -v / (2.0 - v);
  let s2 = s * s;
  var p = 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  return 2.0 * s * p;
}

/** cos(2 pi u) for u = (m + 1/2)/2^24, m = top 24 bits of a word. */
fn noise_cos_unit(word: u32) -> f32 {
  // 2pi u = 2pi n / 2^25 with n = 2m + 1 odd; quadrant q = round(n / 2^23) and the
  // remainder r = n - q 2^23 in [-2^22, 2^22] are exact integers.
  let n = 2u * (word >> 8u) + 1u;
  let q = (n + 0x400000u) >> 23u;
  let r = i32(n) - i32(q << 23u);
  let a = f32(r) * (6.283185307179586 / 33554432.0);
  let a2 = a * a;
  var c = -1.0 / 3628800.0;
  c = c * a2 + 1.0 / 40320.0;
  c = c * a2 - 1.0 / 720.0;
  c = c * a2 + 1.0 / 24.0;
  c = c * a2 - 0.5;
  c = c * a2 + 1.0;
  var s = 1.0 / 362880.0;
  s = s * a2 - 1.0 / 5040.0;
  s = s * a2 + 1.0 / 120.0;
  s = s * a2 - 1.0 / 6.0;
  s = (s * a2 + 1.0) * a;
  let quadrant = q & 3u;
  var out = c;
  if (quadrant == 1u) { out = -s; }
  if (quadrant == 2u) { out = -c; }
  if (quadrant == 3u) { out = s; }
  return out;
}

/** Standard normal for dimension dim under a key from noise_key (Box-Muller). */
fn gaussian_at(key: u32, dim: u32) -> f32 {
  let w1 = mix_key(key, 2u * dim);
  let w2 = mix_key(key, 2u * dim + 1u);
  return sqrt(-2.0 * noise_log_unit(w1)) * noise_cos_unit(w2);
}
`;

/** Streams of src/core/noise.ts as WGSL constants (kept in sync by importing the values). */
export function streamConstantsWgsl(streams: Readonly<Record<string, number>>): string {
  return Object.entries(streams)
    .map(([name, v]) => `const STREAM_${name.toUpperCase()}: u32 = ${v >>> 0}u;`)
    .join('\n');
}
