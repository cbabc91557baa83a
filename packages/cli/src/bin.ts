#!/usr/bin/env node
/**
 * The `tessera` executable: the only place that reads argv, prints, and exits (STYLE §2).
 * It exits as soon as its output is flushed, so open handles cannot keep it alive.
 */
import '@tessera/protocol/polyfill';
import { setMaxListeners } from 'node:events';
import { main } from './main.ts';

const controller = new AbortController();
// One command's signal is shared by every request it makes in parallel.
setMaxListeners(0, controller.signal);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => controller.abort(new Error(`Interrupted by ${sig}`)));
}

// A command whose promise can never settle (nothing left to run) would otherwise end silently
// with Node's exit code 13: say so on one line instead.
let settled = false;
process.once('beforeExit', () => {
  if (!settled) {
    process.stderr.write('tessera: the command stopped before finishing (CLI_INTERNAL)\n');
    process.exit(1);
  }
});

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
settled = true;
// Flush stdout before exiting: a pipe may still hold the last write.
process.stdout.write('', () => process.exit(code));
