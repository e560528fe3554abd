import { readFileSync } from 'node:fs';
import { type Browser, type Page, expect, test } from '@playwright/test';
import { ARTIFACTS, collectErrors, ensureArtifacts, estimatorStates, iteration, openPlayground, setNumber } from './helpers';

/*
 * Permalinks between fresh browser profiles: every "receiver" is a new browser context
 * (its own storage, no state shared with the sender). CPU backend: the same link reaches
 * bit-identical θ, so the comparisons are exact.
 */

test.beforeAll(ensureArtifacts);

/**
 * The starting point: a complete link of a cheap experiment (Rastrigin, a one-step inner
 * problem, so its landscape and updates are quick on a CPU shared with other work).
 */
const BASE =
  '#v1.task=rastrigin&est=pes,nres&N=20&T=1&K=1&R=1&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode&sigma=constant,1&opt=adam&lr=0.05&seed=1&stop=iterations,20&theta0=task&surface=both&x=iteration&logy=1&var=update&speed=1';
/** What the tests change from there. */
const SMALL = { pairs: '6', seed: '4242' };

/** Single outer updates until the page shows `target`. */
async function stepTo(page: Page, target: number): Promise<void> {
  while ((await iteration(page)) < target) {
    const before = await iteration(page);
    await page.getByTestId('step').click();
    await expect.poll(() => iteration(page), { timeout: 30_000 }).toBeGreaterThan(before);
  }
  expect(await iteration(page)).toBe(target);
}

/** A receiver: a new browser context (fresh profile) opening `link` on the CPU backend. */
async function openInFreshProfile(
  browser: Browser,
  link: string,
  pinned = false,
): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  const receiver = { page, errors, close: () => context.close() };
  if (pinned) {
    // Notes whether the replay's progress was ever on screen (it can be brief); and no
    // clipboard API, as on a plain-http page that is not localhost.
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'clipboard', { value: undefined });
      const w = window as unknown as { sawReplay: boolean };
      w.sawReplay = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="replay-progress"]')) w.sawReplay = true;
      }).observe(document, { subtree: true, childList: true });
    });
  }
  await openPlayground(page, `?backend=cpu${new URL(link).hash}`);
  return receiver;
}

/** Share → the link in the panel (the configuration, or the iteration on screen). */
async function sharedLink(page: Page, target: 'config' | 'iteration'): Promise<string> {
  await page.getByTestId('share').click();
  await expect(page.getByTestId('share-panel')).toBeVisible();
  await page.getByTestId(`share-target-${target}`).check();
  const url = await page.getByTestId('share-url').getAttribute('data-url');
  await page.keyboard.press('Escape');
  expect(url).toContain('#v1.');
  return url ?? '';
}

async function thetas(page: Page): Promise<Record<string, number[]>> {
  return Object.fromEntries((await estimatorStates(page)).map((e) => [e.id, e.theta]));
}


