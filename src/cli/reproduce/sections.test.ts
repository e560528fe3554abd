/**
 * The report's judgement: the measures behind the verdicts, the verdict rules on made-up
 * results either side of each claim, and the permalinks (each opens in the playground as
 * written, with nothing to repair).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../core/testing/setup';
import { decodePermalink } from '../../permalink/index';
import { linkConfig } from './links';
import { EVOSTRATS_MNIST, localMinima, logSlope, lossAtSteps, roughness, type ReportSection, sectionOf, spearman } from './sections';

const ctx = { baseUrl: 'http://localhost:5173/' };

// Task metadata (links, figure axes) builds the tasks, which hold tensors.
beforeAll(useCpuBackend);

function expectLinksClean(section: ReportSection): void {
  expect(section.links.length).toBeGreaterThan(0);
  for (const l of section.links) {
    const d = decodePermalink(l.url);
    expect(d.ok, l.url).toBe(true);
    if (d.ok) expect(d.warnings, l.url).toEqual([]);
  }
}

describe('report measures', () => {
  it('local minima and roughness of a grid', () => {
    // A bowl has one minimum; a checkerboard has one per dark cell.
    const bowl = Array.from({ length: 25 }, (_, i) => ((i % 5) - 2) ** 2 + (Math.floor(i / 5) - 2) ** 2);
    expect(localMinima(bowl, 5, 5)).toBe(1);
    const checker = Array.from({ length: 16 }, (_, i) => ((i % 4) + Math.floor(i / 4)) % 2);
    expect(localMinima(checker, 4, 4)).toBe(8);
    expect(roughness(checker, 4, 4)).toBe(1);
    expect(roughness(bowl, 5, 5)).toBeLessThan(0.5);
  });

  it('log-log slope, rank correlation and the loss at a budget of inner steps', () => {
    expect(logSlope([1, 4, 16], [1, 2, 4])).toBeCloseTo(0.5, 12);
    // evostrats' cosines grow a little faster than √N over its populations.
    expect(logSlope(EVOSTRATS_MNIST.population, EVOSTRATS_MNIST.cosine)).toBeGreaterThan(0.45);
    expect(spearman([1, 2, 3, 4], [9, 7, 5, 1])).toBe(-1);
    const h = [
      { innerSteps: 0, loss: 10 },
      { innerSteps: 100, loss: 6 },
      { innerSteps: 200, loss: 2 },
    ];
    expect(lossAtSteps(h, 150)).toBe(4);
    expect(lossAtSteps(h, 200)).toBe(2);
    expect(lossAtSteps(h, 201)).toBeNaN();
  });
});

function highDim(means: Record<string, number>): Record<string, unknown> & { figure: string } {
  const runs = Object.entries(means).flatMap(([estimator, m]) =>
    [1, 2, 3].map((seed) => ({ estimator, seed, finalLoss: m + 0.001 * seed, history: [{ iter: 0, innerSteps: 0, loss: 1 }, { iter: 10, innerSteps: 500, loss: m + 0.001 * seed }] })),
  );
  return {
    figure: 'high-dim-mlp-hpo',
    quick: false,
    task: 'mlp-hpo',
    estimators: Object.keys(means),
    seeds: [1, 2, 3],
    settings: { pairs: 16, T: 200, K: 20, sigma: 0.3, optimizer: 'adam', lr: 0.05, iterations: 10, logEvery: 10, workers: 'unlocked' },
    initialLoss: 1,
    summary: Object.fromEntries(Object.entries(means).map(([e, m]) => [e, { mean: m + 0.002, min: m + 0.001, max: m + 0.003 }])),
    runs,
  };
}

describe('report verdicts', () => {
  it('high-dimensional comparisons: NRES ≤ PES ≤ TES agrees; any other order differs and says by how much', () => {
    const ok = sectionOf(highDim({ tes: 0.5, pes: 0.4, nres: 0.3 }), ctx) as ReportSection;
    expect(ok.verdict).toBe('agrees');
    expect(ok.figures.map((f) => f.id)).toEqual(['iteration', 'innerSteps']);
    // Mean lines and a band (two fill traces) per estimator.
    expect(ok.figures[0]?.figure.data).toHaveLength(9);
    expectLinksClean(ok);
    const bad = sectionOf(highDim({ tes: 0.3, pes: 0.4, nres: 0.35 }), ctx) as ReportSection;
    expect(bad.verdict).toBe('differs');
    expect(bad.verdictText).toMatch(/PES 0\.402 > TES 0\.302 \(by 33\.\d %\)/);
    expect(bad.verdictText).not.toMatch(/NRES .* > PES/);
  });

  it('the MNIST sweep agrees in shape when accuracy rises below backprop and the cosine grows like √N', () => {
    const pops = [12, 25, 50, 100, 200];
    const json = (cos: (N: number) => number, acc: (N: number) => number) => ({
      figure: 'mnist-population',
      quick: false,
      dim: 3322,
      settings: { K: 1, T: 100, minibatch: 50, trainDigits: 5000, sigma: 0.05, optimizer: 'adam', lr: 0.01, iterations: 1500, logEvery: 50, seed: 1, probe: { digits: 100, seeds: 2, every: 5 } },
      populations: pops.map((N) => ({ pairs: N, population: 2 * N, finalAccuracy: acc(N), finalLoss: 0.5, cosines: [{ iter: 50, cosine: cos(N) }], meanCosine: cos(N), history: [{ iter: 0, innerSteps: 0, loss: 2.3, accuracy: 10 }] })),
      backprop: { finalAccuracy: 93, finalLoss: 0.2, history: [{ iter: 0, innerSteps: 0, loss: 2.3, accuracy: 10 }] },
    });
    const ok = sectionOf(json((N) => Math.sqrt(N / (N + 3322)), (N) => 80 + Math.log2(N)), ctx) as ReportSection;
    expect(ok.verdict).toBe('agrees');
    expect(ok.figures.map((f) => f.id)).toEqual(['accuracy', 'cosine', 'training']);
    expectLinksClean(ok);
    expect(decodePermalink(ok.links[0]?.url ?? '').config).toMatchObject({ task: 'mnist', estimators: ['tes', 'tbptt'], pairs: 12, K: 1 });
    const flat = sectionOf(json(() => 0.1, (N) => 80 + Math.log2(N)), ctx) as ReportSection;
    expect(flat.verdict).toBe('differs');
    expect(flat.verdictText).toMatch(/cosine grows with slope 0/);
    const falling = sectionOf(json((N) => Math.sqrt(N / (N + 3322)), (N) => 90 - Math.log2(N)), ctx) as ReportSection;
    expect(falling.verdictText).toMatch(/does not rise/);
  });

  it('the GPES sweep agrees when the variance falls with R to its lowest at R = T and NRES trains no worse than PES', () => {
    const json = (tv: number[], loss: number[]) => ({
      figure: 'gpes-r-sweep',
      quick: false,
      task: 'learned-optimizer',
      settings: { T: 200, K: 10, J: 20, R: [10, 20, 50, 100, 200], pairs: 16, sigma: 0.01, optimizer: 'adam', lr: 0.003, iterations: 300, logEvery: 10, workers: 'unlocked', seeds: [1, 2, 3], repeats: 100, referencePairs: 2048, seed: 1 },
      referenceVariance: 0,
      reference: [1],
      variance: [10, 20, 50, 100, 200].map((R, i) => ({ R, totalVariance: tv[i] ?? NaN, normalizedError: 1, ciLow: (tv[i] ?? 0) * 0.8, ciHigh: (tv[i] ?? 0) * 1.2 })),
      summary: [10, 20, 50, 100, 200].map((R, i) => ({ R, final: { mean: loss[i] ?? NaN, min: (loss[i] ?? 0) - 0.01, max: (loss[i] ?? 0) + 0.01 } })),
      runs: [],
    });
    const ok = sectionOf(json([50, 30, 20, 15, 10], [0.3, 0.29, 0.28, 0.28, 0.27]), ctx) as ReportSection;
    expect(ok.verdict).toBe('agrees');
    expectLinksClean(ok);
    expect(ok.links.map((l) => decodePermalink(l.url).config.R)).toEqual([10, 20, 50, 100, 200]);
    const bad = sectionOf(json([10, 15, 20, 30, 50], [0.3, 0.29, 0.28, 0.28, 0.27]), ctx) as ReportSection;
    expect(bad.verdict).toBe('differs');
    expect(bad.verdictText).toMatch(/variance at R = T \(NRES\), 50, is not the family's lowest \(10\)/);
  });

  it('a link carries the figure’s settings and nothing the page would repair', () => {
    const c = linkConfig({ task: 'rnn', estimators: ['tes', 'pes', 'nres', 'tbptt'], pairs: 64, K: 10, seed: 2, iterations: 300, workers: 'unlocked' });
    expect(c).toMatchObject({ task: 'rnn', pairs: 64, K: 10, R: 10, seed: 2, workers: 'unlocked', stop: { kind: 'iterations', value: 300 } });
  });
});
