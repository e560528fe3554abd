import type { PlotConfig, PlotData, PlotLayout, PlotlyStatic } from 'plotly.js-cartesian-dist-min';
import { type RefObject, useEffect, useRef } from 'react';

export interface Figure {
  data: PlotData[];
  layout: PlotLayout;
  config?: PlotConfig;
}

/** Redraws at most this often, however fast the stores change (Plotly.react is not free). */
export const MIN_REDRAW_MS = 70;

let plotly: Promise<PlotlyStatic> | null = null;

/** Plotly is ~1.5 MB: loaded on first use, in its own chunk, so the page shell renders first. */
export function loadPlotly(): Promise<PlotlyStatic> {
  plotly ??= import('plotly.js-cartesian-dist-min').then((m) => {
    const mod = m as unknown as { default?: PlotlyStatic } & PlotlyStatic;
    return mod.default ?? mod;
  });
  return plotly;
}

export const BASE_CONFIG: PlotConfig = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toggleSpikelines'],
};

/**
 * Draws `figure` into the element with Plotly.react — throttled to ~14 Hz, coalescing to
 * the latest figure — resizes with the element, and purges on unmount. `onDrawn` runs
 * after each draw (tests read data-* attributes set there).
 */
export function usePlotly(ref: RefObject<HTMLDivElement | null>, figure: Figure, onDrawn?: (el: HTMLDivElement) => void): void {
  const latest = useRef(figure);
  const onDrawnRef = useRef(onDrawn);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastDraw = useRef(0);
  const drawing = useRef(false);

  useEffect(() => {
    latest.current = figure;
    onDrawnRef.current = onDrawn;
    const el = ref.current;
    if (!el || timer.current !== null) return;
    const draw = async (): Promise<void> => {
      timer.current = null;
      if (drawing.current) {
        timer.current = setTimeout(() => void draw(), MIN_REDRAW_MS);
        return;
      }
      drawing.current = true;
      try {
        const P = await loadPlotly();
        const f = latest.current;
        if (!el.isConnected) return;
        await P.react(el, f.data, f.layout, { ...BASE_CONFIG, ...f.config });
        lastDraw.current = performance.now();
        onDrawnRef.current?.(el);
      } catch (e) {
        console.warn('plot update failed', e);
      } finally {
        drawing.current = false;
      }
    };
    const wait = Math.max(0, lastDraw.current + MIN_REDRAW_MS - performance.now());
    timer.current = setTimeout(() => void draw(), wait);
  }, [figure, onDrawn, ref]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      void loadPlotly().then((P) => {
        if (el.isConnected && el.querySelector('.main-svg')) void P.Plots.resize(el);
      });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
      void loadPlotly().then((P) => P.purge(el));
    };
  }, [ref]);
}
