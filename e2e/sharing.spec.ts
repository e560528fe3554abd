import { readFileSync } from 'node:fs';
import { type Page, expect, test } from '@playwright/test';
import { ARTIFACTS, collectErrors, ensureArtifacts, openPlayground, play, pause } from './helpers';

test.beforeAll(ensureArtifacts);

/*
 * Sharing a lesson: a preset's link reopens the preset with its commentary, a lesson link
 * shows only the controls the preset needs, and one drag of the σ slider is one change in
 * the run's history (a pinned link replays it). CPU-cheap: Rastrigin (a one-step inner problem).
 */

/**
 * Known, not this spec's subject: when a preset or lesson link opens (or the preset is
 * restored, a reset), Plotly draws the σ / learning-rate plot's lower subplot (xy2) axis lines
 * once at y = NaN before its first frame, although both log axes have finite ranges (traced:
 * `plot-schedule`, `xlines-above` / `ylines-above`); the next frame draws them right. Only that
 * message is tolerated, only on the pages opened from the links.
 */
const SCHEDULE_AXIS_LINE_NAN = /^console: Error: <path> attribute d: Expected number, "M[\d.]+,NaN[HV]/;
const unexpected = (errors: string[]): string[] => errors.filter((e) => !SCHEDULE_AXIS_LINE_NAN.test(e));

async function panelUrl(page: Page, target: 'config' | 'iteration'): Promise<string> {
  await page.getByTestId('share').click();
  await expect(page.getByTestId('share-panel')).toBeVisible();
  await page.getByTestId(`share-target-${target}`).check();
  const url = (await page.getByTestId('share-url').getAttribute('data-url')) ?? '';
  await page.keyboard.press('Escape');
  return url;
}

test('a preset link reopens the preset and its commentary; a lesson link shows only its controls', async ({ page, browser }) => {
  const errors = collectErrors(page);
  await openPlayground(page, '?backend=cpu');
  await page.getByTestId('preset-select').selectOption('evostrats-rastrigin');
  await expect(page.getByTestId('preset-commentary')).toHaveAttribute('data-preset', 'evostrats-rastrigin');
  await expect(page).toHaveURL(/&preset=evostrats-rastrigin/);
  const link = await panelUrl(page, 'config');
  expect(link).toContain('&preset=evostrats-rastrigin');

  // As a lesson, from the Share menu.
  await page.getByTestId('share').click();
  await page.getByTestId('share-lesson').check();
  const lessonLink = (await page.getByTestId('share-url').getAttribute('data-url')) ?? '';
  await page.keyboard.press('Escape');
  expect(lessonLink).toContain('&preset=evostrats-rastrigin&lesson=1');

  const receiver = await browser.newContext();
  const other = await receiver.newPage();
  const otherErrors = collectErrors(other);
  await openPlayground(other, `?backend=cpu${new URL(link).hash}`);
  await expect(other.getByTestId('preset-select')).toHaveValue('evostrats-rastrigin');
  await expect(other.getByTestId('preset-commentary')).toHaveAttribute('data-modified', '0');
  await expect(other.getByTestId('lesson-note')).toHaveCount(0);
  // Changing a setting keeps the commentary but says the run is no longer the preset's.
  await other.getByTestId('sigma0').fill('0.5');
  await other.getByTestId('sigma0').press('Enter');
  await expect(other.getByTestId('preset-modified')).toBeVisible();
  await expect(other.getByTestId('preset-commentary')).toContainText('σ');
  await other.getByTestId('preset-restore').click();
  await expect(other.getByTestId('preset-commentary')).toHaveAttribute('data-modified', '0');

  const lesson = await receiver.newPage();
  const lessonErrors = collectErrors(lesson);
  await openPlayground(lesson, `?backend=cpu${new URL(lessonLink).hash}`);
  await expect(lesson.getByTestId('lesson-note')).toBeVisible();
  await expect(lesson.getByTestId('controls-sigma')).toBeVisible();
  await expect(lesson.getByTestId('controls-estimators')).toBeVisible();
  await expect(lesson.getByTestId('controls-task')).toHaveCount(0);
  await expect(lesson.getByTestId('controls-unroll')).toHaveCount(0);
  // The commentary comes before the first plot.
  const [commentaryTop, plotTop] = await lesson.evaluate(() => [
    document.querySelector('[data-testid="preset-commentary"]')?.getBoundingClientRect().top ?? Infinity,
    document.querySelector('.plot')?.getBoundingClientRect().top ?? -Infinity,
  ]);
  expect(commentaryTop).toBeLessThan(plotTop);
  await lesson.getByTestId('lesson-show-all').click();
  await expect(lesson.getByTestId('controls-task')).toBeVisible();
  await expect(lesson).not.toHaveURL(/lesson=1/);
  await receiver.close();
  expect(unexpected(otherErrors), otherErrors.join('\n')).toEqual([]);
  expect(unexpected(lessonErrors), lessonErrors.join('\n')).toEqual([]);
  expect(errors).toEqual([]);
});

