import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type { ViewOptions } from '../../core/playground-config';
import { estimatorInfo } from '../../core/estimators/index';
import { projectDirection, projectOntoSlice, projectRows, sliceGeometry, type SliceGeometry, type SurfaceSlice } from '../../core/experiments/slice';
import type { TaskMeta } from '../../core/task';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { TASK_VIEWS } from '../../content/task-views';
import type { EstimatorLive, SmoothedSurface, SurfaceState } from '../../state/sim-store';
import { taskMeta } from '../../state/task-meta';
import { useConfig, useController, useSim } from '../context';
import { fmt } from '../figures/common';
import { pngDataUrl } from '../canvas-png';
import { BLANK_COLOR, blurBlanks, colorRange, contourImageSource, DIVERGED_COLOR, EMPTY_IMAGE, type GridImage, gridOf, gridPixels, type LandscapeEstimator, landscape1dFigure, landscape2dFigure } from '../figures/landscape';
import { BASE_CONFIG, type Figure, loadPlotly, MIN_REDRAW_MS } from '../usePlotly';
import { type DrawnPlot, dataPointAt, roundToSpan } from '../figures/plot-coordinates';
import { Plot } from './Plot';
import { useStepAnimation } from '../step-animation';


/** After grid-only redraws, the whole figure is redrawn once the grid has been still this long (the hover values). */
const HOVER_SYNC_MS = 400;

interface SurfaceDraw {
  figure: Figure;
  /** The grid images (layout.images[0] and [1]: cells and contours); null when there is no grid yet. */
  image: GridImage | null;
  /** Changes whenever anything but the grid changes (then the whole figure is redrawn). */
  overlayKey: unknown;
  /** What the figure shows, written to data-drawn-* once it is on screen. */
  drawn: Record<string, string | number>;
}

/**
 * Draws a landscape heatmap figure with the least work: when only the grid changed since
 * the last draw (a new σ's blur or Monte-Carlo stage), a relayout of the grid image alone
 * at the next animation frame, and the whole figure (hover values) once the grid has been
 * still for HOVER_SYNC_MS; otherwise (estimators moving) a Plotly.react of the whole
 * figure, at most every MIN_REDRAW_MS. Changes in between coalesce to the latest one.
 * Once a figure is on screen its `drawn` data land in data-drawn-* attributes (what the
 * benchmark and the e2e tests time).
 */
