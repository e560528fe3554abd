import type { SurfaceResult } from '../../core/experiments/surface';
import { metaLossSurface } from '../../core/experiments/surface';
import type { Task } from '../../core/task';
import { createTask } from '../../core/tasks/index';
import type { Options } from '../args';
import { parseNumber, UsageError } from '../args';
import type { Table } from '../csv';
import type { CommandResult } from './common';
import { progress, seconds, taskIdOf } from './common';

export const SURFACE_DEFAULTS = { grid: 33, samples: 16, seed: 1 };
/** Cap on the episodes one surface unrolls: grid points × (1 + samples). */
export const MAX_SURFACE_EPISODES = 2 ** 22;

/** Number of sliced axes: 1 for a one-parameter task, else 2. */
export function surfaceAxes(task: Task): number {
  return task.meta.theta0.length === 1 ? 1 : 2;
}

/** `x0:x1[,y0:y1]`, one range per sliced axis. */
export function parseRange(raw: string, axes: number): [number, number][] {
  const parts = raw.split(',');
  const example = axes === 1 ? 'x0:x1' : 'x0:x1,y0:y1';
  if (parts.length !== axes) throw new UsageError(`--range needs ${axes} range${axes === 1 ? '' : 's'} (${example}) for this task, got "${raw}"`);
  return parts.map((p) => {
    const ends = p.split(':');
    if (ends.length !== 2) throw new UsageError(`--range expects lo:hi per axis (${example}), got "${p}"`);
    const lo = parseNumber(ends[0] ?? '', '--range');
    const hi = parseNumber(ends[1] ?? '', '--range');
    if (!(lo < hi)) throw new UsageError(`--range needs lo < hi, got ${lo}:${hi}`);
    return [lo, hi];
  });
}

export function surfaceTable(s: Pick<SurfaceResult, 'x' | 'y' | 'raw' | 'smoothed'>): Table {
  const ny = s.y?.length ?? 1;
  const rows: Table['rows'] = [];
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < s.x.length; ix++) {
      const p = iy * s.x.length + ix;
      rows.push([ix, s.y ? iy : '', s.x[ix], s.y ? s.y[iy] : '', s.raw[p], s.smoothed ? s.smoothed[p] : '']);
    }
  }
  return { header: ['ix', 'iy', 'x', 'y', 'raw', 'smoothed'], rows };
}

export async function surfaceCommand(opts: Options): Promise<CommandResult> {
  const taskId = taskIdOf(opts);
  const task = createTask(taskId);
  const axes = surfaceAxes(task);
  const grid = opts.number('grid') ?? SURFACE_DEFAULTS.grid;
  const samples = opts.number('samples') ?? SURFACE_DEFAULTS.samples;
  const episodes = grid ** axes * (1 + samples);
  if (episodes > MAX_SURFACE_EPISODES) {
    throw new UsageError(`surface of ${grid}^${axes} points × (1 + ${samples} samples) = ${episodes} episodes exceeds ${MAX_SURFACE_EPISODES}; reduce --grid or --samples`);
  }
  const rangeRaw = opts.string('range');
  const range = rangeRaw === undefined ? undefined : parseRange(rangeRaw, axes);
  const sigma = opts.number('sigma') ?? task.meta.defaults.sigma;
  const seed = opts.number('seed') ?? SURFACE_DEFAULTS.seed;
  const started = performance.now();
  let reported = 0;
  const s = await metaLossSurface({
    task,
    grid,
    sigma,
    samples,
    seed,
    range,
    onProgress: (done, total) => {
      if (done === total || done - reported >= total / 10) {
        reported = done;
        progress(`[surface] ${done}/${total} episodes  ${seconds(started)}s`);
      }
    },
  });
  return {
    json: { task: taskId, dims: s.dims, sigma, samples: s.samples, seed, x: s.x, y: s.y, raw: s.raw, smoothed: s.smoothed },
    table: surfaceTable(s),
  };
}
