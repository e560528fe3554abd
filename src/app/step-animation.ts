/**
 * The landscape's motion through one update: when a frame is exactly one update after the
 * one on screen (a Step, or slow motion), θ, the particles and the loss glide from where
 * they were to where the update put them instead of jumping, so a lecturer pressing Step
 * shows the population moving θ to θ′. Anything else (a run at speed, a reset, a rewind)
 * is drawn as it comes.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EstimatorLive } from '../state/sim-store';

/** How long a Step's motion takes. */
export const STEP_ANIMATION_MS = 450;
/** In slow motion the motion takes at most this share of the time between frames (it ends before the next arrives). */
const SHARE_OF_INTERVAL = 0.8;

/** Smooth start and stop. */
export function easeInOut(t: number): number {
  const c = Math.min(1, Math.max(0, t));
  return c < 0.5 ? 2 * c * c : 1 - (-2 * c + 2) ** 2 / 2;
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/**
 * The estimators `t` of the way (0…1) from `from` to `to`: θ, the particles and the loss of
 * each estimator present in both with as many particles (the same pairs: the subsample is by
 * index) are interpolated; the rest, and everything else, is `to`'s. Non-finite values jump.
 */
export function interpolateEstimators(from: readonly EstimatorLive[], to: readonly EstimatorLive[], t: number): EstimatorLive[] {
  const before = new Map(from.map((e) => [e.id, e]));
  return to.map((e) => {
    const o = before.get(e.id);
    if (!o || o.theta.length !== e.theta.length || t >= 1) return e;
    const mix = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) ? lerp(a, b, t) : b);
    const particles = o.particles.length === e.particles.length ? Float32Array.from(e.particles, (v, i) => mix(o.particles[i] ?? v, v)) : e.particles;
    return { ...e, theta: e.theta.map((v, i) => mix(o.theta[i] ?? v, v)), evalLoss: mix(o.evalLoss, e.evalLoss), particles };
  });
}

/** How long the motion into a frame takes: a Step's full duration, or less when frames come faster (slow motion). */
export function animationMs(msSincePreviousFrame: number): number {
  return Math.max(0, Math.min(STEP_ANIMATION_MS, SHARE_OF_INTERVAL * msSincePreviousFrame));
}

/**
 * The estimators to draw on the landscape: `live` itself, or — for a while after a frame one
 * update after the previous — the interpolation into it. `animating` is true meanwhile (the
 * trails then end at the moving θ).
 */
export function useStepAnimation(live: readonly EstimatorLive[], iteration: number, generation: number): { estimators: readonly EstimatorLive[]; animating: boolean } {
  const previous = useRef<{ live: readonly EstimatorLive[]; iteration: number; generation: number; at: number } | null>(null);
  const [motion, setMotion] = useState<{ from: readonly EstimatorLive[]; to: readonly EstimatorLive[]; t: number } | null>(null);

  useEffect(() => {
    const now = performance.now();
    const p = previous.current;
    previous.current = { live, iteration, generation, at: now };
    if (!p || p.live === live || p.generation !== generation || iteration !== p.iteration + 1 || p.live.length === 0) {
      setMotion(null);
      return;
    }
    const duration = animationMs(now - p.at);
    if (duration < 60) {
      setMotion(null);
      return;
    }
    const from = p.live;
    let frame = 0;
    const tick = (): void => {
      const t = (performance.now() - now) / duration;
      if (t >= 1) {
        setMotion(null);
        return;
      }
      setMotion({ from, to: live, t: easeInOut(t) });
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [live, iteration, generation]);

  // The same object while nothing moves (the landscape's figures are memoised on it).
  return useMemo(
    () => (!motion || motion.to !== live ? { estimators: live, animating: false } : { estimators: interpolateEstimators(motion.from, live, motion.t), animating: true }),
    [motion, live],
  );
}