test('links and files move an experiment between fresh browser profiles: same controls, same θ, same iteration', async ({ page, context, browser }, testInfo) => {
  const t0 = Date.now();
  const mark = (what: string): void => {
    testInfo.annotations.push({ type: 'timing', description: `${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}` });
  };
  const errors = collectErrors(page);
  const receivers: { errors: string[]; close: () => Promise<void> }[] = [];
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // The sender starts from a hand-edited link: repaired, with a notice; nothing from it runs as markup.
  await openPlayground(page, `?backend=cpu${BASE.replace('N=20', 'N=-5').replace('seed=1', 'seed=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E')}`);
  await expect(page.getByTestId('notice-warning')).toContainText('The link needed fixing');
  await expect(page.getByTestId('pairs')).toHaveValue('1');
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  await setNumber(page, 'pairs', SMALL.pairs);
  await setNumber(page, 'seed', SMALL.seed);
  await page.getByTestId('estimator-toggle-full-es').check();
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('reset')).toHaveAttribute('data-pending', 'false');
  mark('sender ready');

  let link = '';
  await test.step('Share copies the configuration link (and Markdown), with a confirmation', async () => {
    await page.getByTestId('share').click();
    await expect(page.getByTestId('share-confirm')).toHaveText('Link copied');
    link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toContain('N=6');
    expect(link).toContain('seed=4242');
    expect(link).not.toContain('at=');
    await page.getByTestId('share-copy-markdown').click();
    await expect(page.getByTestId('share-confirm')).toHaveText('Markdown link copied');
    const markdown = await page.evaluate(() => navigator.clipboard.readText());
    await page.screenshot({ path: `${ARTIFACTS}/share-panel.png` });
    expect(markdown).toMatch(/^\[Full ES vs PES vs NRES on rastrigin \(N=6, .*seed 4242\)\]\(http.*#v1\..*\)$/);
    await page.keyboard.press('Escape');
  });

  mark('shared');
  await stepTo(page, 3);
  mark('3 steps');
  const theta3 = await thetas(page);

  // The run goes on to its stop condition (20), σ changes, then on to 45: the pinned link must carry that change.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'done', { timeout: 60_000 });
  // 'done' can reach the page before the last frame does: wait for the frame, not for a quiet spell.
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '20');
  await setNumber(page, 'sigma0', '0.07');
  await setNumber(page, 'stop-value', '45');
  await expect(page.getByTestId('sigma-now')).toHaveAttribute('data-value', '0.07');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'done', { timeout: 60_000 });
  const k = 45;
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', String(k));
  const thetaK = await thetas(page);
  mark(`at ${k}`);

  const pinned = await sharedLink(page, 'iteration');
  expect(pinned).toContain(`at=${k}`);
  expect(pinned).toContain('hist=20:constant,1:0.05');

  const jsonPath = `${ARTIFACTS}/export.json`;
  await test.step('Export: experiment JSON, a plot as CSV and as PNG', async () => {
    mark('Export: experiment');
    await page.getByTestId('export').click();
    await expect(page.getByTestId('export-panel')).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/export-panel.png` });
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
    expect(json.suggestedFilename()).toBe(`es-playground-rastrigin-it${k}.json`);
    await json.saveAs(jsonPath);
    const file = JSON.parse(readFileSync(jsonPath, 'utf8')) as { app: string; config: { pairs: number }; pin: { iteration: number }; data: { curves: Record<string, unknown[]> } };
    expect(file.app).toBe('es-playground');
    expect(file.config.pairs).toBe(6);
    expect(file.pin.iteration).toBe(k);
    expect(file.data.curves.pes?.length).toBeGreaterThan(3);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv-loss').click()]);
    const csvPath = `${ARTIFACTS}/export-loss.csv`;
    await csv.saveAs(csvPath);
    expect(readFileSync(csvPath, 'utf8').split('\n')[0]).toBe('estimator,iteration,inner_steps,wall_ms,eval_loss');
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png-loss').click()]);
    expect(png.suggestedFilename()).toBe(`es-playground-rastrigin-it${k}-loss.png`);
    const pngPath = `${ARTIFACTS}/export-loss.png`;
    await png.saveAs(pngPath);
    expect([...readFileSync(pngPath).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    await page.keyboard.press('Escape');
  });

  await test.step('a fresh profile opens the configuration link: same controls, and after 3 updates the same θ', async () => {
    mark('config link receiver');
    const receiver = await openInFreshProfile(browser, link);
    receivers.push(receiver);
    const r = receiver.page;
    await expect(r.getByTestId('pairs')).toHaveValue(SMALL.pairs);
    await expect(r.getByTestId('seed')).toHaveValue(SMALL.seed);
    await expect(r.getByTestId('estimator-toggle-full-es')).toBeChecked();
    await expect(r.getByTestId('reset')).toHaveAttribute('data-pending', 'false');
    await stepTo(r, 3);
    expect(await thetas(r)).toEqual(theta3);

    // Import there: a bad file is refused and the experiment stays; the export reopens the sender's run.
    // (Dropped on the page, the way a user drags it from a file manager.)
    await r.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{"app": "es-playground", "config": '], 'broken.json', { type: 'application/json' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt }));
      (window as unknown as { dropped: DataTransfer }).dropped = dt;
    });
    await expect(r.getByTestId('drop-overlay')).toBeVisible();
    await r.evaluate(() => window.dispatchEvent(new DragEvent('drop', { dataTransfer: (window as unknown as { dropped: DataTransfer }).dropped, cancelable: true })));
    await expect(r.getByTestId('drop-overlay')).toHaveCount(0);
    await expect(r.getByTestId('notice-error')).toContainText('Could not open "broken.json": the file is not valid JSON. Kept the current experiment.');
    expect(await iteration(r)).toBe(3);
    await r.getByTestId('notice-error').getByRole('button', { name: 'Dismiss' }).click();
    await r.getByTestId('import-file').setInputFiles(jsonPath);
    await expect.poll(() => iteration(r), { timeout: 60_000 }).toBe(k);
    await expect(r.getByTestId('sigma0')).toHaveValue('0.07');
    expect(await thetas(r)).toEqual(thetaK);

    // Broken links pasted into the address bar: a message saying what was wrong and what was used; the page still runs.
    await r.evaluate(() => (window.location.hash = '#v9.task=rastrigin'));
    await expect(r.getByTestId('notice-error')).toContainText('newer version');
    await expect(r.getByTestId('notice-error')).toContainText('opened the default experiment instead');
    await expect(r.getByTestId('task-select')).toHaveValue('lr-schedule');
    await r.evaluate(() => (window.location.hash = '#v1.%E0%A4%A'));
    await expect(r.getByTestId('notice-error').last()).toContainText('no recognizable experiment settings');
    // Still working: a good link after the broken ones opens and steps (the cheap one, not the default experiment).
    await r.evaluate((hash) => (window.location.hash = hash), BASE);
    await expect(r.getByTestId('task-select')).toHaveValue('rastrigin');
    await r.getByTestId('step').click();
    await expect.poll(() => iteration(r), { timeout: 60_000 }).toBe(1);
  });

  await test.step('a fresh profile opens the pinned link: replay progress, then iteration k with the same θ; play continues', async () => {
    mark('pinned link receiver');
    const receiver = await openInFreshProfile(browser, pinned, true);
    receivers.push(receiver);
    const r = receiver.page;
    await expect.poll(() => iteration(r), { timeout: 60_000 }).toBe(k);
    await expect(r.getByTestId('status')).toHaveAttribute('title', `opened at iteration ${k} (replayed from the seed)`);
    expect(await r.evaluate(() => (window as unknown as { sawReplay: boolean }).sawReplay)).toBe(true);
    expect(await thetas(r)).toEqual(thetaK);
    await r.screenshot({ path: `${ARTIFACTS}/permalink-pinned.png` });
    // No clipboard here: Share shows the link selected in a field to copy by hand.
    await r.getByTestId('share').click();
    await expect(r.getByTestId('share-manual')).toBeVisible();
    const manual = await r.getByTestId('share-url').inputValue();
    expect(manual).toContain(`#v1.`);
    expect(await r.getByTestId('share-url').evaluate((el) => {
      const input = el as HTMLInputElement;
      return input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0);
    })).toBe(manual);
    await r.keyboard.press('Escape');
    // Both go on the same way.
    for (const p of [page, r]) await setNumber(p, 'stop-value', '60');
    await stepTo(page, k + 2);
    await stepTo(r, k + 2);
    expect(await thetas(r)).toEqual(await thetas(page));
    await r.getByTestId('play').click();
    await expect.poll(() => iteration(r), { timeout: 60_000 }).toBeGreaterThan(k + 2);
  });

  mark('done');
  for (const receiver of receivers) {
    expect(receiver.errors, receiver.errors.join('\n')).toEqual([]);
    await receiver.close();
  }
  expect(errors, errors.join('\n')).toEqual([]);
});
