/**
 * Entry of a `reproduce` worker process (forked by the pool with the parent's tsx
 * loader flags). Receives `{ type: 'job', id, job }`, answers `{ type: 'done', id,
 * result, seconds }` or `{ type: 'error', id, message }`; exits when the parent
 * disconnects. Progress goes to the inherited stderr.
 */
import { register } from 'node:module';
import type { Job } from './jobs';

register('../tfjs-resolve-hooks.mjs', import.meta.url);

const { setupBackend } = await import('../commands/common');
const { runJob } = await import('./jobs');
await setupBackend();

type Incoming = { type: 'job'; id: number; job: Job };

process.on('message', (msg: Incoming) => {
  if (msg?.type !== 'job') return;
  const started = performance.now();
  runJob(msg.job, (line) => process.stderr.write(`${line}\n`)).then(
    (result) => process.send?.({ type: 'done', id: msg.id, result, seconds: (performance.now() - started) / 1000 }),
    (err: unknown) => process.send?.({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
