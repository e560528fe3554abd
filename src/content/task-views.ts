import type { TaskId } from '../core/config';

/**
 * How the playground draws each task: landscape resolution (a full unroll per grid
 * point, so long unrolls get coarser grids), the colour scale, the Monte-Carlo budget of
 * the smoothed surface, and the objective in TeX.
 */
export interface TaskView {
  /** Landscape points per axis (raw surface, fast blur and Monte-Carlo refinement). */
  grid: number;
  /** log: colour by log₁₀ L (losses spanning decades); linear: by L. */
  colorScale: 'log' | 'linear';
  /**
   * Monte-Carlo samples per point added by each refinement stage (cumulative mean). The
   * first stage is large enough that its mean is not noisier than the blur it replaces.
   */
  refineStages: readonly number[];
  /** The objective in TeX, for the task card. */
  tex: string;
  /** What the landscape shows, one sentence. */
  landscapeNote: string;
}

export const TASK_VIEWS: Readonly<Record<TaskId, TaskView>> = {
  'linear-quadratic': {
    grid: 40,
    colorScale: 'log',
    refineStages: [16, 48],
    tex: String.raw`s_{t+1} = A s_t + B\theta,\quad L(\theta) = \frac{1}{T}\sum_{t=1}^{T} \tfrac12\lVert s_t - c\rVert^2`,
    landscapeNote: 'A quadratic bowl: smoothing only adds the constant ½σ² tr H, so L and L_σ share the minimum.',
  },
  'influence-balancing': {
    grid: 81,
    colorScale: 'linear',
    refineStages: [16, 48],
    tex: String.raw`\begin{gathered} s \leftarrow A s + \theta\, b,\quad A = \tfrac12 (I + U),\quad \ell = \tfrac12 (s_0 - 1)^2 \\ b = (\underbrace{1,\dots,1}_{10}, \underbrace{-1,\dots,-1}_{13}) \end{gathered}`,
    landscapeNote: 'Evaluation loss after a 500-step unroll from s = 1; the minimum is at θ* = −1/6.',
  },
  'lr-schedule': {
    grid: 40,
    colorScale: 'log',
    refineStages: [16, 48],
    tex: String.raw`\begin{gathered} \eta_t = e^{\theta_0}\tfrac{T-t}{T} + e^{\theta_1}\tfrac{t}{T},\quad x \leftarrow x - \eta_t \nabla f(x) \\ L(\theta) = \textstyle\sum_{t} f(x_{t+1}) \end{gathered}`,
    landscapeNote: 'Summed inner loss of 100 SGD steps for every (initial, final) log learning rate.',
  },
  lorenz: {
    grid: 24,
    colorScale: 'log',
    refineStages: [4, 12],
    tex: String.raw`\begin{gathered} \dot x = a(y-x),\ \ \dot y = (r - z)x - y,\ \ \dot z = xy - bz \\ L(\theta) = \tfrac1T \textstyle\sum_{t=1}^{T} (z_t - z_t^{\mathrm{gt}})^2,\quad \theta = (\log a, \log r) \end{gathered}`,
    landscapeNote: 'Each point is a 2000-step Euler unroll; the raw loss is chaotic along log r, finer than any grid shows.',
  },
  rastrigin: {
    grid: 100,
    colorScale: 'linear',
    refineStages: [32, 96],
    tex: String.raw`L(\theta) = 10d + \sum_{i=1}^{d} \left(z_i^2 - 10\cos 2\pi z_i\right),\quad z = \theta - \text{shift}`,
    landscapeNote: 'A bowl covered in a lattice of local minima; smoothing with σ ≳ 0.5 washes the ripples out.',
  },
  // The three larger tasks cost ~100× a toy per inner step: coarse grids and few
  // Monte-Carlo samples keep each landscape call (one grid row × samples × 200 steps on
  // the CPU backend) short enough not to stall training.
  'mlp-hpo': {
    grid: 16,
    colorScale: 'log',
    refineStages: [2, 4],
    tex: String.raw`\begin{gathered} w \leftarrow w - e^{\theta_0}\big(\nabla \ell_{\text{train}}(w) + e^{\theta_1} w\big) \\ L(\theta) = \tfrac1T \textstyle\sum_{t=1}^{T} \ell_{\text{val}}(w_t),\quad \ell = \operatorname{softplus}(-y f_w(x)) \end{gathered}`,
    landscapeNote:
      'Validation loss averaged over 200 SGD steps of a 2→16→1 MLP, for every (log learning rate, log weight decay); runs beyond the edge of stability are capped at L = 2.',
  },
  rnn: {
    grid: 16,
    colorScale: 'log',
    refineStages: [2, 4],
    tex: String.raw`\begin{gathered} h_{t+1} = \tanh(h_t W_h + x_t w_x + b),\quad \hat y_t = h_{t+1} \cdot w_o + b_o \\ L(\theta) = \tfrac1T \textstyle\sum_{t} (\hat y_t - x_{t+1})^2,\quad \theta = (W_h, w_x, b, w_o, b_o) \end{gathered}`,
    landscapeNote: 'Next-sample prediction error of the RNN over 200 steps, on a 2-D slice through its 305 weights at θ₀ (chosen below).',
  },
  'learned-optimizer': {
    grid: 16,
    colorScale: 'log',
    refineStages: [2, 4],
    tex: String.raw`\begin{gathered} w_i \leftarrow w_i - s\cdot f_i - v\cdot\big[\tanh([f_i\ 1]\,U)\ \ 1\big] \\ f_i = (g_i, m_i, w_i),\quad \theta = (s, U, v) \\ L(\theta) = \tfrac1T \textstyle\sum_{t=1}^{T} \ell_{\text{val}}(w_t) \end{gathered}`,
    landscapeNote: 'Validation loss averaged over 200 inner steps taken by the learned optimizer, on a 2-D slice through its 34 meta-parameters.',
  },
  mnist: {
    grid: 16,
    colorScale: 'linear',
    refineStages: [2, 4],
    tex: String.raw`\begin{gathered} z = \big[\tanh([x\ 1]\,W_1)\ \ 1\big]\,W_2 \\ \ell_b = \operatorname{mean}_{(x,y)\in b} \big(\log \textstyle\sum_k e^{z_k} - z_y\big) \\ L(\theta) = \tfrac1T \textstyle\sum_{t=1}^{T} \ell_{b_t},\quad \theta = (W_1, W_2) \end{gathered}`,
    // MNIST_LANDSCAPE_TRAIN (src/core/tasks/index.ts): the landscape's points see a tenth of the training set.
    landscapeNote:
      'Cross-entropy of the MNIST classifier on the first 500 of its 5,000 training digits (10 minibatches, so the grid draws in seconds on a CPU), on a 2-D slice through its 3,322 weights at θ₀ (chosen below). The estimators’ L in the legend is over all 5,000.',
  },
};