function useSurfacePlotly(ref: RefObject<HTMLDivElement | null>, next: SurfaceDraw): void {
  const latest = useRef(next);
  /** What is on screen: its overlay, its grid image, and whether the rest of the figure (hover values) is as current. */
  const shown = useRef<{ overlayKey: unknown; image: GridImage | null; figure: Figure } | null>(null);
  const scheduled = useRef<{ frame: number | null; timer: ReturnType<typeof setTimeout> | null; sync: ReturnType<typeof setTimeout> | null }>({ frame: null, timer: null, sync: null });
  const drawing = useRef(false);
  const again = useRef(false);
  const lastFull = useRef(Number.NEGATIVE_INFINITY);
  const schedule = useRef<(full?: boolean) => void>(() => {});

  useEffect(() => {
    const el = ref.current;
    const s = scheduled.current;
    const gridOnly = (cur: SurfaceDraw): boolean => {
      const was = shown.current;
      return was !== null && was.overlayKey === cur.overlayKey && was.image !== null && cur.image !== null;
    };
    const draw = async (full: boolean): Promise<void> => {
      if (!el) return;
      if (drawing.current) {
        again.current = true;
        return;
      }
      drawing.current = true;
      try {
        const P = await loadPlotly();
        if (!el.isConnected) return;
        const cur = latest.current;
        if (!full && gridOnly(cur)) {
          const was = shown.current?.image;
          if (was !== cur.image && cur.image) {
            // 'arraydraw' edits: Plotly redraws the images, nothing else.
            const edits: Record<string, string> = {};
            if (was?.cells !== cur.image.cells) edits['images[0].source'] = cur.image.cells;
            if (was?.contours !== cur.image.contours) edits['images[1].source'] = cur.image.contours ?? EMPTY_IMAGE;
            await P.relayout(el, edits);
            if (s.sync !== null) clearTimeout(s.sync);
            s.sync = setTimeout(() => {
              s.sync = null;
              schedule.current(true);
            }, HOVER_SYNC_MS);
          }
        } else if (shown.current?.figure !== cur.figure) {
          await P.react(el, cur.figure.data, cur.figure.layout, { ...BASE_CONFIG, ...cur.figure.config });
          lastFull.current = performance.now();
        }
        shown.current = { overlayKey: cur.overlayKey, image: cur.image, figure: full || !gridOnly(cur) ? cur.figure : (shown.current?.figure ?? cur.figure) };
        for (const [k, v] of Object.entries(cur.drawn)) el.setAttribute(`data-drawn-${k}`, String(v));
        el.dataset.drawn = String(Number(el.dataset.drawn ?? '0') + 1);
      } catch (e) {
        console.warn('plot update failed', e);
      } finally {
        drawing.current = false;
        if (again.current) {
          again.current = false;
          schedule.current();
        }
      }
    };
    schedule.current = (full = false) => {
      if (s.frame !== null || s.timer !== null) return;
      const fast = !full && gridOnly(latest.current);
      const onFrame = (): void => {
        s.timer = null;
        s.frame = requestAnimationFrame(() => {
          s.frame = null;
          void draw(full);
        });
      };
      const wait = fast ? 0 : lastFull.current + MIN_REDRAW_MS - performance.now();
      if (wait > 0) s.timer = setTimeout(onFrame, wait);
      else onFrame();
    };
    const observer = new ResizeObserver(() => {
      void loadPlotly().then((P) => {
        if (el?.isConnected && el.querySelector('.main-svg')) void P.Plots.resize(el);
      });
    });
    if (el) observer.observe(el);
    return () => {
      observer.disconnect();
      for (const t of [s.timer, s.sync]) if (t !== null) clearTimeout(t);
      if (s.frame !== null) cancelAnimationFrame(s.frame);
      s.frame = null;
      s.timer = null;
      s.sync = null;
      shown.current = null;
      if (el) void loadPlotly().then((P) => P.purge(el));
    };
  }, [ref]);

  useEffect(() => {
    latest.current = next;
    schedule.current();
  }, [next]);
}

/** The grid's images: its cells as a PNG, its contour lines (when drawn) as an SVG; null without a grid. */
function gridImageOf(z: readonly (readonly number[])[], zRange: readonly [number, number], contours: boolean, blank?: readonly boolean[]): GridImage | null {
  const ny = z.length;
  const nx = z[0]?.length ?? 0;
  if (nx === 0 || ny === 0) return null;
  return { cells: pngDataUrl(gridPixels(z, zRange, blank), nx, ny), contours: contours ? contourImageSource(z, zRange) : null };
}


function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Whether the landscape would draw `a` and `b` the same (θ, ĝ, loss, particles, divergence). */
function sameOnLandscape(a: readonly EstimatorLive[], b: readonly EstimatorLive[]): boolean {
  return (
    a.length === b.length &&
    b.every((e, i) => {
      const o = a[i];
      return (
        o !== undefined &&
        o.id === e.id &&
        Object.is(o.evalLoss, e.evalLoss) &&
        o.diverged === e.diverged &&
        o.particleCount === e.particleCount &&
        sameNumbers(o.theta, e.theta) &&
        sameNumbers(o.grad, e.grad) &&
        sameNumbers(o.particles, e.particles)
      );
    })
  );
}

/**
 * The live estimators, kept as the previous array while the landscape would draw them the
 * same: a repeated frame (a live σ change while paused) then redraws no figure.
 */
function useLandscapeEstimators(live: readonly EstimatorLive[]): readonly EstimatorLive[] {
  const [kept, setKept] = useState(live);
  if (kept !== live && !sameOnLandscape(kept, live)) {
    setKept(live);
    return live;
  }
  return kept;
}

