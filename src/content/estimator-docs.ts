import type { EstimatorId } from '../core/config';

/**
 * The explanation card of every estimator: its update rule in TeX (rendered by KaTeX)
 * and a short paragraph on what it does and what to expect from it. Notation as in
 * docs/estimators.md: K steps per truncation, J = T/K truncations per episode, N
 * antithetic pairs, ε ~ N(0, σ²I), ℓ_j the loss of truncation j.
 */
export interface EstimatorDoc {
  id: EstimatorId;
  /** Display TeX of the update rule. */
  tex: string;
  summary: string;
  /** Cost of one outer update, in TeX. */
  costTex: string;
}

export const ESTIMATOR_DOCS: Readonly<Record<EstimatorId, EstimatorDoc>> = {
  'full-es': {
    id: 'full-es',
    tex: String.raw`\begin{gathered} \hat g = \frac{1}{N}\sum_{i=1}^{N} \epsilon_i\,\frac{L(\theta+\epsilon_i) - L(\theta-\epsilon_i)}{2\sigma^2} \\ \epsilon_i \sim \mathcal N(0, \sigma^2 I) \end{gathered}`,
    summary:
      'Every particle unrolls the whole episode. Unbiased for the gradient of the smoothed loss L_σ, and the reference the online methods are measured against — but one update waits for all T steps. With rank shaping, the loss differences are replaced by centred ranks in [−½, ½] (robust to outliers, no longer an estimate of ∇L_σ).',
    costTex: String.raw`2NT`,
  },
  tes: {
    id: 'tes',
    tex: String.raw`\begin{gathered} \hat g_j = \frac{1}{N}\sum_{i=1}^{N} \epsilon_{j,i}\,\frac{\ell_j(\theta+\epsilon_{j,i};\,\bar s) - \ell_j(\theta-\epsilon_{j,i};\,\bar s)}{2\sigma^2} \\ \bar s \text{ advanced with } \theta \end{gathered}`,
    summary:
      'Both particles of a pair start the truncation from one shared, unperturbed state s̄ with fresh noise every truncation. Cheap and low-variance, but it ignores how θ shaped s̄: a short-horizon bias that does not shrink with more particles.',
    costTex: String.raw`3NK`,
  },
  pes: {
    id: 'pes',
    tex: String.raw`\begin{gathered} \xi_i \leftarrow \xi_i + \frac{\epsilon_{j,i}}{\sigma_j^2} \\ \hat g_j = \frac{1}{N}\sum_{i=1}^{N} \xi_i\,\frac{\ell_j(s^+_i) - \ell_j(s^-_i)}{2} \end{gathered}`,
    summary:
      'Persistent ES: each particle keeps its own perturbed state across truncations and accumulates its noise in ξ, which credits today\'s loss to all the perturbations that shaped the state — each over the σ it was perturbed with, so it stays unbiased when σ changes. Unbiased across truncations; the price is variance that grows with the number of truncations J.',
    costTex: String.raw`2NK`,
  },
  nres: {
    id: 'nres',
    tex: String.raw`\begin{gathered} \hat g_j = \frac{1}{N}\sum_{i=1}^{N} \epsilon_i\,\frac{\ell_j(s^+_i) - \ell_j(s^-_i)}{2\sigma^2} \\ \epsilon_i \text{ drawn once per episode} \end{gathered}`,
    summary:
      'ES-Single / Noise-Reuse ES: one perturbation per particle for its whole episode. Summed over an episode it equals full-unroll ES with the same noise, so it is unbiased — and its variance stays flat as the episode is cut into more truncations. Its one draw cannot follow a σ change within an episode: under the "next noise draw" policy it rescales its noise at once, and its estimates stay biased until the episode ends.',
    costTex: String.raw`2NK`,
  },
  gpes: {
    id: 'gpes',
    tex: String.raw`\begin{gathered} \text{every } R \text{ steps: } \epsilon \sim \mathcal N(0,\sigma^2 I),\ \xi \leftarrow \xi + \epsilon/\sigma^2 \\ \hat g_j = \frac{1}{N}\sum_i \xi_i\,\frac{\ell_j^+ - \ell_j^-}{2} \\ R = K \Rightarrow \text{PES},\ R \ge T \Rightarrow \text{NRES} \end{gathered}`,
    summary:
      'The generalised family between PES and NRES: the noise is resampled every R inner steps (a multiple of K). Slide R from K to T to watch the variance move from PES to NRES. A σ change applies at the next resampling (or the next episode), so it stays unbiased.',
    costTex: String.raw`2NK`,
  },
  tbptt: {
    id: 'tbptt',
    tex: String.raw`\hat g_j = \nabla_\theta\, \ell_j\big(\theta;\ \operatorname{stop\_grad}(s_{(j-1)K})\big)`,
    summary:
      'Truncated backpropagation: the exact gradient of the truncation loss, treating the state that enters the truncation as a constant. Low variance, biased for the same reason as TES — and on chaotic unrolls its gradients explode.',
    costTex: String.raw`\approx 3K \text{ (forward + backward)}`,
  },
  bptt: {
    id: 'bptt',
    tex: String.raw`\begin{gathered} \hat g = \nabla_\theta L(\theta) \\ \text{(backpropagation through all } T \text{ steps)} \end{gathered}`,
    summary:
      'Exact gradient of the unsmoothed loss. Perfect on smooth problems; on rough or chaotic ones it follows every ripple (or explodes), which is what ES smoothing is for.',
    costTex: String.raw`\approx 3T`,
  },
};
