/**
 * The vendored MNIST subset (mnist-14x14-data.ts; MIT, © 2015 Juan Cazala; digits from the
 * MNIST database by LeCun, Cortes & Burges), decoded once on first use. Synchronous and
 * environment-free (atob exists in browsers, workers and Node ≥ 16), so the core can build
 * the task anywhere.
 */
import { MNIST_BASE64, MNIST_BITS, MNIST_SIDE, MNIST_TEST, MNIST_TRAIN } from './mnist-14x14-data';

export { MNIST_SIDE, MNIST_TEST, MNIST_TRAIN };

/** Pixels per digit (14 × 14). */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

export interface DigitSet {
  n: number;
  /** n × 196 bytes, row-major digits (0 = background, 255 = ink; 16 levels, multiples of 17). */
  images: Uint8Array;
  /** n class labels 0…9. */
  labels: Uint8Array;
}

export interface MnistSubset {
  train: DigitSet;
  test: DigitSet;
}

let cached: MnistSubset | null = null;

/** Bytes of a base64 string. */
export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Two 4-bit grey levels per byte (high nibble first) → one byte per pixel, 0 … 255 (level × 17). */
export function unpackNibbles(packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(packed.length * 2);
  for (let i = 0; i < packed.length; i++) {
    const b = packed[i] ?? 0;
    out[2 * i] = (b >> 4) * 17;
    out[2 * i + 1] = (b & 15) * 17;
  }
  return out;
}

/** The training and test digits (decoded on the first call, then shared: do not modify). */
export function mnistSubset(): MnistSubset {
  if (cached) return cached;
  // The page's production bundle is built without the digits (vite.config.ts): it creates
  // tasks only for their metadata; the engine worker, the CLI and the tests have them.
  if (!MNIST_BASE64) throw new Error('the MNIST digits are bundled with the engine worker only, not with the page');
  const bytes = decodeBase64(MNIST_BASE64);
  const n = MNIST_TRAIN + MNIST_TEST;
  const expected = n * (MNIST_PIXELS / 2 + 1);
  if (MNIST_BITS !== 4 || bytes.length !== expected) throw new Error(`MNIST subset: ${bytes.length} bytes of ${MNIST_BITS}-bit pixels, expected ${expected} of 4-bit`);
  const images = unpackNibbles(bytes.subarray(0, (n * MNIST_PIXELS) / 2));
  const labels = bytes.slice((n * MNIST_PIXELS) / 2);
  cached = {
    train: { n: MNIST_TRAIN, images: images.subarray(0, MNIST_TRAIN * MNIST_PIXELS), labels: labels.subarray(0, MNIST_TRAIN) },
    test: { n: MNIST_TEST, images: images.subarray(MNIST_TRAIN * MNIST_PIXELS), labels: labels.subarray(MNIST_TRAIN) },
  };
  return cached;
}
