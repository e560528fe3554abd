/**
 * A small priority job pool for `reproduce`: with one slot jobs run in this process;
 * with more, each slot is a forked worker process (src/cli/reproduce/worker.ts), since
 * the tfjs CPU backend runs on one core per process. The queued job with the highest
 * priority (roughly its expected seconds: longest first) starts whenever a slot frees.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Job, JobResultOf } from './jobs';
import { runJob } from './jobs';

interface Pending {
  id: number;
  job: Job;
  priority: number;
  resolve: (value: { result: unknown; seconds: number }) => void;
  reject: (err: Error) => void;
}

interface Slot {
  child: ChildProcess | null;
  ready: Promise<void>;
  busy: Pending | null;
}

export interface JobDone<T> {
  result: T;
  /** Seconds the job itself ran. */
  seconds: number;
}

export class JobPool {
  private readonly queue: Pending[] = [];
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private failed: Error | null = null;
  private pumpScheduled = false;

  constructor(
    readonly size: number,
    private readonly log: (line: string) => void,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(size === 1 ? { child: null, ready: Promise.resolve(), busy: null } : this.spawn());
  }

  run<J extends Job>(job: J, priority: number): Promise<JobDone<JobResultOf<J>>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        job,
        priority,
        resolve: resolve as Pending['resolve'],
        reject,
      });
      this.schedulePump();
    });
  }

  /** Stops the workers (idle ones exit on disconnect; busy ones are killed). */
  close(): void {
    for (const slot of this.slots) {
      const child = slot.child;
      if (!child) continue;
      if (child.connected) child.disconnect();
      if (slot.busy && child.exitCode === null) child.kill();
    }
  }

  private spawn(): Slot {
    const script = fileURLToPath(new URL('./worker.ts', import.meta.url));
    const child = fork(script, [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = { child, busy: null, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: { type?: string }): void => {
        if (msg?.type === 'ready') {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`reproduce worker exited with code ${code} before it was ready`)));
    });
    slot.ready.catch(() => undefined);
    child.on('message', (msg: { type?: string; id?: number; result?: unknown; seconds?: number; message?: string }) => {
      const busy = slot.busy;
      if (!busy || msg.id !== busy.id) return;
      slot.busy = null;
      if (msg.type === 'done') busy.resolve({ result: msg.result, seconds: msg.seconds ?? 0 });
      else this.fail(busy, new Error(`${busy.job.label}: ${msg.message ?? 'failed'}`));
      this.schedulePump();
    });
    child.on('exit', (code, signal) => {
      const busy = slot.busy;
      if (busy) {
        slot.busy = null;
        this.fail(busy, new Error(`${busy.job.label}: worker process died (${signal ?? `code ${code}`})`));
      }
    });
    return slot;
  }

  private fail(p: Pending, err: Error): void {
    this.failed ??= err;
    p.reject(err);
    for (const q of this.queue.splice(0)) q.reject(err);
  }

  /** Deferred, so that jobs queued in the same tick compete by priority. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      let best = 0;
      this.queue.forEach((p, i) => {
        if (p.priority > (this.queue[best]?.priority ?? -Infinity)) best = i;
      });
      const [p] = this.queue.splice(best, 1);
      if (!p) continue;
      slot.busy = p;
      if (slot.child) {
        const child = slot.child;
        slot.ready.then(
          () => child.send({ type: 'job', id: p.id, job: p.job }),
          (err: Error) => {
            slot.busy = null;
            this.fail(p, err);
          },
        );
      } else {
        const started = performance.now();
        runJob(p.job, this.log).then(
          (result) => {
            slot.busy = null;
            p.resolve({ result, seconds: (performance.now() - started) / 1000 });
            this.schedulePump();
          },
          (err: unknown) => {
            slot.busy = null;
            this.fail(p, err instanceof Error ? err : new Error(String(err)));
          },
        );
      }
    }
  }
}
