/**
 * The CLI as a user runs it: a separate process (`tsx src/cli/main.ts …` from the repo
 * root), stdout parsed as JSON or CSV, exit status and stderr checked.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ESTIMATOR_IDS, ESTIMATORS } from '../core/estimators/index';
import { TASK_IDS } from '../core/tasks/index';
import { linearQuadraticExact } from '../core/tasks/linear-quadratic';
import { ESTIMATOR_CHOICES } from './args';
import { AUTODIFF_ESTIMATORS } from './commands/link';
import { parseCsv } from './csv';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// At most two CLI processes at a time (each is single-threaded tfjs on the CPU).
let running = 0;
const waiting: (() => void)[] = [];
async function acquire(): Promise<void> {
  if (running < 2) {
    running++;
    return;
  }
  await new Promise<void>((r) => waiting.push(r));
}
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

async function cli(...args: string[]): Promise<Run> {
  await acquire();
  try {
    return await new Promise<Run>((resolvePromise, reject) => {
      const child = spawn(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    });
  } finally {
    release();
  }
}

function json(run: Run): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** A CSV table with a header and rows of equal width. */
function csv(run: Run): { header: string[]; rows: string[][] } {
  expect(run.code, run.stderr).toBe(0);
  const [header, ...rows] = parseCsv(run.stdout);
  expect(header).toBeDefined();
  for (const row of rows) expect(row).toHaveLength(header?.length ?? -1);
  return { header: header ?? [], rows };
}

