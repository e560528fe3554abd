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
  toImage(figure: { data: unknown[]; layout: Record<string, unknown> }, options: { format: 'png'; width: number; height: number; scale?: number }): Promise<string>;
}

/** A drawn plot's element: Plotly keeps the figure it was given on it. */
interface PlotElement extends HTMLElement {
  data?: unknown[];
  layout?: Record<string, unknown>;
}

/** What a saved image says about itself: what it shows, and the settings that made it. */
export interface PngCaption {
  title: string;
  settings: string;
}

/** Room above the plot for the caption, in CSS pixels. */
const CAPTION_PX = 64;

/** Text for Plotly's pseudo-HTML (titles are parsed as markup). */
function plotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Splits a settings line at commas into lines of at most `width` characters. */
export function wrapAtCommas(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(/(?<=,) /)) {
    if (line !== '' && line.length + 1 + part.length > width) {
      lines.push(line);
      line = part;
    } else line = line === '' ? part : `${line} ${part}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Saves a drawn plot as `<filename>.png`, at its size on screen (plus a caption: the
 * title and the settings, so a picture pasted in slides still says what it is), twice
 * the pixels. Drawn from the figure on the element, so the page itself is untouched.
 */
export async function downloadPlotPng(el: HTMLElement, filename: string, caption: PngCaption): Promise<void> {
  const plotly = (await loadPlotly()) as unknown as PlotlyImages;
  const plot = el as PlotElement;
  const width = Math.max(200, el.clientWidth);
  // About 6.5 px per character of the 11 px settings line.
  const settings = wrapAtCommas(caption.settings, Math.max(30, Math.floor((width - 20) / 6.5)));
  const extra = CAPTION_PX + 18 * (settings.length - 1);
  const height = Math.max(150, el.clientHeight) + extra;
  const own = Object.fromEntries(Object.entries(plot.layout ?? {}).filter(([k]) => !k.startsWith('_')));
  const margin = (own.margin ?? {}) as Record<string, number>;
  const layout = {
    ...own,
    width,
    height,
    margin: { ...margin, t: (margin.t ?? 30) + extra },
    title: {
      text: `<b>${plotlyText(caption.title)}</b><br><span style="font-size:11px;color:#5e6b78">${settings.map(plotlyText).join('<br>')}</span>`,
      x: 0.01,
      xanchor: 'left',
      xref: 'container',
      y: 1,
      yanchor: 'top',
      yref: 'container',
      pad: { t: 12, l: 2 },
      font: { size: 15, color: '#1f2a35' },
    },
  };
  const url = await plotly.toImage({ data: plot.data ?? [], layout }, { format: 'png', width, height, scale: 2 });
  const a = document.createElement('a');
  a.href = url;
  a.download = `${filename}.png`;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
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
