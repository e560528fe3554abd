/**
 * Which particles the views get. An estimator has 2N particles (θ + ε_i in rows 0…N−1,
 * θ − ε_i in rows N…2N−1); SVG plots slow down past a few hundred markers, so the
 * engine sends an evenly spaced subsample of the antithetic pairs, keeping both members
 * of each pair so the picture stays symmetric about θ.
 */
export function subsampleParticles(particles: Float32Array, d: number, maxShown: number): Float32Array {
  const rows = Math.floor(particles.length / Math.max(1, d));
  if (rows <= maxShown) return particles.slice(0, rows * d);
  const pairs = Math.floor(rows / 2);
  const keepPairs = Math.max(1, Math.floor(maxShown / 2));
  const out = new Float32Array(keepPairs * 2 * d);
  for (let k = 0; k < keepPairs; k++) {
    // Evenly spaced pair indices in [0, pairs).
    const i = Math.floor((k * pairs) / keepPairs);
    out.set(particles.subarray(i * d, (i + 1) * d), k * d);
    out.set(particles.subarray((pairs + i) * d, (pairs + i + 1) * d), (keepPairs + k) * d);
  }
  return out;
}
