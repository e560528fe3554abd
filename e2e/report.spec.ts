/**
 * The `reproduce` report is a file a researcher opens from disk: a quick run's index.html,
 * loaded over file://, draws every figure, requests nothing but itself (its CSP allows no
 * other origin, so a request off disk would also be a console error) and logs no errors.
 * The run itself takes about a minute (two worker processes); the page, a few seconds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { ARTIFACTS, collectErrors, ensureArtifacts } from './helpers';

test.beforeAll(ensureArtifacts);

test('the quick reproduce report opens from disk: every figure drawn, nothing requested off disk, no console errors', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const out = mkdtempSync(join(tmpdir(), 'es-report-e2e-'));
  try {
    const started = Date.now();
    await promisify(execFile)('npx', ['tsx', 'src/cli/main.ts', 'reproduce', '--quick', '--out', out], { maxBuffer: 64 * 1024 * 1024 });
    testInfo.annotations.push({ type: 'reproduce --quick', description: `${Date.now() - started} ms` });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { figures: Record<string, unknown> };
    const names = Object.keys(summary.figures);
    expect(names.length).toBe(10);

    const errors = collectErrors(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const index = pathToFileURL(join(out, 'index.html')).href;
    await page.goto(index);
    const plots = page.locator('.plot');
    const count = await plots.count();
    // Two or three figures per section.
    expect(count).toBeGreaterThanOrEqual(2 * names.length);
    await expect(page.locator('body')).toHaveAttribute('data-figures-drawn', String(count), { timeout: 60_000 });
    for (let i = 0; i < count; i++) {
      const plot = plots.nth(i);
      await expect(plot).toHaveAttribute('data-drawn', '1');
      // Drawn by Plotly: its SVG with at least one trace (a line, marker or heatmap).
      expect(await plot.locator('.main-svg').count()).toBeGreaterThan(0);
      expect(await plot.locator('.scatterlayer .trace, .heatmaplayer .hm, .contourlayer .contour').count(), `figure ${await plot.getAttribute('id')}`).toBeGreaterThan(0);
    }
    // Every section: a verdict, its claim, and playground links (permalinks) to open it live.
    await expect(page.locator('#verdicts tbody tr')).toHaveCount(names.length);
    for (const name of names) {
      const section = page.locator(`section[id="${name}"]`);
      await expect(section).toHaveAttribute('data-verdict', /^(agrees|differs)$/);
      await expect(section.locator('.claim')).toContainText('The paper claims.');
      const href = await section.locator('.links a').first().getAttribute('href');
      expect(href).toMatch(/^http:\/\/localhost:5173\/#v1\.task=/);
    }
    await page.screenshot({ path: `${ARTIFACTS}/report-quick.png` });
    await page.locator('section[id="mnist-population"]').screenshot({ path: `${ARTIFACTS}/report-mnist-section.png` });
    // Nothing but the page itself (and data: URLs) was requested.
    expect(requests.filter((u) => u !== index && !u.startsWith('data:')), requests.join('\n')).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
