/**
 * Headless CLI entry: `npm run -s cli -- <command> [options]` (see `--help`).
 *
 * stdout carries exactly one JSON document (or CSV with --csv); progress and errors go
 * to stderr. Exit status: 0 success, 2 usage error (one `error: …` line naming the valid
 * choices), 1 unexpected internal error (one line; set ES_CLI_DEBUG=1 for the stack).
 *
 * Everything beyond node:module is imported dynamically, after the resolve hook below is
 * registered: the autodiff estimators import '@tensorflow/tfjs-core/dist/register_all_gradients',
 * whose ESM files use extensionless relative imports that plain Node cannot resolve.
 */
import { register } from 'node:module';

register('./tfjs-resolve-hooks.mjs', import.meta.url);

function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function isUsageError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'UsageError';
}

// A reader that goes away early (`… | head`) is not an error: stop writing quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`error: internal: stdout: ${err.message}\n`);
});

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(err) : resolve()));
  });
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const { checkRequired, Options, parseArgs, usage } = await import('./args');
    const parsed = parseArgs(argv);
    if (parsed.help || parsed.command === null) {
      await writeStdout(`${usage(parsed.command)}\n`);
      return 0;
    }
    const [{ COMMAND_HANDLERS }, { setupBackend }, { toJson }, { toCsv }] = await Promise.all([
      import('./commands/index'),
      import('./commands/common'),
      import('./output'),
      import('./csv'),
    ]);
    const handler = await COMMAND_HANDLERS[parsed.command]();
    await setupBackend(parsed.values.backend === 'cpu' || parsed.values.backend === 'wasm' ? parsed.values.backend : undefined);
    let opts = new Options(parsed.values);
    const url = parsed.values.link;
    if (typeof url === 'string') {
      // The link's experiment, overridden by the options given explicitly.
      const { linkNotes, linkValues, readLink } = await import('./commands/link');
      const linked = readLink(url);
      const chosen = typeof parsed.values.estimator === 'string' ? parsed.values.estimator : undefined;
      const values = { ...linkValues(parsed.command, linked, chosen), ...parsed.values };
      checkRequired(parsed.command, values);
      for (const note of linkNotes(parsed.command, linked, parsed.values)) process.stderr.write(`${note}\n`);
      opts = new Options(values, linked, new Set(Object.keys(parsed.values) as (keyof typeof values)[]));
    }
    const result = await handler(opts);
    const text = opts.flag('csv') && result.table ? toCsv(result.table.header, result.table.rows) : toJson(result.json);
    await writeStdout(text);
    return 0;
  } catch (err) {
    if (isUsageError(err)) {
      process.stderr.write(`error: ${oneLine(err.message)}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: internal: ${oneLine(message)}\n`);
    if (process.env.ES_CLI_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
