/** Slider positions of the log-scale sliders (σ, learning rate span decades). */
export const LOG_SLIDER_STEPS = 1000;

/** Value → slider position in 0…LOG_SLIDER_STEPS (clamped to [min, max]). */
export function logSliderPosition(value: number, min: number, max: number): number {
  const v = Math.min(max, Math.max(min, value));
  return Math.round((LOG_SLIDER_STEPS * Math.log(v / min)) / Math.log(max / min));
}

/** Slider position → value, rounded to three significant digits (a drag does not produce 0.30000417). */
export function logSliderValue(position: number, min: number, max: number): number {
  const raw = min * Math.exp((position / LOG_SLIDER_STEPS) * Math.log(max / min));
  return Number(raw.toPrecision(3));
}

/** A slider range of about two decades around a task's default, inside LIMITS. */
export function decadesAround(center: number, below: number, above: number, limits: { min: number; max: number }): { min: number; max: number } {
  const min = Math.max(limits.min, 10 ** Math.floor(Math.log10(center) - below));
  const max = Math.min(limits.max, 10 ** Math.ceil(Math.log10(center) + above));
  return { min, max };
}
