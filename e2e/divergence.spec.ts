import { expect, test, type Page } from '@playwright/test';
import { collectErrors, openPlayground, play } from './helpers';

/** A full v1 link with the given overrides (task-specific fields first). */
function link(fields: Record<string, string>): string {
  const base: Record<string, string> = {
    task: 'rastrigin',
    est: 'tes,bptt',
    N: '8',
    T: '1',
    K: '1',
    R: '1',
    workers: 'lockstep',
    burnin: '0',
    rank: '0',
    sigmachange: 'next-episode',
    sigma: 'constant,1',
    opt: 'sgd',
    lr: '10',
    seed: '1',
    stop: 'iterations,300',
    theta0: 'task',
    surface: 'raw',
    x: 'iteration',
    logy: '1',
    var: 'update',
    speed: '1',
  };
  const all = { ...base, ...fields };
  return `#v1.${Object.entries(all)
    .map(([k, v]) => `${k}=${v}`)
    .join('&')}`;
}

/** θ of one estimator as the landscape legend shows it (JSON: NaN/±Inf would read as null). */
async function theta(page: Page, id: string): Promise<unknown[]> {
  const raw = await page.getByTestId(`estimator-${id}`).getAttribute('data-theta');
  return JSON.parse(raw ?? '[]') as unknown[];
}

test('an exploding learning rate: θ stays finite, a warning suggests a smaller lr, rewind goes back', async ({ page }) => {
  const errors = collectErrors(page);
  // Plain SGD at lr = 10 on Rastrigin: θ grows ×20 per update until BPTT's loss overflows.
  await openPlayground(page, `?backend=cpu${link({})}`);
  // (Not the play helper: the run may diverge and pause before `running` is ever seen.)
  await page.getByTestId('play').click();
  const warning = page.getByTestId('health-warning').filter({ has: page.locator('[data-testid="apply-advice-bptt"]') });
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(warning).toHaveAttribute('data-cause', 'lr');
  await expect(warning).toContainText('Lower lr to 1');
  // The loss overflowed: the run pauses and says so; θ itself never became NaN/±Inf.
  await expect(page.getByTestId('health-bptt')).toHaveAttribute('data-diverged', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'paused');
  for (const id of ['tes', 'bptt']) {
    const t = await theta(page, id);
    expect(t.length).toBe(2);
    for (const v of t) expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
  }
  // Take the suggestion, then rewind to the last finite θ.
  await page.getByTestId('apply-advice-bptt').click();
  await expect(page.getByTestId('lr-now')).toHaveText('1');
  await page.getByTestId('rewind').click();
  await expect(page.getByTestId('notice-info').filter({ hasText: /Rewound .*Full BPTT to iteration \d+/ })).toBeVisible();
  await expect(page.getByTestId('health-bptt')).toHaveAttribute('data-diverged', 'false');
  const loss = Number(await page.getByTestId('estimator-bptt').getAttribute('data-loss'));
  expect(Number.isFinite(loss)).toBe(true);
  expect(errors).toEqual([]);
});

test('a σ far too large: pairs are excluded and counted, a warning suggests a smaller σ', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(
    page,
    `?backend=cpu${link({ task: 'lr-schedule', est: 'tes,pes', N: '50', T: '100', K: '10', R: '10', sigma: 'constant,100', opt: 'adam', lr: '0.01' })}`,
  );
  await play(page);
  const warning = page.getByTestId('health-warning').first();
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(warning).toHaveAttribute('data-cause', 'sigma');
  await expect(warning).toContainText('Lower σ to 10');
  await expect.poll(async () => Number(await page.getByTestId('health-tes').getAttribute('data-excluded'))).toBeGreaterThan(0);
  await page.getByTestId('apply-advice-' + ((await warning.getAttribute('data-estimator')) ?? 'tes')).click();
  await expect(page.getByTestId('sigma-now')).toHaveAttribute('data-value', '10');
  expect(errors).toEqual([]);
});
