/** The shape of a CLI command: one file per command under `commands/` (Helia style). */
import type { ParseArgsConfig } from 'node:util';
import type { GridClient } from '@tessera/client';
import type { NodeLogger } from './file-logger.ts';

/**
 * A running client node's open grid connection, lent to the commands it runs for attached
 * command lines (`attach-server.ts`); `openClient` uses it instead of opening its own.
 */
export interface SharedClient {
  /** The node directory it serves (resolved). */
  readonly dir: string;
  readonly grid: GridClient;
  readonly logger: NodeLogger;
}

/** What a command's `run` gets. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  /** Parsed options of the command. */
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  /** The node directory: `-d`, else `$TESSERA_NODE_DIR`, else `~/.tessera`. */
  readonly nodeDir: string;
  /** True when `-d` or `$TESSERA_NODE_DIR` named the node directory explicitly. */
  readonly nodeDirGiven: boolean;
  /** The directory relative local paths resolve against: the invoking shell's. */
  readonly cwd: string;
  /** When a running client node runs the command: its grid connection, for `ctx.nodeDir`. */
  readonly sharedClient?: SharedClient;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

/** A `tessera` command. */
export interface Command {
  /** Words that select it, e.g. `debug chk-cap`. */
  readonly name: string;
  readonly summary: string;
  /** The synopsis line(s) after `Usage:`. */
  readonly usage: string;
  /** Option descriptions for `--help`, one per line. */
  readonly optionHelp: readonly string[];
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Least and most positional arguments. */
  readonly positionals: readonly [number, number];
  /** Returns the exit code (default 0). */
  run(ctx: CommandContext): Promise<number | void>;
}
