/** One canvas for every grid image: creating a canvas per σ would churn GPU-backed surfaces. */
let canvas: HTMLCanvasElement | null = null;

/**
 * RGBA pixels (`width`×`height`, rows top to bottom) as a PNG data URL, encoded by the
 * browser (putImageData + toDataURL: about a millisecond for a 40×40 landscape grid).
 */
export function pngDataUrl(pixels: Uint8ClampedArray, width: number, height: number): string {
  canvas ??= document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  // willReadFrequently: a canvas in CPU memory. A GPU-backed one makes toDataURL wait for
  // the GPU process to read its pixels back (measured 55–100 ms on software WebGPU while a
  // landscape job runs there).
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2-D canvas context for the landscape image');
  const image = context.createImageData(width, height);
  image.data.set(pixels);
  context.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}
