import { existsSync } from 'node:fs';

/**
 * The Chromium the e2e tests (playwright.config.ts) and the benchmark (bench/run.ts) drive:
 * CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own browser (laptops);
 * WebGPU on SwiftShader Vulkan where there is no GPU. Never --disable-gpu (it kills the
 * canvas and readback paths; see docs/stack-notes.md).
 */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
