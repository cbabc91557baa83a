/** The `tessera` command line with every command: what the executable and tests run. */
import { COMMANDS } from './commands/index.ts';
import { runCommandLine, type MainIo } from './dispatch.ts';

export type { MainIo } from './dispatch.ts';

/**
 * Runs the CLI; returns the exit code. Never throws.
 * @example
 * ```ts
 * const code = await main(['-d', dir, 'servers'], { stdout, stderr, env: process.env });
 * ```
 */
export function main(argv: readonly string[], io: MainIo): Promise<number> {
  return runCommandLine(argv, io, COMMANDS);
}