/** A 2-D landscape figure drawn through useSurfacePlotly. */
function SurfacePlot({ draw, testId, label, data }: { draw: SurfaceDraw; testId: string; label: string; data: Record<string, string | number> }) {
  const ref = useRef<HTMLDivElement>(null);
  useSurfacePlotly(ref, draw);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = String(v);
  return <div ref={ref} className="plot plot-landscape" data-testid={testId} role="img" aria-label={label} {...attrs} />;
}

const SURFACE_MODES: { value: ViewOptions['surface']; label: string }[] = [
  { value: 'raw', label: 'raw L' },
  { value: 'smoothed', label: 'smoothed L_σ' },
  { value: 'both', label: 'side by side' },
];

/** A short, stable fingerprint of a grid (e2e tests compare it across σ changes). */
export function checksum(values: readonly number[] | null | undefined): string {
  if (!values) return '';
  let s = 0;
  for (const v of values) if (Number.isFinite(v)) s += v;
  return s.toPrecision(8);
}

function smoothedLabel(sm: SmoothedSurface | null, dim: number): string {
  if (!sm) return 'σ-smoothed L_σ';
  if (sm.source === 'monte-carlo') return `L_σ, σ = ${fmt(sm.sigma, 3)} (Monte-Carlo, M = ${sm.samples})`;
  const blur = dim > 2 ? 'fast blur in the slice plane, not L_σ' : 'fast blur';
  return sm.values.every((v) => !Number.isFinite(v)) ? `L_σ, σ = ${fmt(sm.sigma, 3)} (σ too large for the fast blur: Monte-Carlo)` : `L_σ, σ = ${fmt(sm.sigma, 3)} (${blur})`;
}

/** θ in the legend: every entry for small θ, else its size and its slice coordinates. */
function thetaText(theta: readonly number[], geometry: SliceGeometry | null): string {
  if (theta.length <= 4 || !geometry) return `θ = (${theta.map((v) => fmt(v, 4)).join(', ')})`;
  const [x, y] = projectOntoSlice(geometry, theta);
  return `θ ∈ ℝ^${theta.length}, on the slice (${fmt(x, 4)}, ${fmt(y, 4)})`;
}

/** Picks the 2-D slice through θ₀ for a task with more than two parameters. */
function SlicePicker({ meta, slice, onChange }: { meta: TaskMeta; slice: SurfaceSlice; onChange: (s: SurfaceSlice) => void }) {
  const names = meta.paramNames;
  const coords: readonly [number, number] = slice.kind === 'coordinates' ? slice.dims : [0, 1];
  const seed = slice.kind === 'random' ? slice.seed : 1;
  const coordSelect = (axis: 0 | 1) => (
    <select
      data-testid={`slice-dim-${axis}`}
      aria-label={axis === 0 ? 'Horizontal axis parameter' : 'Vertical axis parameter'}
      value={coords[axis]}
      onChange={(e) => {
        const next: [number, number] = [coords[0], coords[1]];
        next[axis] = Number(e.target.value);
        if (next[0] === next[1]) next[1 - axis] = coords[axis];
        onChange({ kind: 'coordinates', dims: next });
      }}
    >
      {names.map((n, i) => (
        <option key={n} value={i}>
          {n}
        </option>
      ))}
    </select>
  );
  return (
    <div className="slice-picker" data-testid="slice-picker">
      <label>
        Slice through θ₀{' '}
        <select
          data-testid="slice-kind"
          value={slice.kind}
          onChange={(e) => onChange(e.target.value === 'random' ? { kind: 'random', seed } : { kind: 'coordinates', dims: coords })}
        >
          <option value="random">two random directions</option>
          <option value="coordinates">two coordinates</option>
        </select>
      </label>
      {slice.kind === 'coordinates' ? (
        <>
          {coordSelect(0)} × {coordSelect(1)}
        </>
      ) : (
        <button type="button" data-testid="slice-new-directions" onClick={() => onChange({ kind: 'random', seed: (seed + 1) >>> 0 })}>
          New directions
        </button>
      )}
    </div>
  );
}

