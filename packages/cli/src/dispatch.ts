/**
 * Argument dispatch, help, and the exit-code contract (CLI.md "Conventions"): 0 success,
 * 1 failure with one line `tessera: <message> (<CODE>)` on stderr, 2 usage error. The list of
 * commands is a parameter: `main` passes them all, a client node serving attached command lines
 * only those it runs for them (`attach-server.ts`).
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext, SharedClient } from './command.ts';
import { UsageError } from './errors.ts';
import { extractGlobals, resolveNodeDir, type Globals } from './globals.ts';

/** Where the CLI writes, and what it reads from its environment. */
export interface MainIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What relative paths (`-d`, local files) resolve against; default `process.cwd()`. */
  cwd?: string;
  /** A running client node's grid connection, for the commands it runs (see `CommandContext`). */
  sharedClient?: SharedClient;
}

const GLOBAL_HELP = [
  '-d, --node-dir DIR   the node directory (default $TESSERA_NODE_DIR, else ~/.tessera)',
  '    --json           machine-readable output on stdout',
  '    --verbose        more detail in error messages',
  '-h, --help           show help',
];

/** Finds the command named by the leading words of `rest`. */
function findCommand(
  commands: readonly Command[],
  rest: readonly string[],
): { command: Command; args: string[] } | undefined {
  const matches = commands
    .filter((c) => {
      const words = c.name.split(' ');
      return words.every((w, i) => rest[i] === w);
    })
    .sort((a, b) => b.name.length - a.name.length);
  const command = matches[0];
  return command === undefined
    ? undefined
    : { command, args: rest.slice(command.name.split(' ').length) };
}

function commandHelp(c: Command): string {
  return [
    `${c.summary}.`,
    '',
    `Usage: ${c.usage}`,
    '',
    ...(c.optionHelp.length > 0 ? ['Options:', ...c.optionHelp.map((l) => `  ${l}`), ''] : []),
    'Global options:',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

function mainHelp(commands: readonly Command[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'tessera: an erasure-coded, capability-secured storage grid compatible with Tahoe-LAFS.',
    '',
    'Usage: tessera [-d DIR] COMMAND [OPTIONS] [ARGS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Global options:',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    '',
    'Run "tessera COMMAND --help" for a command\'s options.',
    '',
  ].join('\n');
}

/** Runs the command line `argv` with `commands`; returns the exit code. Never throws. */
export async function runCommandLine(
  argv: readonly string[],
  io: MainIo,
  commands: readonly Command[],
): Promise<number> {
  const fail = (err: unknown, verbose: boolean): number => {
    const e = err as Error & { code?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'CLI_INTERNAL';
    const usage = err instanceof UsageError;
    const message = e instanceof Error ? e.message : String(err);
    io.stderr.write(`tessera: ${message} (${code})\n`);
    if (usage) io.stderr.write('Run "tessera --help" for usage.\n');
    if (verbose && e instanceof Error) {
      if (e.cause !== undefined)
        io.stderr.write(`  caused by: ${String((e.cause as Error).message ?? e.cause)}\n`);
      if (code === 'CLI_INTERNAL' && e.stack) io.stderr.write(`${e.stack}\n`);
    }
    return usage ? 2 : 1;
  };
  let globals: Globals;
  try {
    globals = extractGlobals(argv);
  } catch (err) {
    return fail(err, false);
  }
  const { rest } = globals;
  if (rest.length === 0 || rest[0] === 'help') {
    const target = rest[0] === 'help' ? findCommand(commands, rest.slice(1)) : undefined;
    if (rest.length === 0 && !globals.help) {
      io.stderr.write(mainHelp(commands));
      return 2;
    }
    io.stdout.write(target ? commandHelp(target.command) : mainHelp(commands));
    return 0;
  }
  const found = findCommand(commands, rest);
  if (found === undefined) {
    if (globals.help) {
      io.stdout.write(mainHelp(commands));
      return 0;
    }
    return fail(new UsageError(`Unknown command "${rest.slice(0, 2).join(' ')}"`), false);
  }
  const { command, args } = found;
  if (globals.help) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError(`${(err as Error).message.replace(/\.$/, '')}`);
    }
    const [min, max] = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        `"${command.name}" takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}; usage: ${command.usage}`,
      );
    }
    const cwd = io.cwd ?? process.cwd();
    const nodeDir = resolveNodeDir(globals.nodeDir, io.env, cwd);
    const ctx: CommandContext = {
      args: parsed.positionals,
      values: parsed.values,
      nodeDir: nodeDir.dir,
      nodeDirGiven: nodeDir.given,
      cwd,
      sharedClient: io.sharedClient,
      json: globals.json,
      verbose: globals.verbose,
      stdin: io.stdin ?? process.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      signal: io.signal ?? new AbortController().signal,
    };
    return (await command.run(ctx)) ?? 0;
  } catch (err) {
    return fail(err, globals.verbose);
  }
}
