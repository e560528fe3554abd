import type { PlotConfig, PlotData, PlotLayout, PlotlyStatic } from 'plotly.js-cartesian-dist-min';
import { type RefObject, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { BASE_CONFIG } from './plotly-config';

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

export { BASE_CONFIG };

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

/**
 * Background plots (the training curves) hold still while σ is being dragged, so the
 * landscape's Monte-Carlo surface gets the main thread: a Plotly.react of the schedule
 * plot costs 60–200 ms, and landing between the engine's answer and the landscape draw
 * it delayed the first smoothed surface by as much. Each σ input extends the hold by
 * DRAG_HOLD_MS; a caller may also keep holding while something it names is busy (the
 * landscape refining), up to DRAG_HOLD_MAX_MS after the last input.
 */
export const DRAG_HOLD_MS = 300;
export const DRAG_HOLD_MAX_MS = 2000;

/** 0: free; 1: held; 2: past the hold, still within the cap (held only where the caller is busy). */
type HoldPhase = 0 | 1 | 2;
let holdPhase: HoldPhase = 0;
let holdTimers: ReturnType<typeof setTimeout>[] = [];
const holdListeners = new Set<() => void>();

function setHoldPhase(phase: HoldPhase): void {
  if (phase === holdPhase) return;
  holdPhase = phase;
  for (const l of holdListeners) l();
}

/** A σ input: background plots keep their last drawn figure for a while. */
export function holdBackgroundPlots(): void {
  for (const t of holdTimers) clearTimeout(t);
  holdTimers = [setTimeout(() => setHoldPhase(2), DRAG_HOLD_MS), setTimeout(() => setHoldPhase(0), DRAG_HOLD_MAX_MS)];
  setHoldPhase(1);
}

function subscribeHold(listener: () => void): () => void {
  holdListeners.add(listener);
  return () => holdListeners.delete(listener);
}

const holdSnapshot = (): HoldPhase => holdPhase;

/**
 * `value` as a background plot should see it: the value from before the drag while σ is
 * being dragged (and while `busy`, within the cap), the current one otherwise. Memoised
 * figures built from it are then not rebuilt, so their plots are not redrawn.
 */
export function useHeldValue<T>(value: T, busy = false): T {
  const phase = useSyncExternalStore(subscribeHold, holdSnapshot);
  const held = phase === 1 || (phase === 2 && busy);
  const [kept, setKept] = useState(value);
  if (!held && kept !== value) setKept(value);
  return held ? kept : value;
}