test('one drag of the σ slider is one change in the run history', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(
    page,
    '?backend=cpu#v1.task=rastrigin&est=pes&N=4&T=1&K=1&R=1&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode&sigma=constant,1&opt=adam&lr=0.05&seed=1&stop=none&theta0=task&surface=raw&x=iteration&logy=1&var=update&speed=1',
  );
  await play(page);
  await expect.poll(async () => Number(await page.getByTestId('iteration').getAttribute('data-value')), { timeout: 30_000 }).toBeGreaterThan(3);
  // A real drag: press, move across the track in small steps while the run goes on, release.
  const box = await page.getByTestId('sigma-slider').boundingBox();
  if (!box) throw new Error('no σ slider');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.7, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + box.width * (0.7 - i * 0.03), y);
    await page.waitForTimeout(80);
  }
  await page.mouse.up();
  await page.waitForTimeout(500);
  await pause(page);
  const pinned = await panelUrl(page, 'iteration');
  const hist = new URL(pinned).hash.match(/hist=([^&]*)/)?.[1] ?? '';
  expect(decodeURIComponent(hist).split(';').filter((s) => s !== '')).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('exported PNGs carry a title and the settings; an empty plot is not offered', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(
    page,
    '?backend=cpu#v1.task=rastrigin&est=pes&N=4&T=1&K=1&R=1&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode&sigma=constant,1&opt=adam&lr=0.05&seed=1&stop=iterations,5&theta0=task&surface=raw&x=iteration&logy=1&var=update&speed=1',
  );
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'done', { timeout: 60_000 });
  await page.getByTestId('export').click();
  // Nothing measured: the variance plot, where shown, is an empty frame and is not offered as a picture.
  const variancePng = page.getByTestId('export-png-variance');
  if ((await variancePng.count()) > 0) await expect(variancePng).toBeDisabled();
  const plotHeight = (await page.getByTestId('plot-loss').boundingBox())?.height ?? 0;
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png-loss').click()]);
  const path = `${ARTIFACTS}/export-loss-captioned.png`;
  await png.saveAs(path);
  // PNG header: width and height (big-endian) at bytes 16 and 20; twice the pixels, plus the caption.
  const bytes = readFileSync(path);
  expect(bytes.readUInt32BE(20)).toBeGreaterThan(2 * (plotHeight + 40));
  expect(errors, errors.join('\n')).toEqual([]);
});

test('a click on the landscape restarts the estimators from there, and the link records θ₀', async ({ page }) => {
  const errors = collectErrors(page);
  await openPlayground(
    page,
    '?backend=cpu#v1.task=rastrigin&est=pes&N=4&T=1&K=1&R=1&workers=lockstep&burnin=0&rank=0&sigmachange=next-episode&sigma=constant,1&opt=adam&lr=0.05&seed=1&stop=none&theta0=task&surface=raw&x=iteration&logy=1&var=update&speed=1',
  );
  const plot = page.getByTestId('plot-surface-raw');
  await expect(plot.locator('.main-svg').first()).toBeAttached();
  // The plotting area's centre, from Plotly's own layout; then a point left of and above it.
  const area = await plot.evaluate((el) => {
    const l = (el as unknown as { _fullLayout: { xaxis: { _offset: number; _length: number }; yaxis: { _offset: number; _length: number } } })._fullLayout;
    const r = el.getBoundingClientRect();
    return { x: r.left + l.xaxis._offset, y: r.top + l.yaxis._offset, w: l.xaxis._length, h: l.yaxis._length };
  });
  await page.mouse.click(area.x + area.w * 0.25, area.y + area.h * 0.25);
  await expect(page.getByTestId('start-note')).toContainText('θ₀ = (');
  await expect(page).toHaveURL(/theta0=-?\d/);
  const theta = JSON.parse((await page.getByTestId('estimator-pes').getAttribute('data-theta')) ?? '[]') as number[];
  // Rastrigin's plot spans [-5, 5]²: a quarter in from the top left is about (-2.5, 2.5).
  expect(theta[0]).toBeCloseTo(-2.5, 0);
  expect(theta[1]).toBeCloseTo(2.5, 0);
  await page.getByTestId('start-task-theta0').click();
  await expect(page).toHaveURL(/theta0=task/);
  expect(errors, errors.join('\n')).toEqual([]);
});
