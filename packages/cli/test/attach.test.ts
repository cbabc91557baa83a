/**
 * The attach server and client in one process, with a fake command runner: relaying, stdin on
 * demand, aborts, refusals, stale sockets, a second node, garbage bytes. The grid test
 * (test-grid/test/attach.test.ts) runs the real commands in real processes.
 */
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runAttached, type AttachIo } from '../src/attach-client.ts';
import { encodeFrame, FrameType } from '../src/attach-protocol.ts';
import { openAttachServer, type AttachServer } from '../src/attach-server.ts';
import type { RunCommandLine } from '../src/attach-session.ts';
import type { SharedClient } from '../src/command.ts';
import type { MainIo } from '../src/dispatch.ts';
import type { NodeLogger } from '../src/file-logger.ts';

const root = mkdtempSync(join(tmpdir(), 'tessera-attach-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function nodeDir(): string {
  const dir = join(root, `n${n++}`);
  mkdirSync(join(dir, 'private'), { recursive: true, mode: 0o700 });
  return dir;
}

function memoryLogger(): NodeLogger & { lines: string[] } {
  const lines: string[] = [];
  const line = (m: string): void => void lines.push(m);
  return { lines, debug: line, info: line, warn: line, error: line, close: async () => {} };
}

const shared = { grid: {}, logger: memoryLogger() } as unknown as Omit<SharedClient, 'dir'>;

const servers: AttachServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  run: (...args: Parameters<RunCommandLine>) => number | Promise<number>,
  dir = nodeDir(),
): Promise<{ dir: string; server: AttachServer; logger: ReturnType<typeof memoryLogger> }> {
  const logger = memoryLogger();
  const server = await openAttachServer(dir, {
    logger,
    run: (argv, io) => Promise.resolve(run(argv, io)),
  });
  if (server === undefined) throw new Error(`no server: ${logger.lines.join('; ')}`);
  servers.push(server);
  server.serve({ ...shared, dir });
  return { dir, server, logger };
}

interface Captured {
  io: AttachIo;
  stdout: () => string;
  stderr: () => string;
  stdinCalls: () => number;
  stdin: PassThrough;
  signals: EventEmitter;
}

function capture(cwd = '/'): Captured {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const stdin = new PassThrough();
  const signals = new EventEmitter();
  let stdinCalls = 0;
  return {
    io: {
      env: {},
      cwd,
      stdin: () => {
        stdinCalls++;
        return stdin;
      },
      stdout: out,
      stderr: Object.assign(err, { isTTY: true, columns: 99 }),
      signals,
    },
    stdout: () => Buffer.concat(chunks.out).toString(),
    stderr: () => Buffer.concat(chunks.err).toString(),
    stdinCalls: () => stdinCalls,
    stdin,
    signals,
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream as Readable) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts).toString();
}

