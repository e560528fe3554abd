/**
 * Lesson links (as TensorFlow Playground's teacher links): a preset opened as a lesson shows
 * its commentary first and only the control sections its story turns on, so a class sees
 * the knob the lecturer talks about and not thirty others. Everything else stays one click
 * away ("Show all controls").
 */

/** The sections of the settings column (src/app/components/Controls.tsx). */
export const CONTROL_SECTIONS = ['task', 'estimators', 'sigma', 'optimizer', 'unroll', 'run'] as const;
export type ControlSection = (typeof CONTROL_SECTIONS)[number];

/**
 * Per preset: which sections the lesson needs. Comparing estimators is every preset's point,
 * so each lesson keeps that section; the second is the knob the commentary discusses.
 */
const LESSON_CONTROLS: Readonly<Record<string, readonly ControlSection[]>> = {
  // TES and TBPTT drift the wrong way, PES converges: which estimators, and σ.
  'pes-influence-balancing': ['estimators', 'sigma'],
  // σ smooths the rough surface the estimators descend.
  'pes-lr-schedule': ['estimators', 'sigma'],
  'nres-lorenz': ['estimators', 'sigma'],
  // Variance against the number of truncations J = T/K: T and K are the knob.
  'es-single-variance': ['estimators', 'unroll'],
  // σ and its annealing schedule: "find the basin, then anneal".
  'evostrats-rastrigin': ['estimators', 'sigma'],
  'es-single-mlp-hpo': ['estimators', 'sigma'],
  // Truncation length K against the bias of truncated ES.
  'pes-rnn': ['estimators', 'unroll'],
  'nres-learned-optimizer': ['estimators', 'sigma'],
  // The population size N of minibatch ES.
  'evostrats-mnist': ['estimators', 'unroll'],
};

/** The sections a preset's lesson shows (estimators and σ for a preset not listed). */
export function lessonSections(presetId: string): readonly ControlSection[] {
  return LESSON_CONTROLS[presetId] ?? ['estimators', 'sigma'];
}

/** Preset ids that have a lesson entry (for the test that every preset has one). */
export function presetsWithLessons(): string[] {
  return Object.keys(LESSON_CONTROLS);
}
