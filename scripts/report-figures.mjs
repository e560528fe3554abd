/* global process */
/**
 * Draws a `reproduce` report's figures to PNG, for report.md (and docs/reproduction.md):
 * opens <dir>/index.html from disk in Chromium, waits until every figure is drawn, and
 * writes <dir>/figures/<section>--<figure>.png, plus <dir>/figures/report.png (the whole page)
 * with --page.
 *
 *   node scripts/report-figures.mjs reproduce-out [--page]
 *
 * Chromium: $CHROMIUM_PATH, else /usr/bin/chromium, else Playwright's own.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/report-figures.mjs <reproduce output folder> [--page]');
  process.exit(2);
}
const page = process.argv.includes('--page');
const index = resolve(dir, 'index.html');
if (!existsSync(index)) {
  console.error(`${index}: no report there (run \`npm run -s cli -- reproduce --out ${dir}\` first)`);
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const tab = await browser.newPage({ viewport: { width: 1240, height: 900 }, deviceScaleFactor: 1 });
  await tab.goto(pathToFileURL(index).href);
  await tab.waitForSelector('body[data-figures-drawn]', { timeout: 120_000 });
  const out = join(dir, 'figures');
  mkdirSync(out, { recursive: true });
  const ids = await tab.$$eval('.plot', (els) => els.map((e) => e.id));
  for (const id of ids) await tab.locator(`[id="${id}"]`).screenshot({ path: join(out, `${id}.png`) });
  if (page) await tab.screenshot({ path: join(out, 'report.png'), fullPage: true });
  console.error(`wrote ${ids.length} figures to ${out}`);
} finally {
  await browser.close();
}
