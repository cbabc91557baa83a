/**
 * A client node's command-line socket, `DIR/private/cli.sock` (docs/ARCHITECTURE.md "Attached
 * commands"): `tessera put`, `get` and `servers` on DIR connect to it and the node runs them on
 * its open grid connection. The socket is the owner's only (mode 0600 in the 0700 `private/`),
 * one node serves a directory at a time, and a clean stop removes it; the socket of a node that
 * was killed is found stale (nothing answers) and replaced.
 */
import { chmod, lstat, mkdir, rm, stat } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import {
  ATTACH_CONNECT_TIMEOUT_MS,
  CLI_SOCKET_PATH,
  cliSocketPath,
  encodeRefuse,
  MAX_SOCKET_PATH_BYTES,
} from './attach-protocol.ts';
import { attachSession, type AttachSession, type RunCommandLine } from './attach-session.ts';
import type { Command, SharedClient } from './command.ts';
import { get } from './commands/get.ts';
import { put } from './commands/put.ts';
import { servers } from './commands/servers.ts';
import { runCommandLine } from './dispatch.ts';
import { CliError } from './errors.ts';
import type { NodeLogger } from './file-logger.ts';

/** The commands a node runs for command lines: those named by ATTACHED_COMMANDS. */
export const ATTACHED_COMMAND_LIST: readonly Command[] = [put, get, servers];

/** Attached commands a node runs at once; more command lines run their commands themselves. */
export const MAX_ATTACHED_COMMANDS = 32;

/** How long a stopping node waits for interrupted attached commands to send their exit codes. */
export const ATTACH_STOP_GRACE_MS = 5_000;

/** A client node's listening command-line socket. */
export interface AttachServer {
  readonly socketPath: string;
  /** Starts lending `shared` to attached commands (until then, they wait). */
  serve(shared: SharedClient): void;
  /** Stops listening, interrupts running commands, waits for them (bounded); idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openAttachServer}. */
export interface AttachServerInit {
  readonly logger: NodeLogger;
  /** Runs an accepted command line (tests); default: `runCommandLine` with ATTACHED_COMMAND_LIST. */
  readonly run?: RunCommandLine;
}

/** Resolves after `ms` at the latest. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(path);
  });
}

/** True when something accepts connections on `path` (a node that does not answer in time counts). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (yes: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(true), ATTACH_CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Makes sure `private/` exists and is the owner's only: the socket's mode alone is not enough. */
async function ensurePrivate(dir: string, logger: NodeLogger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o077) !== 0) {
    await chmod(dir, 0o700);
    logger.warn(`made "${dir}" private (mode 0700): it holds the node's secrets and socket`);
  }
}

/**
 * Listens on `DIR/private/cli.sock`, replacing a stale socket.
 * @returns undefined when the path is too long for a Unix socket or cannot be listened on (logged:
 * commands then run in their own processes)
 * @throws {CliError} CLI_NODE_RUNNING when another node answers on the socket
 * @example
 * ```ts
 * const cli = await openAttachServer(dir, { logger });
 * const grid = await openGridClient({ ... });
 * cli?.serve({ dir, grid, logger });
 * // …
 * await cli?.close();
 * ```
 */
export async function openAttachServer(
  dir: string,
  init: AttachServerInit,
): Promise<AttachServer | undefined> {
  const { logger } = init;
  const path = cliSocketPath(dir);
  if (path === undefined) {
    logger.warn(
      `not serving command lines: "${join(dir, ...CLI_SOCKET_PATH)}" is longer than ${MAX_SOCKET_PATH_BYTES} bytes, so commands run in their own processes`,
    );
    return undefined;
  }
  const server = createServer();
  try {
    await ensurePrivate(dirname(path), logger);
    try {
      await listen(server, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      if (await answers(path)) {
        throw new CliError(
          'CLI_NODE_RUNNING',
          `Cannot run "${dir}": another client node runs there (it answers on "${path}")`,
        );
      }
      const found = await lstat(path).catch(() => undefined);
      if (found !== undefined && !found.isSocket())
        throw new Error('it exists and is not a socket');
      await rm(path, { force: true }); // left by a node that was killed
      logger.info(`removed the stale socket "${path}"`);
      await listen(server, path);
    }
    await chmod(path, 0o600);
  } catch (err) {
    server.close();
    if (err instanceof CliError) throw err;
    logger.warn(`not serving command lines on "${path}": ${(err as Error).message}`);
    return undefined;
  }
  return attachServer(server, path, dir, init);
}

function attachServer(
  server: Server,
  path: string,
  dir: string,
  init: AttachServerInit,
): AttachServer {
  const { logger } = init;
  const run: RunCommandLine =
    init.run ?? ((argv, io) => runCommandLine(argv, io, ATTACHED_COMMAND_LIST));
  let lend!: (shared: SharedClient) => void;
  let withdraw!: (err: Error) => void;
  const lent = new Promise<SharedClient>((resolve, reject) => {
    lend = resolve;
    withdraw = reject;
  });
  lent.catch(() => undefined); // sessions that wait on it see the rejection themselves
  const sessions = new Set<AttachSession>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined); // each session handles its socket's end
    if (closing !== undefined || sessions.size >= MAX_ATTACHED_COMMANDS) {
      socket.end(encodeRefuse(closing ? 'the client node is stopping' : 'too many commands'));
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const session = attachSession(socket, { dir, shared: () => lent, logger, run });
    sessions.add(session);
    void session.done.then(() => sessions.delete(session));
  });
  server.on('error', (err) => logger.warn(`command-line socket: ${err.message}`));

  return {
    socketPath: path,
    serve(shared) {
      lend(shared);
      logger.info(`serving command lines on "${path}"`);
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        const reason = new CliError(
          'CLI_NODE_STOPPING',
          'Cannot finish the command: the client node is stopping',
        );
        withdraw(reason);
        for (const session of sessions) session.interrupt(reason);
        await within(ATTACH_STOP_GRACE_MS, Promise.all([...sessions].map((s) => s.done)));
        for (const socket of sockets) socket.destroy();
        await stopped; // the listening socket's file is removed as it closes
      })();
      return closing;
    },
  };
}
