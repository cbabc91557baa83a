/**
 * Argument dispatch, help, and the exit-code contract (CLI.md "Conventions"): 0 success,
 * 1 failure with one line `tessera: <message> (<CODE>)` on stderr, 2 usage error.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { UsageError } from './errors.ts';
import { resolveNodeDir } from './node-dir.ts';

/** Where the CLI writes, and what it reads from its environment. */
export interface MainIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const GLOBAL_HELP = [
  '-d, --node-dir DIR   the node directory (default $TESSERA_NODE_DIR, else ~/.tessera)',
  '    --json           machine-readable output on stdout',
  '    --verbose        more detail in error messages',
  '-h, --help           show help',
];

interface Globals {
  nodeDir?: string;
  json: boolean;
  verbose: boolean;
  help: boolean;
  rest: string[];
}

/** Pulls the global options out of argv, wherever they stand. */
function extractGlobals(argv: readonly string[]): Globals {
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

/** Finds the command named by the leading words of `rest`. */
function findCommand(rest: readonly string[]): { command: Command; args: string[] } | undefined {
  const matches = COMMANDS.filter((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => rest[i] === w);
  }).sort((a, b) => b.name.length - a.name.length);
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

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tessera: an erasure-coded, capability-secured storage grid compatible with Tahoe-LAFS.',
    '',
    'Usage: tessera [-d DIR] COMMAND [OPTIONS] [ARGS]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Global options:',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    '',
    'Run "tessera COMMAND --help" for a command\'s options.',
    '',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
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
    const target = rest[0] === 'help' ? findCommand(rest.slice(1)) : undefined;
    if (rest.length === 0 && !globals.help) {
      io.stderr.write(mainHelp());
      return 2;
    }
    io.stdout.write(target ? commandHelp(target.command) : mainHelp());
    return 0;
  }
  const found = findCommand(rest);
  if (found === undefined) {
    if (globals.help) {
      io.stdout.write(mainHelp());
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
    const nodeDir = resolveNodeDir(globals.nodeDir, io.env);
    const ctx: CommandContext = {
      args: parsed.positionals,
      values: parsed.values,
      nodeDir: nodeDir.dir,
      nodeDirGiven: nodeDir.given,
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