const tmp: string[] = [];
afterAll(() => {
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('cli commands', () => {
  it('the parser knows every estimator of the registry, in its order', () => {
    expect([...ESTIMATOR_CHOICES]).toEqual([...ESTIMATOR_IDS]);
  });

  it('tasks lists every task (infinite T as null) and every estimator', async () => {
    const out = json(await cli('tasks')) as {
      tasks: { id: string; dim: number; defaults: { T: number | null }; neverResets: boolean; theta0: number[] }[];
      estimators: { id: string; title: string; autodiff: boolean; online: boolean }[];
    };
    expect(out.tasks.map((t) => t.id)).toEqual([...TASK_IDS]);
    expect(out.tasks.find((t) => t.id === 'rnn')?.dim).toBe(305);
    const ib = out.tasks.find((t) => t.id === 'influence-balancing');
    expect(ib?.defaults.T).toBeNull();
    expect(ib?.neverResets).toBe(true);
    expect(out.tasks.find((t) => t.id === 'lorenz')?.defaults.T).toBe(2000);
    expect(out.estimators.map((e) => e.id)).toEqual(['full-es', 'tes', 'pes', 'nres', 'gpes', 'tbptt', 'bptt']);
    expect(out.estimators.find((e) => e.id === 'tbptt')).toMatchObject({ autodiff: true, online: true });
  });

  it('loss evaluates one episode; --T re-creates the task with that horizon', async () => {
    const [lorenz, lq] = await Promise.all([
      cli('loss', '--task', 'lorenz', '--theta', `${Math.log(10)},${Math.log(28)}`),
      cli('loss', '--task', 'linear-quadratic', '--theta', '0.5,-0.5', '--T', '50'),
    ]);
    const a = json(lorenz) as { task: string; theta: number[]; loss: number };
    expect(a.task).toBe('lorenz');
    expect(a.loss).toBeLessThan(1e-2); // the true parameters reproduce the ground truth
    const b = json(lq) as { loss: number; steps: number };
    expect(b.steps).toBe(50);
    expect(b.loss).toBeCloseTo(linearQuadraticExact({ T: 50 }).loss([0.5, -0.5]), 4);
  });

  it('--backend picks the tfjs backend (wasm by default, cpu on request): the same loss up to rounding', async () => {
    const args = ['loss', '--task', 'mlp-hpo', '--theta', '-3,-2'];
    const [byDefault, cpu, wasm] = await Promise.all([cli(...args), cli(...args, '--backend', 'cpu'), cli(...args, '--backend', 'wasm')]);
    const loss = (r: typeof cpu) => (json(r) as { loss: number }).loss;
    expect(loss(byDefault)).toBe(loss(wasm));
    // Different kernels (and formulations, backend-ops.ts) round differently: both really ran.
    expect(loss(wasm)).not.toBe(loss(cpu));
    expect(Math.abs(loss(wasm) - loss(cpu))).toBeLessThan(1e-5 * Math.abs(loss(cpu)));
  });

  it('covers the larger tasks: loss at θ₀ without --theta, a short train on mlp-hpo and rnn', async () => {
    const [loss, hpo, rnn] = await Promise.all([
      cli('loss', '--task', 'learned-optimizer'),
      cli('train', '--task', 'mlp-hpo', '--estimator', 'pes', '--pairs', '2', '--iters', '2', '--K', '20'),
      cli('train', '--task', 'rnn', '--estimator', 'tbptt', '--iters', '3'),
    ]);
    const l = json(loss) as { theta: number[]; loss: number; steps: number };
    expect(l.theta.length).toBe(34);
    expect(l.steps).toBe(200);
    expect(l.loss).toBeGreaterThan(0);
    expect(l.loss).toBeLessThan(Math.log(2));
    const h = json(hpo) as { theta: number[]; loss: number; history: { iter: number }[] };
    expect(h.theta.length).toBe(2);
    expect(Number.isFinite(h.loss)).toBe(true);
    expect(h.history.at(-1)?.iter).toBe(2);
    const r = json(rnn) as { theta: number[]; loss: number };
    expect(r.theta.length).toBe(305);
    expect(Number.isFinite(r.loss)).toBe(true);
    // Progress lines abbreviate a 305-entry θ.
    expect(rnn.stderr).toMatch(/… \(305 values\)/);
  });

  it('train on mnist reports the test accuracy and, with --cosine, the cosine to the backprop gradient', async () => {
    const out = json(await cli('train', '--task', 'mnist', '--estimator', 'full-es', '--pairs', '4', '--iters', '2', '--log-every', '1', '--rank-shaping', '--cosine'));
    const r = out as unknown as { metric: { name: string; unit: string; final: number }; cosine: number; history: { metric: number; cosine: number | null }[] };
    expect(r.metric.name).toBe('test accuracy');
    expect(r.metric.unit).toBe('%');
    expect(r.metric.final).toBe(r.history.at(-1)?.metric);
    expect(r.history.map((h) => h.metric).every((m) => m >= 0 && m <= 100)).toBe(true);
    expect(r.history[0]?.cosine).toBeNull();
    expect(Math.abs(r.cosine)).toBeLessThanOrEqual(1);
    expect(r.cosine).toBe(r.history.at(-1)?.cosine);
  });

  it('train is deterministic for a fixed seed and differs for another seed', async () => {
    const args = ['train', '--task', 'linear-quadratic', '--estimator', 'pes', '--pairs', '4', '--iters', '6', '--log-every', '2', '--K', '20'];
    const [r1, r2, r3] = await Promise.all([cli(...args, '--seed', '7'), cli(...args, '--seed', '7'), cli(...args, '--seed', '8')]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toBe(r2.stdout);
    expect(r3.stdout).not.toBe(r1.stdout);
    const out = json(r1) as {
      config: { settings: { K: number; pairs: number; seed: number } };
      theta: number[];
      loss: number;
      history: { iter: number; theta: number[]; loss: number; innerSteps: number }[];
    };
    expect(out.config.settings).toMatchObject({ K: 20, pairs: 4, seed: 7 });
    expect(out.history.map((h) => h.iter)).toEqual([0, 2, 4, 6]);
    expect(out.history.at(-1)?.theta).toEqual(out.theta);
    expect(out.history.at(-1)?.loss).toBe(out.loss);
    expect(out.history.at(-1)?.innerSteps).toBe(6 * 2 * 4 * 20);
    expect(out.loss).toBeLessThan(out.history[0]?.loss ?? 0);
    // Progress: one stderr line per logged iteration.
    expect(r1.stderr.trim().split('\n')).toHaveLength(4);
  });

  it('train --csv prints the history as a table; T = ∞ serializes as null in JSON', async () => {
    const [table, ib] = await Promise.all([
      cli('train', '--task', 'rastrigin', '--estimator', 'full-es', '--pairs', '8', '--iters', '4', '--log-every', '1', '--sigma-schedule', 'exponential:0.9', '--csv'),
      cli('train', '--task', 'influence-balancing', '--estimator', 'tbptt', '--iters', '3', '--K', '5'),
    ]);
    const t = csv(table);
    expect(t.header).toEqual(['iter', 'sigma', 'innerSteps', 'loss', 'theta_0', 'theta_1']);
    expect(t.rows.map((r) => Number(r[0]))).toEqual([0, 1, 2, 3, 4]);
    expect(Number(t.rows[2]?.[1])).toBeCloseTo(1.0 * 0.9 ** 2, 6);
    for (const row of t.rows) for (const cell of row) expect(Number.isFinite(Number(cell))).toBe(true);
    const out = json(ib) as { config: { settings: { T: number | null } } };
    expect(out.config.settings.T).toBeNull();
  });

  it("train --beta1/--beta2 set Adam's β (adam only); a link carries them", async () => {
    const base = ['train', '--task', 'linear-quadratic', '--estimator', 'pes', '--optimizer', 'adam', '--iters', '5', '--pairs', '4'];
    const [plain, paper, linked] = await Promise.all([
      cli(...base),
      cli(...base, '--beta1', '0.99', '--beta2', '0.9999'),
      cli('train', '--link', 'http://x/#v1.task=linear-quadratic&est=pes&N=4&opt=adam&adam=0.99,0.9999&stop=iterations,5&seed=1'),
    ]);
    type Out = { config: { adam?: { beta1: number; beta2: number } }; theta: number[] };
    expect((json(plain) as Out).config.adam).toEqual({ beta1: 0.9, beta2: 0.999 });
    expect((json(paper) as Out).config.adam).toEqual({ beta1: 0.99, beta2: 0.9999 });
    expect((json(paper) as Out).theta).not.toEqual((json(plain) as Out).theta);
    expect((json(linked) as Out).config.adam).toEqual({ beta1: 0.99, beta2: 0.9999 });
    const sgd = await cli('train', '--task', 'linear-quadratic', '--estimator', 'pes', '--optimizer', 'sgd', '--beta1', '0.99');
    expect(sgd.code).toBe(2);
    expect(sgd.stderr).toContain("--beta1 (Adam's β) applies to --optimizer adam only, not sgd");
  });

  it('variance --R: gpes resamples every R steps (not PES bit for bit); R ≥ T is NRES', async () => {
    const base = ['variance', '--task', 'linear-quadratic', '--truncations', '1,10', '--pairs', '3', '--repeats', '8'];
    const [g, pn, nres] = await Promise.all([cli(...base, '--estimators', 'gpes', '--R', '20'), cli(...base, '--estimators', 'pes,nres'), cli(...base, '--estimators', 'gpes', '--R', '100')]);
    type Rows = { rows: { estimator: string; J: number; totalVariance: number }[] };
    const row = (out: unknown, id: string, J: number) => (out as Rows).rows.find((r) => r.estimator === id && r.J === J)?.totalVariance;
    // J = 10 (K = 10): R = 20 reuses each draw for two truncations, so it is neither PES nor NRES.
    expect(row(json(g), 'gpes', 10)).not.toBe(row(json(pn), 'pes', 10));
    expect(row(json(g), 'gpes', 10)).not.toBe(row(json(pn), 'nres', 10));
    // R ≥ T is NRES on the same noise; J = 1 (K = T): every family member is full-unroll ES.
    expect(row(json(nres), 'gpes', 10)).toBe(row(json(pn), 'nres', 10));
    expect(row(json(g), 'gpes', 1)).toBe(row(json(pn), 'pes', 1));
    expect((json(g) as { gpesR?: number }).gpesR).toBe(20);
  });

  it('variance --R must be a multiple of K = T/J wherever K < R, and is for gpes only', async () => {
    const bad = await cli('variance', '--task', 'linear-quadratic', '--estimators', 'gpes', '--truncations', '1,2,4', '--R', '30', '--pairs', '2', '--repeats', '4');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--R 30 must be a multiple of K = T/J at every J with K < R: J = 4 (K = 25)');
    // From a link: the link's R, and only the J where GPES can resample every R steps.
    const linked = await cli('variance', '--link', 'http://x/#v1.task=linear-quadratic&est=gpes&N=2&K=10&R=30&seed=3', '--repeats', '3');
    expect(linked.code).toBe(0);
    expect((json(linked) as { gpesR: number; rows: { J: number }[] }).rows.map((r) => r.J)).toEqual([1, 2, 10, 20, 50, 100]);
    expect(linked.stderr).toContain('skipping J = 5 (K = T/J does not divide R)');
    const notGpes = await cli('variance', '--task', 'linear-quadratic', '--estimators', 'pes', '--truncations', '1', '--R', '20');
    expect(notGpes.code).toBe(2);
    expect(notGpes.stderr).toContain('--R (the GPES resampling period) applies to gpes only');
  });

  it('variance: rows per estimator and J, exact reference on linear-quadratic; --csv parses', async () => {
    const args = ['variance', '--task', 'linear-quadratic', '--estimators', 'tes,nres', '--truncations', '1,10', '--pairs', '3', '--repeats', '8'];
    const [j, c] = await Promise.all([cli(...args), cli(...args, '--csv')]);
    const out = json(j) as {
      referenceKind: string;
      reference: number[];
      rows: { estimator: string; J: number; K: number; totalVariance: number; normalizedError: number; ciLow: number; ciHigh: number }[];
    };
    expect(out.referenceKind).toBe('exact');
    const exact = linearQuadraticExact().gradient([-2, 2]);
    out.reference.forEach((g, i) => expect(g).toBeCloseTo(exact[i] ?? NaN, 8));
    expect(out.rows.map((r) => `${r.estimator}:${r.J}:${r.K}`)).toEqual(['tes:1:100', 'tes:10:10', 'nres:1:100', 'nres:10:10']);
    for (const r of out.rows) {
      expect(r.totalVariance).toBeGreaterThan(0);
      expect(r.ciLow).toBeLessThanOrEqual(r.ciHigh);
    }
    const t = csv(c);
    expect(t.header.slice(0, 7)).toEqual(['estimator', 'J', 'K', 'totalVariance', 'normalizedError', 'ciLow', 'ciHigh']);
    expect(t.rows).toHaveLength(4);
    expect(Number(t.rows[0]?.[3])).toBeCloseTo(out.rows[0]?.totalVariance ?? NaN, 6);
  });

  it('surface: a 2-D grid (raw and smoothed, row-major) and a 1-D one; --csv parses', async () => {
    const [two, one] = await Promise.all([
      cli('surface', '--task', 'lr-schedule', '--grid', '3', '--samples', '2', '--range', '-4:0,-4:0'),
      cli('surface', '--task', 'influence-balancing', '--grid', '5', '--samples', '0', '--csv'),
    ]);
    const s = json(two) as { x: number[]; y: number[]; raw: number[]; smoothed: number[] };
    expect(s.x).toEqual([-4, -2, 0]);
    expect(s.y).toEqual([-4, -2, 0]);
    expect(s.raw).toHaveLength(9);
    expect(s.smoothed).toHaveLength(9);
    const t = csv(one);
    expect(t.header).toEqual(['ix', 'iy', 'x', 'y', 'raw', 'smoothed']);
    expect(t.rows).toHaveLength(5);
    expect(t.rows.map((r) => Number(r[2]))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(t.rows[0]?.[3]).toBe(''); // no y axis
  });

  it('--help prints usage on stdout and exits 0', async () => {
    const [top, cmd] = await Promise.all([cli('--help'), cli('train', '--help')]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage:');
    expect(top.stdout).toContain('reproduce');
    expect(cmd.code).toBe(0);
    expect(cmd.stdout).toContain('--sigma-schedule');
    expect(cmd.stderr).toBe('');
  });
});

describe.concurrent('cli user errors: exit 2, one line on stderr, no stack', () => {
  const cases: [string, string[], string][] = [
    ['no command', [], 'missing command; valid: tasks, loss, train'],
    ['unknown command', ['frobnicate'], 'unknown command "frobnicate"; valid: tasks, loss'],
    ['unknown task', ['loss', '--task', 'foo', '--theta', '1'], 'unknown task "foo"; valid: linear-quadratic, influence-balancing'],
    ['unknown estimator', ['train', '--task', 'lorenz', '--estimator', 'sgd'], 'unknown estimator "sgd"; valid: full-es, tes'],
    ['unknown option', ['loss', '--task', 'lorenz', '--theta', '1,2', '--pairs', '3'], 'unknown option --pairs for loss; valid: --task'],
    ['malformed number', ['train', '--task', 'lorenz', '--estimator', 'pes', '--pairs', '12x'], '--pairs expects a number, got "12x"'],
    // Bounds are the playground's LIMITS (src/core/playground-config.ts): one source of truth.
    ['out-of-range number', ['train', '--task', 'lorenz', '--estimator', 'pes', '--pairs', '20000'], '--pairs must be ≤ 4096, got 20000'],
    ['N one past the limit', ['train', '--task', 'lorenz', '--estimator', 'pes', '--pairs', '4097'], '--pairs must be ≤ 4096, got 4097'],
    ['T past the limit', ['train', '--task', 'lr-schedule', '--estimator', 'pes', '--T', '10001'], '--T must be ≤ 10000, got 10001'],
    ['lr-schedule at another T', ['train', '--task', 'lr-schedule', '--estimator', 'pes', '--T', '200'], '--T 200: lr-schedule\'s learning-rate schedule is built for T = 100'],
    ['K past the limit', ['train', '--task', 'lr-schedule', '--estimator', 'pes', '--K', '20000'], '--K must be ≤ 10000, got 20000'],
    ['iterations past the limit', ['train', '--task', 'lr-schedule', '--estimator', 'pes', '--iters', '1000001'], '--iters must be ≤ 1000000, got 1000001'],
    ['learning rate past the limit', ['train', '--task', 'lr-schedule', '--estimator', 'pes', '--lr', '11'], '--lr must be ≤ 10, got 11'],
    ['J past the limit', ['variance', '--task', 'linear-quadratic', '--estimators', 'pes', '--truncations', '1,20000'], '--truncations must be ≤ 10000, got 20000'],
    ['samples past the limit', ['surface', '--task', 'lorenz', '--samples', '257'], '--samples must be ≤ 256, got 257'],
    ['θ of the wrong length', ['loss', '--task', 'lorenz', '--theta', '1'], 'has 2 parameters (log a, log r)'],
    ['--T on a task without a horizon option', ['loss', '--task', 'rastrigin', '--theta', '0,0', '--T', '5'], '--T is not supported for rastrigin'],
    ['K not dividing T', ['train', '--task', 'lorenz', '--estimator', 'pes', '--K', '30'], 'K = 30 must divide T = 2000'],
    ['R not a multiple of K', ['train', '--task', 'lorenz', '--estimator', 'gpes', '--R', '150'], 'must be a multiple of K = 100'],
    ['bad σ schedule', ['train', '--task', 'lorenz', '--estimator', 'pes', '--sigma-schedule', 'linear:0.1'], 'linear takes 2 parameters'],
    ['σ ≤ 0', ['train', '--task', 'lorenz', '--estimator', 'pes', '--sigma', '0'], '--sigma must be > 0'],
    ['J not dividing T', ['variance', '--task', 'linear-quadratic', '--estimators', 'pes', '--truncations', '3'], 'J = 3 does not divide T = 100'],
    ['variance on a task that never resets', ['variance', '--task', 'influence-balancing', '--estimators', 'pes', '--truncations', '1'], 'never resets'],
    ['grid too large', ['surface', '--task', 'lorenz', '--grid', '1000'], '--grid must be ≤ 128, got 1000'],
    ['grid one past the limit', ['surface', '--task', 'lorenz', '--grid', '129'], '--grid must be ≤ 128, got 129'],
    ['--out that cannot be created', ['reproduce', '--quick', '--out', '/dev/null/impossible'], '--out /dev/null/impossible: cannot create the folder'],
    ['unknown reproduce figure', ['reproduce', '--quick', '--figures', 'mnist'], 'unknown figure "mnist" in --figures; valid: influence-balancing'],
    ['--base-url that is not a URL', ['reproduce', '--quick', '--report-only', '--base-url', 'playground'], '--base-url must be an http(s) URL'],
    ['--link that is not a permalink', ['train', '--task', 'lorenz', '--estimator', 'pes', '--link', 'https://example.org/#x'], "--link: This is not an ES Playground experiment link (the part after '#' should start with 'v1.')"],
    ['--link from a newer version', ['loss', '--link', 'http://127.0.0.1:4173/#v2.task=lorenz'], '--link: This link was made by a newer version (v2)'],
    ['--link that is cut off', ['surface', '--link', '#v1.'], '--link: The link has no recognizable experiment settings'],
    ['unknown backend', ['loss', '--task', 'lorenz', '--backend', 'webgpu'], 'unknown backend "webgpu"'],
    ['--link that is too long', ['tasks', '--link', `#v1.task=lorenz&${'x'.repeat(9000)}`], '--link: This link is too long (9016 characters'],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const run = await cli(...args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((l) => l !== '');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toContain(message);
      expect(run.stderr).not.toMatch(/\bat .+:\d+/);
    });
  }

});

describe('cli reproduce', () => {
  it('reproduce --quick writes JSON and CSV per figure, a report judging each, and a summary; --report-only redraws the report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'es-cli-reproduce-'));
    tmp.push(out);
    const summary = json(await cli('reproduce', '--quick', '--out', out)) as {
      quick: boolean;
      seconds: number;
      report: string[];
      figures: Record<string, { files: string[]; verdict: string; key: Record<string, unknown> }>;
    };
    expect(summary.quick).toBe(true);
    expect(Object.keys(summary.figures)).toEqual([
      'influence-balancing',
      'variance-linear-quadratic',
      'variance-lorenz',
      'lr-schedule-surface',
      'lorenz-training',
      'high-dim-mlp-hpo',
      'high-dim-rnn',
      'high-dim-learned-optimizer',
      'gpes-r-sweep',
      'mnist-population',
    ]);
    for (const [name, fig] of Object.entries(summary.figures)) {
      expect(fig.files).toEqual([`${name}.json`, `${name}.csv`]);
      expect(['agrees', 'differs']).toContain(fig.verdict);
      const data = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as { figure: string; quick: boolean };
      expect(data.figure).toBe(name);
      expect(data.quick).toBe(true);
      const rows = parseCsv(readFileSync(join(out, `${name}.csv`), 'utf8'));
      expect(rows.length).toBeGreaterThan(1);
    }
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    const ib = JSON.parse(readFileSync(join(out, 'influence-balancing.json'), 'utf8')) as { runs: { label: string; estimator: string; note?: string }[] };
    // The task never resets: NRES draws each pair's noise once for the whole run, and its label says so.
    expect(ib.runs.map((r) => r.label)).toEqual(['tbptt-K1', 'tbptt-K10', 'tbptt-K100', 'tes', 'pes', 'nres-noise-drawn-once']);
    expect(ib.runs.find((r) => r.estimator === 'nres')?.note).toMatch(/never resets.*drawn once/);
    const v = JSON.parse(readFileSync(join(out, 'variance-lorenz.json'), 'utf8')) as { rows: { estimator: string; J: number }[]; referenceVariance: number };
    expect(new Set(v.rows.map((r) => r.estimator))).toEqual(new Set(['tes', 'pes', 'nres', 'full-es']));
    // The sampled reference's own error is reported (and subtracted from the normalized errors).
    expect(v.referenceVariance).toBeGreaterThan(0);
    const hd = JSON.parse(readFileSync(join(out, 'high-dim-rnn.json'), 'utf8')) as { seeds: number[]; runs: { estimator: string; seed: number }[] };
    expect(hd.seeds).toHaveLength(3);
    expect(new Set(hd.runs.map((r) => r.estimator))).toEqual(new Set(['tes', 'pes', 'nres', 'tbptt']));
    const mnist = JSON.parse(readFileSync(join(out, 'mnist-population.json'), 'utf8')) as { populations: { population: number; meanCosine: number }[]; backprop: { finalAccuracy: number } };
    expect(mnist.populations.map((p) => p.population)).toEqual([8, 16, 32]);
    for (const p of mnist.populations) expect(p.meanCosine).toBeGreaterThan(0);
    // The report: one section per figure, self-contained (Plotly inline, a CSP that allows nothing off the page).
    expect(summary.report).toEqual(['index.html', 'report.md']);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const name of Object.keys(summary.figures)) expect(html).toContain(`<section id="${name}"`);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('data-testid="quick-banner"');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| Figure | Verdict | By how much |');
    expect(md.match(/^## /gm)).toHaveLength(10);
    // Redrawn from the folder: the same sections, nothing run.
    const again = await cli('reproduce', '--quick', '--out', out, '--report-only', '--base-url', 'https://example.org/play/');
    expect(again.code, again.stderr).toBe(0);
    expect((json(again) as { verdicts: Record<string, string> }).verdicts).toEqual(Object.fromEntries(Object.entries(summary.figures).map(([n, f]) => [n, f.verdict])));
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('](https://example.org/play/#v1.task=');
  }, 240_000);
});

describe.concurrent('cli --link', () => {
  /** A playground permalink (as the page's Share button writes it). */
  const LINK =
    'http://127.0.0.1:4173/#v1.task=rastrigin&est=full-es,pes&N=6&T=1&K=1&R=1&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode' +
    '&sigma=exponential,0.9,0.95&opt=adam&lr=0.04&seed=4242&stop=iterations,4&theta0=1.5,-2&surface=both&x=iteration&logy=1&var=update&speed=1';

  interface Train {
    config: { task: string; estimator: string; settings: { pairs: number; seed: number; sigmaChange: string }; sigma: unknown; lr: number; iterations: number; theta0: number[] };
    theta: number[];
  }

  it('train takes the experiment from the link, the same as the equivalent options', async () => {
    const [linked, explicit] = await Promise.all([
      cli('train', '--link', LINK),
      cli(
        'train',
        ...['--task', 'rastrigin', '--estimator', 'full-es', '--pairs', '6', '--T', '1', '--K', '1', '--sigma', '0.9', '--sigma-schedule', 'exponential:0.95'],
        ...['--optimizer', 'adam', '--lr', '0.04', '--seed', '4242', '--iters', '4', '--theta', '1.5,-2'],
      ),
    ]);
    const a = json(linked) as unknown as Train;
    expect(a.config).toMatchObject({
      task: 'rastrigin',
      estimator: 'full-es',
      settings: { pairs: 6, seed: 4242, sigmaChange: 'next-episode' },
      sigma: { kind: 'exponential', sigma0: 0.9, gamma: 0.95 },
      lr: 0.04,
      iterations: 4,
      theta0: [1.5, -2],
    });
    expect(a.theta).toEqual((json(explicit) as unknown as Train).theta);
    // The link compares two estimators; train says which one it trains.
    expect(linked.stderr).toContain('note: the link compares full-es, pes; training full-es (choose another with --estimator)');
  });

  it('options given on the command line override the link', async () => {
    const out = json(await cli('train', '--link', LINK, '--estimator', 'pes', '--seed', '7', '--iters', '2')) as unknown as Train & { history: { iter: number }[] };
    expect(out.config).toMatchObject({ estimator: 'pes', settings: { seed: 7, pairs: 6 }, iterations: 2, lr: 0.04 });
    expect(out.history.at(-1)?.iter).toBe(2);
  });

  it('a pinned link trains to its iteration; a repaired link runs with a note saying what was fixed', async () => {
    const [pinned, repaired] = await Promise.all([cli('train', '--link', `${LINK}&at=3`), cli('loss', '--link', '#v1.task=lorenz&N=-5')]);
    expect((json(pinned) as unknown as Train).config.iterations).toBe(3);
    const loss = json(repaired) as { task: string; theta: number[]; loss: number };
    expect(loss.task).toBe('lorenz');
    expect(loss.theta).toHaveLength(2);
    expect(repaired.stderr).toMatch(/^note: --link needed fixing: .*N/m);
  });

  it('loss, surface, variance and tasks read the link too', async () => {
    const lq = 'http://x/#v1.task=linear-quadratic&est=pes,tbptt&N=4&seed=3&theta0=0.5,-0.5&sigma=constant,0.1';
    const [loss, surface, variance, tasks] = await Promise.all([
      cli('loss', '--link', lq),
      cli('surface', '--link', LINK, '--grid', '3', '--samples', '2'),
      cli('variance', '--link', lq, '--repeats', '3'),
      cli('tasks', '--link', LINK),
    ]);
    const l = json(loss) as { theta: number[]; loss: number };
    expect(l.theta).toEqual([0.5, -0.5]);
    expect(l.loss).toBeCloseTo(linearQuadraticExact().loss([0.5, -0.5]), 4);
    const s = json(surface) as { task: string; sigma: number; seed: number };
    expect(s).toMatchObject({ task: 'rastrigin', sigma: 0.9, seed: 4242 });
    const v = json(variance) as { theta: number[]; pairs: number; seed: number; sigma: number; rows: { estimator: string; J: number }[] };
    expect(v).toMatchObject({ theta: [0.5, -0.5], pairs: 4, seed: 3, sigma: 0.1 });
    // Autodiff estimators are skipped (zero variance), as in the playground; J: the divisors of T = 100 it offers.
    expect(new Set(v.rows.map((r) => r.estimator))).toEqual(new Set(['pes']));
    expect(v.rows.map((r) => r.J)).toContain(100);
    expect(variance.stderr).toContain('note: skipping tbptt');
    const t = json(tasks) as { tasks: { id: string }[]; estimators: { id: string }[] };
    expect(t.tasks.map((x) => x.id)).toEqual(['rastrigin']);
    expect(t.estimators.map((x) => x.id)).toEqual(['full-es', 'pes']);
  });

  it('the list of autodiff estimators the link reader skips matches the registry', () => {
    expect([...AUTODIFF_ESTIMATORS]).toEqual(ESTIMATORS.filter((e) => e.autodiff).map((e) => e.id));
  });
});
