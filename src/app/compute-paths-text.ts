/**
 * Words for the engine's compute plan (src/engine/compute-paths.ts): the header badge, its
 * tooltip, the per-estimator line of the run bar and the exported record.
 */
import { estimatorInfo } from '../core/estimators/index';
import type { PathId } from '../engine/compute-paths';
import type { PlanSummary } from '../engine/protocol';
import type { BackendInfo, BackendName } from '../platform/backend-info';

const BACKEND_WORD: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'CPU' };

/** 'fused kernels' or the tfjs backend's name. */
export function pathWord(path: PathId): string {
  return path === 'fused' ? 'fused kernels' : `tfjs ${BACKEND_WORD[path.slice(5) as BackendName]}`;
}

/**
 * The badge: the device backend, then where the run's work goes when that is elsewhere —
 * its fused kernels, the tfjs backend of the op-by-op work, or both.
 */
export function badgeText(backend: BackendInfo, plan: PlanSummary | null): string {
  if (!plan) return backend.label;
  const fused = plan.estimators.some((e) => e.path === 'fused');
  const ops = plan.estimators.some((e) => e.path !== 'fused') || plan.reference !== null;
  const parts = [...(fused ? ['fused kernels'] : []), ...(ops && plan.ops !== backend.name ? [BACKEND_WORD[plan.ops]] : [])];
  return parts.length > 0 ? `${backend.label} · ${parts.join(' + ')}` : backend.label;
}

/** Updates per second, rounded for reading ('not measured' for null). */
export function rate(perSecond: number | null): string {
  if (perSecond === null) return 'not measured';
  if (perSecond >= 100) return `${Math.round(perSecond).toLocaleString('en-US')} upd/s`;
  return `${perSecond.toFixed(perSecond >= 10 ? 0 : 1)} upd/s`;
}

/** One line per estimator: its path and speed, with the alternatives measured. */
export function planLines(plan: PlanSummary): string[] {
  return plan.estimators.map((e) => {
    const others = e.measured.filter((m) => m.path !== e.path).map((m) => `${pathWord(m.path)} ${m.updatesPerSecond === null ? (m.note ?? 'not measured') : rate(m.updatesPerSecond)}`);
    return `${estimatorInfo(e.id).title}: ${pathWord(e.path)}, ${rate(e.updatesPerSecond)}${others.length > 0 ? ` (measured: ${others.join('; ')})` : ''}`;
  });
}

/** The tooltip: how the plan was made and every estimator's line. */
export function planDescription(plan: PlanSummary): string {
  const how =
    plan.how === 'measured'
      ? `Compute paths measured in ${Math.round(plan.calibrationMs)} ms; each piece runs on the fastest.`
      : plan.how === 'cached'
        ? 'Compute paths as measured earlier for the same work.'
        : plan.how === 'forced'
          ? 'Compute paths fixed by ?backend= (remove it to let the engine measure).'
          : 'One compute path available here.';
  const ms = (v: number | null, note?: string): string => (v !== null ? `${Math.round(v)} ms per estimate` : (note ?? 'not measured'));
  const r = plan.reference;
  const others = r ? r.measured.filter((m) => m.path !== r.path).map((m) => `${pathWord(m.path)} ${ms(m.msPerEstimate, m.note)}`) : [];
  const reference = r ? [`Gradient-quality reference: ${pathWord(r.path)}, ${ms(r.msPerEstimate)}${others.length > 0 ? ` (measured: ${others.join('; ')})` : ''}`] : [];
  return [how, ...planLines(plan), ...reference].join('\n');
}
