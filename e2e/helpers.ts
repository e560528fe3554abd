import { mkdirSync } from 'node:fs';
import { type Page, expect } from '@playwright/test';
import { SPEED_STEPS } from '../src/engine/cadence';

export const ARTIFACTS = 'e2e/artifacts';

export function ensureArtifacts(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** Browser console errors and uncaught exceptions; assert it is empty at the end of a test. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

export async function numberAttr(page: Page, testId: string, attr: string): Promise<number> {
  const raw = await page.getByTestId(testId).first().getAttribute(attr);
  return raw === null || raw === '' ? Number.NaN : Number(raw);
}

export async function iteration(page: Page): Promise<number> {
  return numberAttr(page, 'iteration', 'data-value');
}

/** Fails fast if the page shows a fatal error or an error notice. */
export async function assertNoErrorShown(page: Page): Promise<void> {
  for (const id of ['error', 'notice-error']) {
    const el = page.getByTestId(id);
    if ((await el.count()) > 0) throw new Error(`page shows an error: ${await el.first().innerText()}`);
  }
}

/** Waits until the run has reached `target` outer updates. */
export async function waitForIteration(page: Page, target: number, timeout: number): Promise<void> {
  await expect
    .poll(
      async () => {
        await assertNoErrorShown(page);
        return iteration(page);
      },
      { timeout, intervals: [250, 500, 1000] },
    )
    .toBeGreaterThanOrEqual(target);
}

/** Opens the page and waits for the engine's first frame. */
export async function openPlayground(page: Page, search = ''): Promise<void> {
  await page.goto(`/${search}`);
  await expect(page).toHaveTitle(/ES Playground/);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 90_000 });
}

/** Sets a range input the way a drag does (native setter + input event, which React listens to). */
export async function setRange(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
    setter?.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** Moves the speed control to `speed` (one of its steps: src/engine/cadence.ts SPEED_STEPS). */
export async function setSpeed(page: Page, speed: number): Promise<void> {
  const index = SPEED_STEPS.indexOf(speed as (typeof SPEED_STEPS)[number]);
  if (index < 0) throw new Error(`speed ${speed} is not one of the control's steps (${SPEED_STEPS.join(', ')})`);
  await setRange(page, 'speed', index);
}

/** Types into a validated number field and commits it. */
export async function setNumber(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(value);
  await input.press('Enter');
}

export async function play(page: Page): Promise<void> {
  const button = page.getByTestId('play');
  if ((await button.getAttribute('data-status')) !== 'running') await button.click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-value', 'running');
}

export async function pause(page: Page): Promise<void> {
  const button = page.getByTestId('play');
  if ((await button.getAttribute('data-status')) === 'running') await button.click();
  await expect(page.getByTestId('status')).not.toHaveAttribute('data-value', 'running');
}

/** Evaluation loss and θ of every estimator in the legend. */
export async function estimatorStates(page: Page): Promise<{ id: string; loss: number; theta: number[] }[]> {
  return page.locator('[data-testid^="estimator-"][data-theta]').evaluateAll((els) =>
    els.map((el) => ({
      id: (el.getAttribute('data-testid') ?? '').replace('estimator-', ''),
      loss: Number(el.getAttribute('data-loss')),
      theta: JSON.parse(el.getAttribute('data-theta') ?? '[]') as number[],
    })),
  );
}

export interface PixelStats {
  distinctColors: number;
  lumaStd: number;
  nonWhiteFraction: number;
}

/**
 * Pixel statistics of an element's screenshot, computed in the page (no image library
 * needed): distinct colours (4 bits per channel), standard deviation of luminance, and
 * the fraction of pixels that are not near-white.
 */
export async function pixelStats(page: Page, testId: string): Promise<PixelStats> {
  const png = await page.getByTestId(testId).screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, img.width, img.height);
    const colors = new Set<number>();
    let sum = 0;
    let sum2 = 0;
    let nonWhite = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i] ?? 0;
      const g = data[i + 1] ?? 0;
      const b = data[i + 2] ?? 0;
      colors.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      sum += y;
      sum2 += y * y;
      if (y < 235) nonWhite++;
    }
    const mean = sum / n;
    return { distinctColors: colors.size, lumaStd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), nonWhiteFraction: nonWhite / n };
  }, png.toString('base64'));
}

/** A plot has been drawn by Plotly and has data traces in it. */
export async function expectPlotDrawn(page: Page, testId: string): Promise<void> {
  await expect(page.getByTestId(testId)).toHaveAttribute('data-drawn', /\d+/, { timeout: 30_000 });
  await expect(page.getByTestId(testId).locator('.main-svg').first()).toBeVisible();
}