function SurfaceStatus({ surface, dim }: { surface: SurfaceState; dim: number }) {
  if (surface.rawStatus === 'error') {
    return (
      <p className="panel-status error" role="alert">
        The landscape could not be computed: {surface.error}
      </p>
    );
  }
  if (surface.rawStatus === 'computing' || surface.rawStatus === 'idle') {
    return (
      <p className="panel-status" data-testid="surface-status" data-state="computing">
        Computing the raw landscape (one full unroll per grid point)…
        <progress max={1} value={surface.rawProgress} aria-label="raw landscape progress" />
      </p>
    );
  }
  const sm = surface.smoothed;
  return (
    <p className="panel-status" data-testid="surface-status" data-state={surface.refining ? 'refining' : 'ready'}>
      {sm?.source === 'monte-carlo' ? (
        <>
          Smoothed surface: Monte-Carlo mean of L(θ ± σz) over <strong>{sm.samples}</strong> common sample{sm.samples === 1 ? '' : 's'} per point (antithetic pairs).
        </>
      ) : sm && sm.values.length > 0 && sm.values.every((v) => !Number.isFinite(v)) ? (
        <>
          Smoothed surface: σ = {fmt(sm.sigma, 3)} reaches past the plotted range, where the raw grid knows nothing, so the instant blur would only average what
          is drawn — it is left blank{surface.refining ? ' until the Monte-Carlo stage, which evaluates L(θ + σz) wherever that lands, arrives.' : '; the Monte-Carlo stage does not run for this task on this backend.'}
        </>
      ) : (
        <>
          Smoothed surface: instant approximation — a Gaussian blur of the raw grid with kernel σ, left blank (grey) where more than a tenth of the kernel falls
          outside the plotted range{dim > 2 ? '; on this slice it smooths within the slice plane only, while L_σ perturbs all coordinates' : ''}.
          {surface.refining ? ' The Monte-Carlo stage replaces it.' : ''}
        </>
      )}
      {surface.refining ? (
        <>
          {' '}
          Refining… <progress max={1} value={surface.refineProgress} aria-label="refinement progress" />
        </>
      ) : null}
      {surface.error ? <span className="error"> {surface.error}</span> : null}
    </p>
  );
}

/** Pointer travel (px) past which a press is a drag (Plotly's zoom box), not a click. */
const CLICK_SLOP_PX = 4;

/**
 * A click on the landscape (on a task whose θ is the plotted plane or line) restarts the
 * estimators from the clicked θ₀; a drag stays Plotly's zoom. Handlers for the container
 * of the plots: the click is read against whichever plot it landed on.
 */
function useStartFromClick(enabled: boolean, dims: 1 | 2, bounds: readonly (readonly [number, number])[]) {
  const controller = useController();
  const down = useRef<[number, number] | null>(null);
  return {
    onPointerDown: (e: React.PointerEvent) => {
      down.current = [e.clientX, e.clientY];
    },
    onClick: (e: React.MouseEvent) => {
      const start = down.current;
      down.current = null;
      if (!enabled || !start || Math.hypot(e.clientX - start[0], e.clientY - start[1]) > CLICK_SLOP_PX) return;
      const plot = (e.target as Element).closest('.js-plotly-plot');
      if (!(plot instanceof HTMLElement)) return;
      const rect = plot.getBoundingClientRect();
      const point = dataPointAt(plot as DrawnPlot, e.clientX - rect.left, e.clientY - rect.top, dims);
      if (!point) return;
      controller.startFrom(point.map((v, i) => roundToSpan(v, (bounds[i]?.[1] ?? 1) - (bounds[i]?.[0] ?? 0))));
    },
  };
}

