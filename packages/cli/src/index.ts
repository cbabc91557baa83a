/**
 * `@tessera/cli`: the `tessera` command line. The package's library entry exposes `main` so
 * tests can run commands in-process; the executable is `bin.ts`, bundled by
 * `scripts/bundle-cli.mjs`.
 * @packageDocumentation
 */
export { main, type MainIo } from './main.ts';
export { parseSize } from './size.ts';
export { COMMANDS } from './commands/index.ts';
export type { Command, CommandContext } from './command.ts';
