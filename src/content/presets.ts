// The presets are built from task defaults at import time: that needs a tfjs backend.
import '../platform/metadata-backend';
import type { EstimatorId, TaskId } from '../core/config';
import { defaultPlaygroundConfig, type PlaygroundConfig } from '../core/playground-config';

/**
 * Curated experiments: each a complete PlaygroundConfig (what a permalink would carry)
 * plus the story it tells. Where a setting departs from the paper for interactivity, the
 * commentary says so.
 */
export interface Preset {
  id: string;
  title: string;
  /** Paragraphs: the setup, then what to look at. */
  commentary: string[];
  /** Where the preset's point is made. */
  focus: 'landscape' | 'curves' | 'variance';
  config: PlaygroundConfig;
  /**
   * How the variance figure opens with this preset (the panel's own defaults otherwise):
   * relative to J = 1, log or linear y-axis, estimators hidden, and the repeats per cell
   * (fewer on a costly task, so a measurement fits a lecture's half minute).
   */
  varianceView?: { relative?: boolean; logY?: boolean; hidden?: readonly EstimatorId[]; repeats?: number };
}

function base(task: TaskId): PlaygroundConfig {
  return defaultPlaygroundConfig(task);
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'pes-influence-balancing',
    title: 'PES paper — influence balancing',
    focus: 'curves',
    commentary: [
      'Tallec & Ollivier\'s influence-balancing problem, as in the PES paper: θ pushes the first state up at once but down, more strongly, through a 23-step delayed chain. Truncations of K = 1 step only see the short-run effect.',
      'Watch the evaluation loss: TES and truncated BPTT follow the wrong sign and drift away from θ* = −1/6 (the dashed line in the landscape), while PES accumulates its noise across truncations and converges.',
      'The paper uses N = 500 pairs; this preset uses 100 so it runs at interactive speed on any backend — PES still converges. The task never resets (T = ∞), so σ changes apply at each pair\'s next noise draw (every truncation for PES) — and NRES, if you add it, draws its noise once for the whole run.',
    ],
    config: {
      ...base('influence-balancing'),
      estimators: ['tes', 'pes', 'tbptt'],
      pairs: 100,
      K: 1,
      R: 1,
      sigmaChange: 'rescale',
      sigma: { kind: 'constant', sigma0: 0.1 },
      optimizer: 'sgd',
      lr: 1e-4,
      seed: 1,
      stop: { kind: 'iterations', value: 3000 },
      view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 20 },
    },
  },
  {
    id: 'pes-lr-schedule',
    title: 'PES paper — learning-rate schedule surface',
    focus: 'landscape',
    commentary: [
      'θ = (initial, final) log learning rate of a linear schedule for 100 SGD steps on a bumpy function — the PES paper\'s toy meta-learning problem (N = 50 pairs, σ = 0.3, Adam 1e-2 with β₁ = 0.99, β₂ = 0.999, T = 100, K = 10, as in the paper\'s code).',
      'Compare the raw and the σ-smoothed landscape: near the good schedules the raw loss is rough, and ES follows the smoothed one. Drag σ: the smoothed panel updates at once (a blur of the raw grid) and then sharpens with Monte-Carlo samples.',
      'TES is biased towards schedules that look good over 10-step windows; PES and NRES are unbiased and head for the valley of the full-horizon loss.',
    ],
    config: {
      ...base('lr-schedule'),
      estimators: ['tes', 'pes', 'nres'],
      // The PES code's outer Adam for this experiment (toy_regression.py: outer_b1 = 0.99).
      adam: { beta1: 0.99, beta2: 0.999 },
      seed: 1,
      view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 5 },
    },
  },
  {
    id: 'nres-lorenz',
    title: 'NRES paper — Lorenz',
    focus: 'landscape',
    commentary: [
      'Recover the Lorenz parameters (log a, log r) from a 2000-step trajectory, as in the Noise-Reuse ES paper. Over this horizon the loss is chaotic in θ: the raw landscape is speckled and backpropagated gradients are dominated by the chaos.',
      'NRES and PES estimate the gradient of the σ-smoothed loss, which still points towards the true parameters (★); truncated BPTT is biased by its 100-step windows. What the run shows: over the first hundred updates (the first half minute or so on a CPU) all three descend together, their losses bounce, and truncated BPTT is often lowest. The difference is in where θ goes — watch the trails, not the loss: from about update 150 truncated BPTT stalls ≈ 0.63 from ★ (distance in (log a, log r)), while NRES keeps closing in, 0.5 away after 300 updates (this seed and N; PES 0.69). With the paper\'s N = 200 the reproduce report has NRES 0.05 away after 500 updates, PES 0.11, truncated BPTT 0.69.',
      'For interactivity this preset uses N = 32 pairs instead of the paper\'s 200 and keeps T = 2000, K = 100. Every evaluation, landscape point and reference gradient is a 2000-step unroll, so this preset is the slow one — on a software or CPU backend expect a few updates per second and a landscape that takes a while to refine.',
    ],
    config: {
      ...base('lorenz'),
      estimators: ['tbptt', 'nres', 'pes'],
      pairs: 32,
      seed: 1,
      view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 1 },
    },
  },
  {
    id: 'es-single-variance',
    title: 'ES-Single — variance against truncations',
    focus: 'variance',
    commentary: [
      'The key figure of ES-Single and NRES: how the variance of one online gradient estimate grows with the number of truncations J = T/K an episode is cut into. Press “Measure” in the variance panel: for J = 1 … 100 (K = 200 … 2) each estimator gives 32 independent single-update estimates at θ₀, and the figure shows their total variance relative to its value at J = 1, where both estimators are full-unroll ES.',
      'θ is the 305 weights of the 16-unit RNN (T = 200 steps). PES accumulates a fresh noise draw per truncation, so its noise ξ grows every truncation and its variance climbs with J — 80- to 90-fold by J = 100 in our runs, a slope near 1 in the table below the plot. NRES (ES-Single) reuses one draw for the whole episode: it stays within about 2× of its J = 1 value. Untick “relative to J = 1” for the measured numbers, or “log y” for a linear axis, on which NRES is a flat line beside PES\'s climb.',
      'Why this task: on the linear-quadratic toy the state forgets within ~10 steps, so PES\'s extra draws mostly multiply windows they do not affect and its variance only doubles by J = 100 (docs/reproduction.md); on the RNN every truncation\'s draw spans all 305 weights. N = 8 pairs, step-unlocked workers as in the NRES paper; the normalized error is measured against a large full-unroll ES estimate. Switch the protocol to “per episode” to sum the J estimates of a whole episode (PES paper): NRES then equals full-unroll ES exactly. Add truncated ES: on this task its variance stays close to NRES\'s (a fresh draw per window, nothing accumulated) — its weakness is bias, ignoring how θ acts through the state carried into a window, which a variance cannot show.',
    ],
    config: {
      ...base('rnn'),
      estimators: ['pes', 'nres'],
      pairs: 8,
      workers: 'unlocked',
      seed: 1,
      view: { surface: 'raw', curvesX: 'innerSteps', logY: true, varianceProtocol: 'update', speed: 1 },
    },
    // 32 repeats: PES's ~80-fold growth dwarfs the intervals, and the measurement costs half of the default 64.
    varianceView: { relative: true, logY: true, repeats: 32 },
  },
  {
    id: 'evostrats-rastrigin',
    title: 'evostrats — Rastrigin smoothing and σ annealing',
    focus: 'landscape',
    commentary: [
      'A static Rastrigin function (no unrolling, T = 1) as in Greydanus\'s evostrats: full-unroll ES with rank-based fitness shaping against plain gradient descent (BPTT of a one-step “unroll” is just the gradient).',
      'The gradient gets stuck in the nearest ripple. ES starts with a large σ, for which the smoothed landscape is a single bowl, and a cosine schedule anneals σ from 1.5 to 0.05 over 250 updates, so it first finds the basin and then the exact minimum. Watch σ in the schedule plot and the smoothed panel sharpen as σ shrinks.',
    ],
    config: {
      ...base('rastrigin'),
      estimators: ['full-es', 'bptt'],
      rankShaping: true,
      sigma: { kind: 'cosine', sigma0: 1.5, sigma1: 0.05, steps: 250 },
      optimizer: 'adam',
      lr: 0.1,
      seed: 1,
      stop: { kind: 'iterations', value: 300 },
      view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 2 },
    },
  },
  {
    id: 'es-single-mlp-hpo',
    title: 'ES-Single / PES — MLP hyper-parameters',
    focus: 'landscape',
    commentary: [
      'A real training run as the inner problem: θ = (log learning rate, log weight decay) of 200 SGD steps training a 2→16→1 tanh MLP on two noisy half-moons (64 training points), and the meta-loss is the validation loss averaged over the run — hyper-parameter optimization as in the PES and ES-Single papers, at playground size. Every particle trains its own network; all of them run as one batched matmul per layer.',
      'In the landscape, too small a learning rate barely trains, heavy weight decay holds the network near chance (log 2 ≈ 0.69), and beyond the edge of stability (learning rate ≳ e¹) training blows up and the loss is capped at 2: the surface is flat-topped and rough along that edge, like the lr-schedule toy. The good region is a valley at learning rate ≈ 1 and weak weight decay.',
      'What the run shows, with K = 20 of the 200 steps per truncation and step-unlocked workers (the settings of the reproduce report): for the first few dozen updates the three estimators move together — the loss falls from 0.61 to ≈ 0.49 as the weight decay drops, and the learning rate even dips at first. Then truncated ES turns up the learning-rate axis towards the valley first and leads until about update 150 in each of the 3 seeds we ran: its 20-step windows favour that direction here, so its short-horizon bias costs little early on, and its estimates are the least noisy. PES and NRES follow later; which of the two is ahead at update 100 varies with the seed.',
      'The papers\' ordering, NRES ≤ PES ≤ TES, shows only at the end of the 300 updates and by small margins — 0.385, 0.387 and 0.396, averaged over 3 seeds (`npm run -s cli -- reproduce`) — so in the first half minute this preset\'s lesson is the landscape; let the run go on for the estimators\' story. The papers use larger networks and populations; N = 16 pairs and a 16-unit network keep an update of all three estimators to a fraction of a second on a CPU.',
    ],
    config: {
      ...base('mlp-hpo'),
      estimators: ['tes', 'pes', 'nres'],
      K: 20,
      R: 20,
      workers: 'unlocked',
      seed: 1,
      view: { surface: 'both', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 1 },
    },
  },
  {
    id: 'pes-rnn',
    title: 'PES / ES-Single — training an RNN',
    focus: 'curves',
    commentary: [
      'θ is every weight of a 16-unit tanh RNN (305 parameters) reading a noisy two-tone signal one sample per step and predicting the next one, over T = 200 steps in truncations of K = 10 — the papers\' recurrent-network setting at playground size. Truncated BPTT backpropagates through the 10 steps of each truncation; PES and NRES perturb all 305 weights and estimate the gradient of the whole run.',
      'With 305 dimensions the ES estimates are noisy (N = 32 pairs here, 64 by default), so watch the evaluation loss per inner step spent: switch the curves\' x-axis to inner steps and TBPTT, which runs one trajectory instead of 64 particles, is far ahead — this signal needs little memory beyond 10 steps, so truncation costs TBPTT little. In our runs NRES ends a little ahead of PES at equal cost (one seed, so treat that as a hint).',
      'The landscape is a 2-D slice through θ₀ (two random directions by default, or two coordinates — pick them above the plot); every estimator\'s θ, particles and trail are projected onto it, so a point can sit on the slice while θ has moved far off it.',
    ],
    config: {
      ...base('rnn'),
      estimators: ['tbptt', 'pes', 'nres'],
      pairs: 32,
      seed: 1,
      stop: { kind: 'iterations', value: 300 },
      view: { surface: 'raw', curvesX: 'innerSteps', logY: true, varianceProtocol: 'update', speed: 1 },
    },
  },
  {
    id: 'nres-learned-optimizer',
    title: 'NRES paper — learned optimizer',
    focus: 'curves',
    commentary: [
      'θ is a tiny learned optimizer (34 meta-parameters): per weight of a 2→8→1 network it maps the gradient, a momentum and the weight to an update — SGD with momentum plus a small MLP. The meta-loss is the validation loss averaged over 200 inner steps on two half-moons. θ₀ is plain SGD with learning rate 0.1.',
      'Meta-training learns a larger step and momentum first: the evaluation loss falls from ≈ 0.38 within a few dozen updates (K = 20 of the 200 steps per truncation and step-unlocked workers, the settings of the reproduce report). Over the first 30 updates PES lags well behind NRES — in each of the 3 seeds we ran — while NRES and truncated ES stay close (in this seed NRES is a little lower). A single run is noisy, though: PES\'s and NRES\'s curves jump when a step of the learned optimizer overshoots (in this seed NRES around updates 60–80), while truncated ES, each of whose estimates sees one 20-step window, falls smoothly and levels off near 0.21 by update 100.',
      'Over the full 300 updates NRES keeps improving and ends lowest: 0.149 against PES 0.203 and TES 0.215, averaged over 3 seeds, and its spread across seeds (0.143–0.152) is far narrower than PES\'s (0.163–0.252) or TES\'s (0.178–0.261) — the NRES paper\'s point, less variance, seen as a more reliable result. TES\'s 20-step windows bias it towards optimizers that look good over short horizons; PES and NRES are unbiased for the whole 200-step run.',
      'The NRES paper meta-trains much larger optimizers on real tasks for thousands of steps; N = 16 pairs keep one update well under a second on a CPU. Adam\'s learning rate is small (3e-3) because one coordinate — the SGD step — is far more sensitive than the rest.',
    ],
    config: {
      ...base('learned-optimizer'),
      estimators: ['tes', 'pes', 'nres'],
      K: 20,
      R: 20,
      workers: 'unlocked',
      seed: 1,
      view: { surface: 'raw', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 1 },
    },
  },
  {
    id: 'evostrats-mnist',
    title: 'evostrats — MNIST by ES',
    focus: 'curves',
    commentary: [
      'θ is every weight of a 196→16→10 tanh classifier (3,322 parameters) of 14×14 MNIST digits: 5,000 training and 1,000 held-out test digits, a fixed subset shipped with the page. Greydanus\'s evostrats trains MNIST by minibatch ES: every update perturbs θ with a population of antithetic pairs, scores each network on one minibatch and moves θ along the fitness-weighted noise. Here that is truncated ES with K = 1 — step t of an episode is minibatch t (50 digits), and the state carries nothing between steps, so TES\'s truncation is exactly one minibatch — beside truncated BPTT with K = 1, which is ordinary minibatch backprop on the same minibatches. Both use Adam (learning rate 0.01); ES perturbs with σ = 0.05.',
      'Read the test-accuracy plot next to the loss: backprop passes 75 % within 20 updates and 90 % by 100 (92 % at 200), while ES with N = 25 pairs (50 networks per update) climbs more slowly — in our run 30 % after 20 updates, 73 % after 100 and 81 % after 200. Each ES update costs 51 forward passes over the minibatch, backprop one forward and one backward pass.',
      'The point evostrats makes is about population size: the cosine between the ES estimate and the backprop gradient of the same minibatch is about √(N/(N+d)) for a small σ — 0.09 at N = 25, 0.17 at N = 100, 0.33 at N = 400 (d = 3,322) — so quadrupling the population only doubles the alignment. Try N = 400: ES reaches 67 % after 20 updates and 89 % after 200, at 16 times the cost per update. The gradient-quality plot compares with backprop over the whole training set, not one minibatch, so its cosines are lower (0.05–0.07 at N = 25) and fall as training proceeds and the minibatch gradients part from the full one. `npm run -s cli -- reproduce` sweeps N from 12 to 200 pairs (population 24 … 400) against evostrats\' numbers.',
      'evostrats trains a CNN on all of MNIST at 28×28 for 12,000 steps; 14×14 digits, 5,000 training examples and a small MLP keep an update here to a few milliseconds. The landscape is a 2-D slice through θ₀ of the 3,322-dimensional loss (random directions by default).',
    ],
    config: {
      ...base('mnist'),
      estimators: ['tes', 'tbptt'],
      pairs: 25,
      K: 1,
      R: 1,
      rankShaping: false,
      sigma: { kind: 'constant', sigma0: 0.05 },
      optimizer: 'adam',
      lr: 0.01,
      seed: 1,
      stop: { kind: 'iterations', value: 200 },
      view: { surface: 'raw', curvesX: 'iteration', logY: true, varianceProtocol: 'update', speed: 1 },
    },
  },
];

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
