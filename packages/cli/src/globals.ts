/**
 * The global options (`-d`, `--json`, `--verbose`, `--help`) and the node directory they name
 * (CLI.md "Conventions"). Only `node:` imports: the small attach bundle (`attach.ts`) uses this
 * to find a running client node before the full CLI is loaded, and both must read argv alike.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** The global options of a command line, and the words left for the command. */
export interface Globals {
  nodeDir?: string;
  json: boolean;
  verbose: boolean;
  help: boolean;
  /** The command's words, options and arguments, in order. */
  rest: string[];
}

/**
 * Pulls the global options out of argv, wherever they stand (before or after the command name).
 * @throws {UsageError} CLI_USAGE when `-d` has no value
 */
export function extractGlobals(argv: readonly string[]): Globals {
  const g: Globals = { json: false, verbose: false, help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      g.rest.push(...argv.slice(i));
      break;
    }
    if (a === '-d' || a === '--node-dir') {
      if (i + 1 >= argv.length) throw new UsageError(`Option ${a} needs a directory`);
      g.nodeDir = argv[++i];
    } else if (a.startsWith('--node-dir=')) g.nodeDir = a.slice('--node-dir='.length);
    else if (a === '--json') g.json = true;
    else if (a === '--verbose') g.verbose = true;
    else if (a === '-h' || a === '--help') g.help = true;
    else g.rest.push(a);
  }
  return g;
}

/**
 * Resolves the node directory from `-d`, `$TESSERA_NODE_DIR`, or `~/.tessera` (`$HOME`, else
 * the account's home); relative paths against `cwd`.
 */
export function resolveNodeDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): { dir: string; given: boolean } {
  if (flag !== undefined) return { dir: resolve(cwd, flag), given: true };
  const fromEnv = env.TESSERA_NODE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return { dir: resolve(cwd, fromEnv), given: true };
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return { dir: join(home, '.tessera'), given: false };
}
