/**
 * One session whose estimators run on different compute paths (compute-paths.ts): a
 * FusedSession for those the plan puts on the WGSL kernels, a tfjs Session (on the plan's
 * ops backend) for the rest. Each group steps, rewinds and reports on its own; frames and
 * diagnostics are merged back into the configuration's estimator order, so the engine and
 * the page see one session. Common random numbers hold across the groups: both paths key
 * every estimator's noise by the same seed and pair index.
 */
import type { EstimatorId } from '../core/config';
import type { CheckpointFilter, GradientDiagnostics, SessionFrame, UpdateRecord } from '../core/session';
import type { SigmaSchedule } from '../core/sigma-schedule';
import { eagerPacer, type Pacer, type Slices } from '../core/slices';
import type { Task } from '../core/task';
import type { SessionLike } from '../gpu/session-like';

export interface SessionGroup {
  estimators: readonly EstimatorId[];
  session: SessionLike;
}

export class MixedSession implements SessionLike {
  readonly task: Task;

  constructor(
    private readonly order: readonly EstimatorId[],
    readonly groups: readonly SessionGroup[],
  ) {
    const first = groups[0];
    if (!first) throw new Error('a mixed session needs at least one group');
    this.task = first.session.task;
  }

  get iteration(): number {
    return this.groups[0]?.session.iteration ?? 0;
  }

  get sigma(): number {
    return this.groups[0]?.session.sigma ?? 0;
  }

  setSigmaSchedule(schedule: SigmaSchedule): void {
    for (const g of this.groups) g.session.setSigmaSchedule(schedule);
  }

  setLr(lr: number): void {
    for (const g of this.groups) g.session.setLr(lr);
  }

  step(): void {
    for (const g of this.groups) g.session.step();
  }

  *stepSlices(): Slices<void> {
    for (const g of this.groups) {
      yield* g.session.stepSlices();
      yield;
    }
  }

  recordUpdate(wallMs: number): void {
    for (const g of this.groups) g.session.recordUpdate(wallMs);
  }

  get recordedUpdates(): number {
    return this.groups[0]?.session.recordedUpdates ?? 0;
  }

  async frame(pacer: Pacer = eagerPacer, healthy?: CheckpointFilter): Promise<SessionFrame> {
    const frames: SessionFrame[] = [];
    for (const g of this.groups) frames.push(await g.session.frame(pacer, healthy));
    const byId = new Map(frames.flatMap((f) => f.estimators.map((e) => [e.id, e] as const)));
    const first = frames[0] as SessionFrame;
    // Every group recorded the same updates: their records merge by position.
    const history: UpdateRecord[] = (first.history ?? []).map((r, k) => {
      const rows = new Map(frames.flatMap((f) => (f.history?.[k]?.estimators ?? []).map((e) => [e.id, e] as const)));
      return { ...r, estimators: this.order.flatMap((id) => rows.get(id) ?? []) };
    });
    return {
      ...(history.length > 0 ? { history } : {}),
      iteration: first.iteration,
      sigma: first.sigma,
      lr: first.lr,
      // The groups step one after the other: the session's stepping time is their sum.
      wallMs: frames.reduce((s, f) => s + f.wallMs, 0),
      estimators: this.order.flatMap((id) => {
        const e = byId.get(id);
        return e ? [e] : [];
      }),
    };
  }

  rewind(ids?: readonly EstimatorId[]): { id: EstimatorId; iteration: number }[] {
    const back = this.groups.flatMap((g) => g.session.rewind(ids ? ids.filter((id) => g.estimators.includes(id)) : undefined));
    return this.order.flatMap((id) => back.filter((b) => b.id === id));
  }

  async diagnostics(reference: 'autodiff' | 'es' = 'es', pairs = 1024, pacer: Pacer = eagerPacer): Promise<GradientDiagnostics[]> {
    const rows: GradientDiagnostics[] = [];
    for (const g of this.groups) rows.push(...(await g.session.diagnostics(reference, pairs, pacer)));
    return this.order.flatMap((id) => rows.filter((r) => r.id === id));
  }

  dispose(): void {
    for (const g of this.groups) g.session.dispose();
  }
}
