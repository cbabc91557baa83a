/**
 * The small entry the `tessera` executable loads first (`bin/tessera.mjs`; bundled by
 * `scripts/bundle-cli.mjs` as `dist/bundle/attach.mjs`, with only `node:` imports so that it
 * loads in a few milliseconds): when a client node runs on the command's node directory, the
 * command runs there, on the node's open connections, and this process only relays bytes.
 * Otherwise the executable loads the full CLI and runs the command itself.
 */
import { runAttached } from './attach-client.ts';

/**
 * Runs this process's command in the client node serving its node directory, when one does.
 * `TESSERA_NO_ATTACH=1` always declines.
 * @returns the exit code, or undefined when the command must run in this process
 */
export async function attachProcess(): Promise<number | undefined> {
  if (process.env.TESSERA_NO_ATTACH === '1') return undefined;
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch {
    return undefined; // the working directory is gone: the full CLI reports what fails
  }
  return runAttached(process.argv.slice(2), {
    env: process.env,
    cwd,
    stdin: () => process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
  });
}
