import { type Page, expect, test } from '@playwright/test';
import { ARTIFACTS, assertNoErrorShown, ensureArtifacts, openPlayground } from './helpers';

/*
 * Every preset, run briefly, at a lecture projector's width (1,440), a small laptop's
 * (1,024) and a phone's (390): screenshots into e2e/artifacts/ (look at them), and the
 * layout checked — no sideways scrolling, no clipped labelled text, the header on one row
 * on a laptop, the first plot near the top on a phone. WebAssembly backend: cheap enough
 * to run all presets in about two minutes.
 */

const WIDTHS = [1440, 1024, 390] as const;

/**
 * Text that must be shown whole. Each entry: a selector and what it is. Compared by
 * scrollWidth against clientWidth (an element that has to scroll or cut its content).
 */
const WHOLE_TEXT: readonly [selector: string, what: string][] = [
  ['.estimator-card .katex-display', 'an estimator card formula'],
  ['.task-formula', 'the task formula'],
  ['.app-header .brand', 'the header title'],
  ['.tagline', 'the header subtitle'],
  ['.commentary h2', 'the preset title'],
  ['figcaption', 'a plot caption'],
  ['.run-readouts', 'the run readouts'],
];

interface LayoutReport {
  overflowX: number;
  clipped: string[];
  headerHeight: number;
  headerRowTops: number[];
  presetTitleFits: boolean;
  firstPlotTop: number;
}

async function layoutReport(page: Page): Promise<LayoutReport> {
  return page.evaluate((whole) => {
    const doc = document.documentElement;
    const clipped: string[] = [];
    for (const [selector, what] of whole) {
      for (const el of document.querySelectorAll<HTMLElement>(selector)) {
        // Hidden elements (display: none at this width) are not clipped, just not there.
        if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
        if (el.scrollWidth > el.clientWidth + 1) clipped.push(`${what} (${selector}): ${el.scrollWidth} > ${el.clientWidth}: ${(el.textContent ?? '').slice(0, 50)}`);
      }
    }
    // A <select> shows its chosen option's text: measure that text in the select's font.
    const select = document.querySelector<HTMLSelectElement>('[data-testid="preset-select"]');
    let presetTitleFits = true;
    if (select) {
      const style = getComputedStyle(select);
      const probe = document.createElement('span');
      probe.style.font = style.font;
      probe.style.whiteSpace = 'pre';
      probe.style.position = 'absolute';
      probe.style.visibility = 'hidden';
      probe.textContent = select.selectedOptions[0]?.text ?? '';
      document.body.appendChild(probe);
      // The arrow and padding take about 2.2 em.
      presetTitleFits = probe.getBoundingClientRect().width + 2.2 * parseFloat(style.fontSize) <= select.getBoundingClientRect().width;
      probe.remove();
    }
    const header = document.querySelector<HTMLElement>('.app-header');
    const rowTops = header ? [...header.querySelectorAll<HTMLElement>(':scope > *, .header-actions > *')].filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height > 0).map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)) : [];
    const plot = document.querySelector<HTMLElement>('.plot');
    return {
      overflowX: doc.scrollWidth - doc.clientWidth,
      clipped,
      headerHeight: header?.getBoundingClientRect().height ?? 0,
      headerRowTops: rowTops,
      presetTitleFits,
      firstPlotTop: (plot?.getBoundingClientRect().top ?? 0) + window.scrollY,
    };
  }, WHOLE_TEXT);
}

test.beforeAll(ensureArtifacts);

test('every preset lays out at 1,440, 1,024 and 390 px: no sideways scroll, no clipped labels, a one-row header', async ({ page }) => {
  // About two minutes on two free cores; more when the machine is shared.
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openPlayground(page, '?backend=wasm');
  const problems: string[] = [];
  // Every preset the menu offers.
  const presets = await page.locator('[data-testid="preset-select"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ''));
  expect(presets.length).toBeGreaterThan(5);
  for (const id of presets) {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('preset-select').selectOption(id);
    await expect(page.getByTestId('preset-commentary')).toHaveAttribute('data-preset', id);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 30_000 });
    // A short run: enough for the curves and particles to be drawn.
    await page.getByTestId('play').click();
    await page.waitForTimeout(1500);
    if ((await page.getByTestId('play').getAttribute('data-status')) === 'running') await page.getByTestId('play').click();
    await assertNoErrorShown(page);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Plotly follows its container on the next frame.
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${ARTIFACTS}/layout-${id}-${width}.png`, fullPage: true });
      const r = await layoutReport(page);
      const at = `${id} at ${width} px`;
      if (r.overflowX > 0) problems.push(`${at}: the page scrolls sideways by ${r.overflowX} px`);
      for (const c of r.clipped) problems.push(`${at}: clipped ${c}`);
      if (!r.presetTitleFits) problems.push(`${at}: the preset menu cuts its title`);
      if (width >= 1024) {
        const rows = new Set(r.headerRowTops.map((t) => Math.round(t / 8)));
        if (rows.size > 1 || r.headerHeight > 60) problems.push(`${at}: the header takes ${rows.size} rows (${Math.round(r.headerHeight)} px high)`);
      }
      // Phones and tablets: a plot within the first two screens, not below every control.
      if (width < 900 && r.firstPlotTop > 1400) problems.push(`${at}: the first plot starts ${Math.round(r.firstPlotTop)} px down`);
    }
  }
  expect(problems).toEqual([]);
});
