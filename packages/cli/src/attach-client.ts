/**
 * The command line's side of an attached command (`attach-protocol.ts`): connect to the client
 * node serving the command's node directory, hand it the command, and relay stdin, stdout,
 * stderr and the exit code. Anything that fails before the node accepts means "not attached":
 * nothing has been read or written yet, and the caller runs the command itself.
 */
import { lstatSync } from 'node:fs';
import type { Socket } from 'node:net';
import {
  ATTACH_ACCEPT_TIMEOUT_MS,
  ATTACH_CONNECT_TIMEOUT_MS,
  ATTACH_ENV_VARS,
  ATTACH_PROTOCOL_VERSION,
  attachableCommand,
  cliSocketPath,
  encodeChunks,
  encodeFrame,
  encodeHeader,
  encodeInterrupt,
  FrameDecoder,
  FrameType,
  type Frame,
} from './attach-protocol.ts';

/** The process a command line runs in, as `runAttached` uses it. */
export interface AttachIo {
  readonly env: NodeJS.ProcessEnv;
  /** Absolute. */
  readonly cwd: string;
  /** Called only when the node asks for stdin, so a terminal is left alone otherwise. */
  stdin(): NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where SIGINT and SIGTERM arrive; the first of each is relayed once the node accepts. */
  readonly signals?: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Connects to a Unix socket; undefined when nothing listens there (or not in time). */
async function connect(path: string): Promise<Socket | undefined> {
  // No socket file, the usual case without a client node: decide before loading `node:net`
  // (~3 ms of the in-process path's start-up).
  try {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSocket() !== true) return undefined;
  } catch {
    return undefined; // ENOTDIR, EACCES, …: the full CLI reports what is wrong with the directory
  }
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, ATTACH_CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    // ENOENT (no node), ECONNREFUSED (a stale socket), ENOTSOCK, EACCES, …: run in-process.
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
  });
}

/**
 * Runs `argv` in the client node serving its node directory, when one does.
 * @returns the command's exit code, or undefined when no node took the command (run it here)
 * @example
 * ```ts
 * const code = await runAttached(process.argv.slice(2), io);
 * if (code === undefined) await runInProcess();
 * ```
 */
export async function runAttached(
  argv: readonly string[],
  io: AttachIo,
): Promise<number | undefined> {
  const target = attachableCommand(argv, io.env, io.cwd);
  if (target === undefined) return undefined;
  const path = cliSocketPath(target.nodeDir);
  if (path === undefined) return undefined;
  const socket = await connect(path);
  if (socket === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const name of ATTACH_ENV_VARS) {
    const value = io.env[name];
    if (value !== undefined) env[name] = value;
  }
  const stderrIsTTY = io.stderr.isTTY === true;
  const columns = io.stderr.columns; // 0 in a terminal of unknown size
  socket.write(
    encodeHeader({
      version: ATTACH_PROTOCOL_VERSION,
      argv,
      cwd: io.cwd,
      stdoutIsTTY: io.stdout.isTTY === true,
      stderrIsTTY,
      columns:
        stderrIsTTY && columns !== undefined && columns >= 1 ? Math.min(columns, 65535) : null,
      env,
    }),
  );
  return relay(socket, target.command, io);
}

/** Relays one attached command until its exit code (or until the node refuses it). */
function relay(socket: Socket, command: string, io: AttachIo): Promise<number | undefined> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder('node');
    let accepted = false;
    let done = false;
    let input: NodeJS.ReadableStream | undefined;
    let outputBlocked = false;

    const onSignal = (signal: NodeJS.Signals): void => {
      if (!done) socket.write(encodeInterrupt(signal));
    };
    const onInput = (chunk: Buffer | string): void => {
      let ok = true;
      for (const frame of encodeChunks(FrameType.STDIN, Buffer.from(chunk)))
        ok = socket.write(frame);
      if (!ok && input !== undefined) {
        input.pause();
        socket.once('drain', () => input?.resume());
      }
    };
    const onInputEnd = (): void => {
      if (!done) socket.write(encodeFrame(FrameType.STDIN_END));
    };
    const onInputError = (err: Error): void => {
      fail(`Cannot read stdin: ${err.message}`, 'CLI_CANNOT_READ');
    };

    const finish = (code: number | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(acceptTimer);
      for (const signal of SIGNALS) io.signals?.removeListener(signal, onSignal);
      io.stdout.removeListener('error', onOutputError);
      if (input !== undefined) {
        input.removeListener('data', onInput);
        input.removeListener('end', onInputEnd);
        input.removeListener('error', onInputError);
        input.pause();
      }
      // Closing the connection before EXIT tells the node to abort the command.
      socket.destroy();
      resolve(code);
    };
    const fail = (message: string, code: string): void => {
      if (done) return;
      io.stderr.write(`tessera: ${message} (${code})\n`);
      finish(1);
    };
    /** The connection broke: before ACCEPT, run the command here; after, it failed. */
    const broken = (message: string, code: string): void => {
      if (accepted) fail(message, code);
      else finish(undefined);
    };
    const lost = (): void =>
      broken(`Cannot finish "${command}": the client node closed the connection`, 'CLI_NODE_LOST');
    const unexpected = (frame: Frame): void =>
      broken(
        `Cannot read the attach protocol: unexpected frame type ${frame.type}`,
        'CLI_ATTACH_PROTOCOL',
      );
    // A closed pipe (`| head`): stop the command, and say so as an in-process command would.
    const onOutputError = (err: NodeJS.ErrnoException): void =>
      fail(err.message, err.code ?? 'CLI_INTERNAL');
    const acceptTimer = setTimeout(() => finish(undefined), ATTACH_ACCEPT_TIMEOUT_MS);

    const handle = (frame: Frame): void => {
      if (!accepted) {
        if (frame.type === FrameType.ACCEPT) {
          accepted = true;
          clearTimeout(acceptTimer);
          for (const signal of SIGNALS) io.signals?.once(signal, onSignal);
        } else if (frame.type === FrameType.REFUSE) finish(undefined);
        else unexpected(frame);
        return;
      }
      switch (frame.type) {
        case FrameType.STDOUT:
          if (!io.stdout.write(frame.payload) && !outputBlocked) {
            outputBlocked = true;
            socket.pause();
            io.stdout.once('drain', () => {
              outputBlocked = false;
              socket.resume();
            });
          }
          break;
        case FrameType.STDERR:
          io.stderr.write(frame.payload);
          break;
        case FrameType.STDIN_WANTED:
          if (input === undefined) {
            input = io.stdin();
            input.on('data', onInput);
            input.once('end', onInputEnd);
            input.once('error', onInputError);
          }
          break;
        case FrameType.EXIT:
          finish(frame.payload[0]);
          break;
        default:
          unexpected(frame);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        broken((err as Error).message, 'CLI_ATTACH_PROTOCOL');
        return;
      }
      for (const frame of frames) {
        if (done) return;
        handle(frame);
      }
    });
    socket.on('error', lost);
    socket.on('close', lost);
    io.stdout.once('error', onOutputError);
  });
}