/** Where the estimators start, and how to change it. */
function StartNote({ enabled }: { enabled: boolean }) {
  const controller = useController();
  const theta0 = useConfig((s) => s.config.theta0);
  if (!enabled) return null;
  return (
    <p className="panel-note start-note" data-testid="start-note">
      Click the landscape to restart the estimators from there.{' '}
      {theta0 ? (
        <>
          θ₀ = ({theta0.map((v) => fmt(v, 3)).join(', ')}){' '}
          <button type="button" className="button small" data-testid="start-task-theta0" onClick={() => controller.startFrom(null)}>
            Task&apos;s θ₀
          </button>
        </>
      ) : (
        "Now from the task's θ₀."
      )}
    </p>
  );
}

export function LandscapePanel() {
  const controller = useController();
  const task = useConfig((s) => s.applied.task);
  const show = useConfig((s) => s.config.view.surface);
  const surface = useSim((s) => s.surface);
  const live = useLandscapeEstimators(useSim((s) => s.estimators));
  const trails = useSim((s) => s.trails);
  // A Step (or slow motion) glides θ and the particles through the update.
  const moving = useStepAnimation(live, useSim((s) => s.iteration), useSim((s) => s.generation));
  const meta = taskMeta(task);
  const view = TASK_VIEWS[task];
  const dim = meta.theta0.length;
  const oneD = dim === 1;
  // The slice the grid is drawn on (what is being computed, before the first grid arrives).
  const slice = surface.task === task && surface.slice ? surface.slice : controller.sliceOf(task);
  const geometry = useMemo(() => (oneD ? null : sliceGeometry(meta, slice)), [oneD, meta, slice]);
  // θ₀ by a click where the plot is θ's own line or plane (a slice of more dimensions is not).
  const startable = dim <= 2;
  const startHandlers = useStartFromClick(startable, oneD ? 1 : 2, meta.bounds);

  // Everything drawn on the 2-D figure is projected onto the slice (the identity on a 2-D task's own plane).
  const estimators: LandscapeEstimator[] = useMemo(
    () =>
      moving.estimators.map((e) => {
        const theta = geometry ? projectOntoSlice(geometry, e.theta) : e.theta;
        const trail = (trails[e.id] ?? []).map((p): [number, number] => (geometry ? projectOntoSlice(geometry, p) : [p[0] ?? 0, p[1] ?? 0]));
        // Mid-motion the trail ends at the moving θ (its last point is where θ is going).
        const head: [number, number] = geometry ? [theta[0] ?? 0, theta[1] ?? 0] : [e.theta[0] ?? 0, e.evalLoss];
        return {
          id: e.id,
          title: estimatorInfo(e.id).title,
          color: ESTIMATOR_COLORS[e.id],
          theta,
          grad: geometry ? projectDirection(geometry, e.grad) : e.grad,
          evalLoss: e.evalLoss,
          particles: geometry ? projectRows(geometry, e.particles, dim) : e.particles,
          diverged: e.diverged,
          trail: moving.animating && trail.length > 0 ? [...trail.slice(0, -1), head] : trail,
        };
      }),
    [moving, trails, geometry, dim],
  );

  const axes = useMemo(
    () =>
      geometry
        ? { paramNames: geometry.names, bounds: geometry.ranges, optimum: meta.optimum ? projectOntoSlice(geometry, meta.optimum) : null }
        : { paramNames: meta.paramNames, bounds: meta.bounds, optimum: meta.optimum },
    [geometry, meta],
  );
  const surfaceReady = surface.task === task && surface.raw !== null;
  const nx = surface.x.length;
  const ny = surface.y?.length ?? 1;
  const rawGrid = useMemo(() => (surfaceReady && !oneD && surface.raw ? gridOf(surface.raw, nx, ny, view.colorScale) : { z: [], text: [] }), [surfaceReady, oneD, surface.raw, nx, ny, view.colorScale]);
  const smoothedGrid = useMemo(
    () => (surfaceReady && !oneD && surface.smoothed ? gridOf(surface.smoothed.values, nx, ny, view.colorScale) : { z: [], text: [] }),
    [surfaceReady, oneD, surface.smoothed, nx, ny, view.colorScale],
  );
  const zRange = useMemo(() => (surface.raw ? colorRange(surface.raw, view.colorScale) : ([0, 1] as [number, number])), [surface.raw, view.colorScale]);

  const contours = view.grid >= 32;
  // Everything on the 2-D figures but the grid: when only the grid changes, the plots restyle it.
  const rawOverlay = useMemo(() => ({ axes, x: surface.x, y: surface.y, zRange, view, show, estimators, task }), [axes, surface.x, surface.y, zRange, view, show, estimators, task]);
  const smoothedOverlay = useMemo(() => ({ axes, x: surface.x, y: surface.y, zRange, view, estimators, task }), [axes, surface.x, surface.y, zRange, view, estimators, task]);
  const rawImage = useMemo(() => gridImageOf(rawGrid.z, zRange, contours), [rawGrid, zRange, contours]);
  const blanks = useMemo(() => blurBlanks(surfaceReady ? surface.smoothed : null, surface.raw), [surfaceReady, surface.smoothed, surface.raw]);
  const smoothedImage = useMemo(() => gridImageOf(smoothedGrid.z, zRange, contours, blanks), [smoothedGrid, zRange, contours, blanks]);
  const rawFigure = useMemo(
    () =>
      landscape2dFigure({
        axes,
        dim: 2,
        x: surface.x,
        y: surface.y ?? [],
        grid: rawGrid,
        image: rawImage,
        zRange,
        scale: view.colorScale,
        contours,
        title: 'L',
        // Each panel its own scale (the same range: the panels compare colour for colour).
        showColorbar: true,
        estimators,
        uirevision: `${task}-raw`,
      }),
    [axes, surface.x, surface.y, rawGrid, rawImage, zRange, view, contours, estimators, task],
  );
  const smoothedFigure = useMemo(
    () =>
      landscape2dFigure({
        axes,
        dim: 2,
        x: surface.x,
        y: surface.y ?? [],
        grid: smoothedGrid,
        image: smoothedImage,
        zRange,
        scale: view.colorScale,
        contours,
        title: 'L_σ',
        showColorbar: true,
        estimators,
        uirevision: `${task}-smoothed`,
      }),
    [axes, surface.x, surface.y, smoothedGrid, smoothedImage, zRange, view, contours, estimators, task],
  );
  // Built only for a 1-D task: on a 2-D one it would redo a figure nobody sees at every σ.
  const oneDFigure = useMemo(
    () =>
      oneD &&
      landscape1dFigure({
        axes,
        x: surface.x,
        raw: surfaceReady ? surface.raw : null,
        smoothed: surfaceReady ? surface.smoothed : null,
        show,
        scale: view.colorScale,
        estimators,
        uirevision: `${task}-1d`,
      }),
    [oneD, axes, surface.x, surfaceReady, surface.raw, surface.smoothed, show, view.colorScale, estimators, task],
  );

  const smoothedData = useMemo(
    () => ({
      sigma: surface.smoothed?.sigma ?? '',
      source: surface.smoothed?.source ?? '',
      samples: surface.smoothed?.samples ?? 0,
      checksum: checksum(surface.smoothed?.values),
    }),
    [surface.smoothed],
  );
  const rawData = useMemo(() => ({ checksum: checksum(surface.raw) }), [surface.raw]);
  const rawDraw = useMemo(
    (): SurfaceDraw => ({ figure: rawFigure, image: rawImage, overlayKey: rawOverlay, drawn: rawData }),
    [rawFigure, rawImage, rawOverlay, rawData],
  );
  const smoothedDraw = useMemo(
    (): SurfaceDraw => ({ figure: smoothedFigure, image: smoothedImage, overlayKey: smoothedOverlay, drawn: smoothedData }),
    [smoothedFigure, smoothedImage, smoothedOverlay, smoothedData],
  );

  return (
    <section className="panel landscape" aria-labelledby="landscape-title" data-testid="landscape-panel">
      <header className="panel-header">
        <h2 id="landscape-title">Meta-loss landscape</h2>
        <div className="segmented" role="radiogroup" aria-label="Which surface">
          {SURFACE_MODES.map((m) => (
            <button
              key={m.value}
              type="button"
              role="radio"
              aria-checked={show === m.value}
              className={show === m.value ? 'active' : ''}
              data-testid={`surface-mode-${m.value}`}
              onClick={() => controller.configStore.getState().patchView({ surface: m.value })}
            >
              {m.label}
            </button>
          ))}
        </div>
      </header>
      <p className="panel-note">{view.landscapeNote}</p>
      {geometry && dim > 2 ? (
        <>
          <p className="panel-note" data-testid="slice-note">
            θ has {dim} dimensions: this is a 2-D slice through θ₀ along {geometry.label}. Particles, θ, trails and −ĝ are projected onto it.
          </p>
          <SlicePicker
            meta={meta}
            slice={slice}
            onChange={(next) => {
              const issue = controller.setLandscapeSlice(next);
              if (issue) controller.simStore.setState((s) => ({ surface: { ...s.surface, error: issue } }));
            }}
          />
        </>
      ) : null}
      <StartNote enabled={startable} />
      <SurfaceStatus surface={surface} dim={dim} />
      {oneDFigure ? (
        <div className="landscape-click" {...startHandlers}>
          <Plot figure={oneDFigure} testId="plot-landscape-1d" className="plot-landscape" label="Loss against θ, raw and σ-smoothed, with each estimator's θ and particles" data={{ ...smoothedData, rawChecksum: checksum(surface.raw) }} />
        </div>
      ) : (
        <div className={`landscape-grid mode-${show}`} {...startHandlers}>
          {show !== 'smoothed' ? (
            <figure>
              <figcaption>raw L(θ)</figcaption>
              <SurfacePlot draw={rawDraw} testId="plot-surface-raw" label="Raw meta-loss heatmap with particles, θ and gradient arrows" data={rawData} />
            </figure>
          ) : null}
          {show !== 'raw' ? (
            <figure>
              <figcaption>{smoothedLabel(surface.smoothed, dim)}</figcaption>
              <SurfacePlot draw={smoothedDraw} testId="plot-surface-smoothed" label="σ-smoothed meta-loss heatmap with particles, θ and gradient arrows" data={smoothedData} />
            </figure>
          ) : null}
        </div>
      )}
      <ul className="legend" aria-label="Legend">
        {live.map((e) => (
          <li key={e.id} data-testid={`estimator-${e.id}`} data-theta={JSON.stringify(e.theta)} data-loss={e.evalLoss} data-diverged={e.diverged}>
            <span className="swatch" style={{ background: ESTIMATOR_COLORS[e.id] }} aria-hidden="true" />
            <strong>{estimatorInfo(e.id).title}</strong>
            <span className="muted">
              {thetaText(e.theta, geometry)} · L = {fmt(e.evalLoss)}
              {e.particleCount > 0 ? ` · ${e.particles.length / dim} of ${e.particleCount} particles shown` : ' · deterministic (no particles)'}
            </span>
            {e.diverged ? <span className="tag danger">diverged</span> : null}
          </li>
        ))}
        {surface.raw?.some((v) => !Number.isFinite(v)) || surface.smoothed?.values.some((v, i) => !Number.isFinite(v) && !blanks?.[i]) ? (
          <li>
            <span className="swatch" style={{ background: DIVERGED_COLOR }} aria-hidden="true" /> unroll diverged there (loss NaN or ∞)
          </li>
        ) : null}
        {blanks?.some(Boolean) ? (
          <li data-testid="legend-blur-blank">
            <span className="swatch" style={{ background: BLANK_COLOR }} aria-hidden="true" /> beyond the fast blur&apos;s reach (its kernel leaves the plotted range)
          </li>
        ) : null}
        {meta.optimum ? (
          <li>
            <span className="star" aria-hidden="true">
              ★
            </span>{' '}
            known optimum · arrows show −ĝ (direction only)
          </li>
        ) : (
          <li>arrows show −ĝ (direction only)</li>
        )}
      </ul>
    </section>
  );
}
