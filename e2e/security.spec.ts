import { type ChildProcess, spawn } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, openPlayground } from './helpers';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** Records CSP violations the page reports (installed before any page script runs). */
async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations?.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** Every request the page (and its worker) makes, by URL. */
function watchRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

function outsideOrigin(urls: string[], origin: string): string[] {
  return urls.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
}

/** The app works: engine frame, KaTeX formulas, Plotly figures, one update. */
async function exerciseApp(page: Page): Promise<void> {
  await expect(page.locator('.katex').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.main-svg').first()).toBeAttached({ timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('iteration')).toHaveAttribute('data-value', '1', { timeout: 120_000 });
}

/**
 * Positive controls: the policy is really in force in the page and in the engine worker.
 * (Code Playwright evaluates is exempt from the eval check, so the attempts run in a later
 * task of the page's / worker's own.)
 */
async function expectPolicyEnforced(page: Page): Promise<void> {
  const attempt = (): void => {
    const g = globalThis as unknown as { __evalAttempt?: string };
    setTimeout(() => {
      try {
        g.__evalAttempt = String(new Function('return "ran"')());
      } catch {
        g.__evalAttempt = 'refused';
      }
    }, 0);
  };
  const outcome = (): string | undefined => (globalThis as unknown as { __evalAttempt?: string }).__evalAttempt;
  await page.evaluate(attempt);
  await expect.poll(() => page.evaluate(outcome)).toBe('refused');
  const worker = page.workers().find((w) => /engine/.test(w.url()));
  expect(worker).toBeDefined();
  await worker!.evaluate(attempt);
  await expect.poll(() => worker!.evaluate(outcome)).toBe('refused');
  const remote = await page.evaluate(() =>
    fetch('https://example.com/').then(
      () => 'fetched',
      () => 'refused',
    ),
  );
  expect(remote).toBe('refused');
  await expect.poll(() => page.evaluate(() => window.__cspViolations?.some((v) => v.startsWith('connect-src')) ?? false)).toBe(true);
}

for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu'] as const) {
  test(`production build on ${backend}: no request leaves the origin, no CSP violation, eval refused`, async ({ page, baseURL }) => {
    const errors = collectErrors(page);
    await watchViolations(page);
    const urls = watchRequests(page);
    const response = await page.goto(`/?backend=${backend}`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await openPlayground(page, `?backend=${backend}`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend);
    await exerciseApp(page);
    expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
    expect(outsideOrigin(urls, new URL(baseURL!).origin)).toEqual([]);
    expect(urls.some((u) => /engine\.worker/.test(u))).toBe(true);
    expect(errors).toEqual([]);
    await expectPolicyEnforced(page);
  });
}

test('dev server: the app runs under the same policy', async ({ page }) => {
  const port = 5197;
  const origin = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn('npx', ['vite', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  try {
    await expect
      .poll(
        () =>
          fetch(origin).then(
            (r) => r.ok,
            () => false,
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
    const errors = collectErrors(page);
    await watchViolations(page);
    const urls = watchRequests(page);
    await page.goto(`${origin}/?backend=cpu`);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
    await exerciseApp(page);
    expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
    expect(outsideOrigin(urls, origin)).toEqual([]);
    // Dev-only React warnings are not this test's business; nothing may be refused.
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    await expectPolicyEnforced(page);
  } finally {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
});