/** A promise and its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when `signal` aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((r) => signal.addEventListener('abort', () => r(signal.reason)));
}

describe('attached commands', () => {
  it('relays argv, cwd, TTY flags, stdout, stderr and the exit code', async () => {
    let seen: { argv: readonly string[]; io: MainIo } | undefined;
    const { dir, logger } = await serve((argv, io) => {
      seen = { argv, io };
      io.stdout.write('x'.repeat(3 * 1024 * 1024));
      io.stderr.write('progress\n');
      return 3;
    });
    const c = capture('/somewhere');
    const argv = ['-d', dir, 'put', 'file.bin'];
    expect(await runAttached(argv, c.io)).toBe(3);
    expect(c.stdout()).toHaveLength(3 * 1024 * 1024);
    expect(c.stderr()).toBe('progress\n');
    expect(seen?.argv).toEqual(argv);
    expect(seen?.io.cwd).toBe('/somewhere');
    expect(seen?.io.sharedClient?.dir).toBe(dir);
    expect(seen?.io.stderr.isTTY).toBe(true);
    expect((seen?.io.stderr as { columns?: number }).columns).toBe(99);
    expect(c.stdinCalls()).toBe(0); // never touched: the command did not read stdin
    expect(logger.lines.some((l) => l.includes('attached command "put" ended: exit 3'))).toBe(true);
    // The socket is the owner's only.
    expect(statSync(join(dir, 'private', 'cli.sock')).mode & 0o777).toBe(0o600);
  });

  it('sends no columns for a terminal of unknown size', async () => {
    let columns: number | undefined = 1;
    const { dir } = await serve((_argv, io) => {
      columns = (io.stderr as { columns?: number }).columns;
      return 0;
    });
    const c = capture();
    Object.assign(c.io.stderr, { columns: 0 });
    expect(await runAttached(['-d', dir, 'servers'], c.io)).toBe(0);
    expect(columns).toBeUndefined();
  });

  it('asks for stdin only when the command reads it', async () => {
    const { dir } = await serve(async (_argv, io) => {
      io.stdout.write((await readAll(io.stdin!)).toUpperCase());
      return 0;
    });
    const c = capture();
    const run = runAttached(['-d', dir, 'put', '-'], c.io);
    c.stdin.write('hello ');
    c.stdin.end('world');
    expect(await run).toBe(0);
    expect(c.stdout()).toBe('HELLO WORLD');
    expect(c.stdinCalls()).toBe(1);
  });

  it('declines, so the command runs in-process, for other commands, dirs, and no node', async () => {
    let runs = 0;
    const { dir } = await serve(() => {
      runs++;
      return 0;
    });
    const c = capture();
    expect(await runAttached(['-d', dir, 'run', dir], c.io)).toBeUndefined();
    expect(await runAttached(['-d', dir, 'put', '--help'], c.io)).toBeUndefined();
    expect(await runAttached(['-d', nodeDir(), 'put', 'f'], c.io)).toBeUndefined();
    expect(await runAttached(['-d', join(root, 'none'), 'servers'], c.io)).toBeUndefined();
    expect(runs).toBe(0);
    expect(c.stdout() + c.stderr()).toBe('');
  });

  it('refuses a header naming another directory (the node checks too)', async () => {
    const { dir, logger } = await serve(() => 0);
    const other = nodeDir();
    const socket = createConnection(join(dir, 'private', 'cli.sock'));
    const header = {
      version: 1,
      argv: ['-d', other, 'servers'],
      cwd: '/',
      stdoutIsTTY: false,
      stderrIsTTY: false,
      columns: null,
      env: {},
    };
    socket.write(encodeFrame(FrameType.HEADER, Buffer.from(JSON.stringify(header))));
    const [reply] = (await once(socket, 'data')) as [Buffer];
    expect(reply[0]).toBe(FrameType.REFUSE);
    expect(logger.lines.some((l) => l.includes('refused') && l.includes(other))).toBe(true);
  });

  it('aborts the command when the command line goes away, and keeps serving', async () => {
    let signal: AbortSignal | undefined;
    const started = deferred();
    const { dir, logger } = await serve(async (argv, io) => {
      if (argv.includes('slow')) {
        signal = io.signal;
        started.resolve();
        const reason = await aborted(io.signal!);
        io.stderr.write(`tessera: ${(reason as Error).message}\n`);
        return 1;
      }
      io.stdout.write('fine');
      return 0;
    });
    const c = capture();
    void runAttached(['-d', dir, 'put', 'slow'], c.io);
    await started.promise;
    // A closed stdout pipe makes the command line hang up, as a killed one would.
    c.io.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await new Promise<void>((r) => signal!.addEventListener('abort', () => r()));
    expect((signal!.reason as { code?: string }).code).toBe('CLI_NODE_DETACHED');
    const again = capture();
    expect(await runAttached(['-d', dir, 'get', 'URI:x'], again.io)).toBe(0);
    expect(again.stdout()).toBe('fine');
    expect(c.stderr()).toBe('tessera: write EPIPE (EPIPE)\n');
    await expect
      .poll(() => logger.lines.find((l) => l.includes('"put" ended')))
      .toContain('exit 1');
    expect(logger.lines.find((l) => l.includes('"put" ended'))).toContain(
      'the command line went away',
    );
  });

  it('relays SIGINT as an interrupt with the in-process message', async () => {
    const started = deferred();
    const { dir } = await serve(async (_argv, io) => {
      started.resolve();
      const reason = await aborted(io.signal!);
      io.stderr.write(`tessera: ${(reason as Error).message} (CLI_INTERNAL)\n`);
      return 1;
    });
    const c = capture();
    const run = runAttached(['-d', dir, 'servers'], c.io);
    await started.promise;
    // The command line listens for signals once it has read ACCEPT.
    await expect.poll(() => c.signals.listenerCount('SIGINT')).toBe(1);
    c.signals.emit('SIGINT', 'SIGINT');
    expect(await run).toBe(1);
    expect(c.stderr()).toBe('tessera: Interrupted by SIGINT (CLI_INTERNAL)\n');
    expect(c.signals.listenerCount('SIGINT') + c.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('reports a node lost mid-command on one line with exit 1', async () => {
    const started = deferred();
    const { dir, server } = await serve(async (_argv, io) => {
      started.resolve();
      await aborted(io.signal!);
      return 0;
    });
    const c = capture();
    const run = runAttached(['-d', dir, 'servers'], c.io);
    await started.promise;
    // A stopping node interrupts its commands, which still send their exit codes.
    await server.close();
    expect(await run).toBe(0);
    expect(existsSync(join(dir, 'private', 'cli.sock'))).toBe(false);
  });

  it('survives garbage bytes, bad headers and silent connections', async () => {
    const { dir, logger } = await serve((_argv, io) => {
      io.stdout.write('ok');
      return 0;
    });
    const path = join(dir, 'private', 'cli.sock');
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      encodeFrame(FrameType.HEADER, Buffer.from('{"version":1}')),
      encodeFrame(FrameType.STDIN, Buffer.from('unasked')),
      encodeFrame(FrameType.HEADER, Buffer.alloc(200_000, 0x7b)),
    ];
    for (const bytes of garbage) {
      const s = createConnection(path);
      s.on('error', () => undefined);
      s.resume();
      s.end(bytes);
      await once(s, 'close');
    }
    const silent = createConnection(path);
    silent.on('error', () => undefined);
    silent.resume();
    await once(silent, 'connect');
    silent.destroy();
    const c = capture();
    expect(await runAttached(['-d', dir, 'servers'], c.io)).toBe(0);
    expect(c.stdout()).toBe('ok');
    expect(logger.lines.filter((l) => l.includes('hanging up')).length).toBeGreaterThan(0);
  });
});

describe('the command-line socket', () => {
  it('fails clearly when another node serves the directory', async () => {
    const { dir } = await serve(() => 0);
    await expect(openAttachServer(dir, { logger: memoryLogger() })).rejects.toMatchObject({
      code: 'CLI_NODE_RUNNING',
    });
  });

  it('replaces the stale socket of a killed node', async () => {
    const dir = nodeDir();
    const path = join(dir, 'private', 'cli.sock');
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    await once(child, 'exit');
    expect(statSync(path).isSocket()).toBe(true);
    const { logger } = await serve((_argv, io) => {
      io.stdout.write('new');
      return 0;
    }, dir);
    expect(logger.lines.some((l) => l.includes('removed the stale socket'))).toBe(true);
    const c = capture();
    expect(await runAttached(['-d', dir, 'servers'], c.io)).toBe(0);
    expect(c.stdout()).toBe('new');
  });

  it('runs without a socket when the path is too long, and tightens private/', async () => {
    const long = join(root, 'l'.repeat(120));
    const logger = memoryLogger();
    expect(await openAttachServer(long, { logger })).toBeUndefined();
    expect(logger.lines[0]).toMatch(/longer than 107 bytes/);
    const dir = nodeDir();
    rmSync(join(dir, 'private'), { recursive: true });
    mkdirSync(join(dir, 'private'), { mode: 0o755 });
    await serve(() => 0, dir);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
  });
});
