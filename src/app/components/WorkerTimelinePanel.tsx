import { useEffect, useRef, useState } from 'react';
import type { EstimatorId } from '../../core/config';
import { estimatorInfo } from '../../core/estimators/index';
import type { WorkerTimeline } from '../../core/estimators/timeline';
import { ESTIMATOR_COLORS } from '../../content/colors';
import { useSim } from '../context';
import { timelineScale, weightColor } from '../figures/timeline';

/** Row height (px) of one worker, and of each row when there are few. */
const ROW_PX = 4;
const FEW_ROWS_PX = 8;

/** Draws one frame's timeline: a row per worker, its episode so far filled in the colour of its noise weight. */
function drawTimeline(canvas: HTMLCanvasElement, tl: WorkerTimeline, xMax: number, vMax: number): void {
  const rows = tl.t.length;
  const rowPx = rows <= 16 ? FEW_ROWS_PX : ROW_PX;
  const width = Math.max(100, canvas.clientWidth);
  const height = rows * rowPx;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#eef1f5';
  g.fillRect(0, 0, width, height);
  const x = (t: number): number => (Math.min(t, xMax) / xMax) * width;
  tl.t.forEach((t, i) => {
    const w = tl.weight?.[i];
    const d2 = w !== undefined && Number.isFinite(w) ? w * w : null;
    g.fillStyle = d2 === null ? '#c3cad3' : weightColor(d2, vMax, tl.d);
    g.fillRect(0, i * rowPx, x(t), rowPx - 1);
    // Where the worker is: the end of its last truncation.
    g.fillStyle = '#1f2933';
    g.fillRect(Math.max(0, x(t) - 1), i * rowPx, 2, rowPx - 1);
  });
  // Truncation boundaries, when they are far enough apart to see.
  if (Number.isFinite(tl.T) && (tl.K / xMax) * width >= 6) {
    g.fillStyle = 'rgba(255,255,255,0.7)';
    for (let t = tl.K; t < xMax; t += tl.K) g.fillRect(x(t), 0, 1, height);
  }
}

/**
 * For one online estimator: each worker's place in its episode and the size of the noise
 * weight its loss difference is multiplied by, animated with the run — step-unlocked
 * workers spread along the episode, burn-in, PES's weight growing truncation by truncation
 * against ES-Single/NRES's single draw. Real state, read from the estimator after each frame.
 */
export function WorkerTimelinePanel() {
  const live = useSim((s) => s.estimators);
  const withTimeline = live.filter((e) => e.timeline);
  const onlineNoTimeline = live.filter((e) => !e.timeline && estimatorInfo(e.id).online && !estimatorInfo(e.id).autodiff);
  const [chosen, setChosen] = useState<EstimatorId | null>(null);
  const selected = withTimeline.find((e) => e.id === chosen) ?? withTimeline.find((e) => e.id === 'pes') ?? withTimeline[0] ?? null;
  const tl = selected?.timeline ?? null;
  const canvas = useRef<HTMLCanvasElement>(null);
  const scale = tl ? timelineScale(tl) : null;
  const xMax = scale?.xMax ?? 1;
  const vMax = scale?.vMax ?? 2;

  useEffect(() => {
    const el = canvas.current;
    if (!el || !tl) return;
    drawTimeline(el, tl, xMax, vMax);
    const observer = new ResizeObserver(() => drawTimeline(el, tl, xMax, vMax));
    observer.observe(el);
    return () => observer.disconnect();
  }, [tl, xMax, vMax]);

  if (live.length === 0) return null;
  return (
    <section className="panel worker-timeline" aria-labelledby="timeline-title" data-testid="worker-timeline">
      <header className="panel-header">
        <h2 id="timeline-title">Workers</h2>
        {withTimeline.length > 0 && (
          <label>
            estimator{' '}
            <select value={selected?.id ?? ''} data-testid="timeline-estimator" onChange={(e) => setChosen(e.target.value as EstimatorId)}>
              {withTimeline.map((e) => (
                <option key={e.id} value={e.id}>
                  {estimatorInfo(e.id).title}
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      {tl && selected && scale ? (
        <>
          <p className="panel-note timeline-caption">
            One row per worker (antithetic pair) of <strong style={{ color: ESTIMATOR_COLORS[selected.id] }}>{estimatorInfo(selected.id).title}</strong>
            {tl.workers > tl.t.length ? ` — the first ${tl.t.length} of ${tl.workers}` : ''}: the bar is how far it is through its episode (inner step t
            {Number.isFinite(tl.T) ? ` of T = ${tl.T}` : '; T = ∞, the task never resets'}, truncations of K = {tl.K}), its colour how many noise draws its
            weight sums, ‖ξ + ε/σ‖²/d: PES adds one every truncation until the episode resets, ES-Single/NRES keeps one draw all episode, truncated ES
            draws afresh each truncation. Step-unlocked workers are spread along the episode.
          </p>
          <canvas
            ref={canvas}
            className="timeline-canvas"
            data-testid="timeline-canvas"
            data-estimator={selected.id}
            data-t={JSON.stringify(tl.t)}
            data-weight={JSON.stringify(tl.weight?.map((w) => Math.round(w * 1000) / 1000) ?? null)}
            role="img"
            aria-label={`Worker timeline of ${estimatorInfo(selected.id).title}: each worker's inner step in its episode, coloured by its noise weight`}
          />
          <div className="timeline-axis" aria-hidden="true">
            <span>t = 0</span>
            <span className="timeline-legend">
              draws summed: 1 <span className="timeline-ramp" /> {scale.vMaxLabel}
            </span>
            <span>{Number.isFinite(tl.T) ? `t = T = ${tl.T}` : `t = ${scale.xMax}`}</span>
          </div>
        </>
      ) : (
        <p className="panel-note" data-testid="timeline-none">
          {onlineNoTimeline.length > 0
            ? `${onlineNoTimeline.map((e) => estimatorInfo(e.id).title).join(', ')} ${onlineNoTimeline.length > 1 ? 'report' : 'reports'} no worker timeline on ${onlineNoTimeline.length > 1 ? 'their' : 'its'} compute path.`
            : 'The worker timeline shows the online ES estimators (truncated ES, PES, ES-Single/NRES, GPES): full-unroll ES runs whole episodes every update, and the autodiff baselines have no noise.'}
        </p>
      )}
    </section>
  );
}
