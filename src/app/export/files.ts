/**
 * Browser side of export and import: saving a file, a plot as PNG (Plotly's own
 * downloadImage from the bundled dist, no network) and reading a chosen or dropped file
 * into a decoded configuration.
 */
import { decodeConfigJson, type DecodeResult } from '../../permalink/index';
import { loadPlotly } from '../usePlotly';

/** Saves text as a file (a Blob URL and an <a download>, revoked right after). */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

interface PlotlyImages {
  downloadImage(root: HTMLElement, options: { format: 'png'; filename: string; width: number; height: number; scale?: number }): Promise<string>;
}

/** Saves a drawn plot as `<filename>.png`, at its size on screen, twice the pixels. */
export async function downloadPlotPng(el: HTMLElement, filename: string): Promise<void> {
  const plotly = (await loadPlotly()) as unknown as PlotlyImages;
  await plotly.downloadImage(el, { format: 'png', filename, width: Math.max(200, el.clientWidth), height: Math.max(150, el.clientHeight), scale: 2 });
}

/** Exports carry up to a few thousand numbers per curve (under a megabyte); more is not an export. */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

export type ImportOutcome = { ok: true; result: Extract<DecodeResult, { ok: true }> } | { ok: false; problem: string };

/** Reads a chosen or dropped file as an experiment. Never throws. */
export async function readExperimentFile(file: File): Promise<ImportOutcome> {
  if (file.size > MAX_IMPORT_BYTES) {
    return { ok: false, problem: `the file is too large (${(file.size / 1e6).toFixed(1)} MB; an ES Playground export is well under ${MAX_IMPORT_BYTES / 1024 / 1024} MB)` };
  }
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { ok: false, problem: 'the file could not be read' };
  }
  const result = decodeConfigJson(text);
  if (!result.ok) return { ok: false, problem: lowerFirst(result.problem) };
  return { ok: true, result };
}

function lowerFirst(s: string): string {
  return /^(The|This) /.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

/** A file name as it may appear in a message (short; React renders it as text). */
export function shownFileName(name: string): string {
  return name.length > 60 ? `${name.slice(0, 57)}…` : name;
}
