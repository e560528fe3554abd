import type { TaskId } from '../core/config';

/**
 * The reference gradient of the gradient diagnostics: autodiff through the whole episode
 * where the loss is smooth, a large-population full-unroll ES estimate of ∇L_σ where it is
 * chaotic (Lorenz) or rough on purpose (Rastrigin) — there the exact gradient of L is not
 * what ES estimates.
 */
export function diagnosticsReferenceFor(task: TaskId): 'autodiff' | 'es' {
  return task === 'lorenz' || task === 'rastrigin' ? 'es' : 'autodiff';
}
