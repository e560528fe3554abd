import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TFJS_DIST = '/@tensorflow/tfjs-core/dist/';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && parent.includes(TFJS_DIST) && (specifier.startsWith('./') || specifier.startsWith('../')) && !specifier.endsWith('.js')) {
    const candidate = new URL(`${specifier}.js`, parent);
    const path = fileURLToPath(candidate);
    if (existsSync(path) && statSync(path).isFile()) return nextResolve(candidate.href, context);
  }
  return nextResolve(specifier, context);
}
