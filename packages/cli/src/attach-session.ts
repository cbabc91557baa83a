/**
 * One attached command inside a client node (`attach-protocol.ts`): read the command line's
 * header, check that the command is one this node runs for it and names the directory it
 * serves, then run it with stdin, stdout and stderr relayed over the connection, on the node's
 * open grid connection, and send the exit code. Nothing a command line sends can throw out of
 * here: bad bytes end that one connection, and the node goes on.
 */
import { setMaxListeners } from 'node:events';
import { realpath } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import {
  ATTACH_HEADER_TIMEOUT_MS,
  attachableCommand,
  decodeHeader,
  encodeChunks,
  encodeExit,
  encodeFrame,
  encodeRefuse,
  FrameDecoder,
  FrameType,
  type AttachHeader,
  type Frame,
} from './attach-protocol.ts';
import type { SharedClient } from './command.ts';
import type { MainIo } from './dispatch.ts';
import { CliError } from './errors.ts';
import type { NodeLogger } from './file-logger.ts';

/** Runs a command line, as `runCommandLine` does; returns its exit code and never throws. */
export type RunCommandLine = (argv: readonly string[], io: MainIo) => Promise<number>;

/** What a session needs from the node serving it. */
export interface SessionInit {
  /** The node directory served (resolved). */
  readonly dir: string;
  /** The node's grid connection once open; rejects when the node has none to lend. */
  readonly shared: () => Promise<SharedClient>;
  readonly logger: NodeLogger;
  readonly run: RunCommandLine;
}

/** One command line's connection. */
export interface AttachSession {
  /** Settles when the command (if any) has finished and its exit code was sent. */
  readonly done: Promise<void>;
  /** Aborts the running command with `reason`, or hangs up when none runs yet. */
  interrupt(reason: Error): void;
}

/** Serves one connection of a command line. */
export function attachSession(socket: Socket, init: SessionInit): AttachSession {
  return new Session(socket, init);
}

/** Writes frames; resolves once the socket takes more, or at once when it is gone. */
function send(socket: Socket, frames: readonly Buffer[]): Promise<void> {
  if (socket.destroyed) return Promise.resolve(); // the command line left: drop the output
  let ok = true;
  for (const frame of frames) ok = socket.write(frame);
  if (ok) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      socket.removeListener('drain', done);
      socket.removeListener('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/** A stdout or stderr whose writes go over the connection as frames of `type`. */
function relayOutput(
  socket: Socket,
  type: FrameType,
  tty: { isTTY: boolean; columns: number | null },
): Writable & { isTTY: boolean; columns?: number } {
  const out = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      void send(socket, encodeChunks(type, chunk)).then(() => callback());
    },
  });
  // A write after the end (a command's stray write) must not crash the node.
  out.on('error', () => undefined);
  return Object.assign(out, { isTTY: tty.isTTY, columns: tty.columns ?? undefined });
}

/** A stdin fed by STDIN frames; its first read asks the command line for them. */
interface RelayInput {
  readonly stream: Readable;
  /** False when the command line sends stdin it was not asked for, or after its end. */
  push(chunk: Buffer): boolean;
  end(): boolean;
}

function relayInput(socket: Socket): RelayInput {
  let wanted = false;
  let ended = false;
  const stream = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (!wanted) {
        wanted = true;
        void send(socket, [encodeFrame(FrameType.STDIN_WANTED)]);
      } else socket.resume();
    },
  });
  // Destroyed with a reason when the command line leaves; a command that never read it is fine.
  stream.on('error', () => undefined);
  return {
    stream,
    push(chunk) {
      if (!wanted || ended) return false;
      if (!stream.push(chunk)) socket.pause(); // resumed by the next read()
      return true;
    },
    end() {
      if (!wanted || ended) return false;
      ended = true;
      stream.push(null);
      return true;
    },
  };
}

/** True when two paths name the same directory. */
async function sameDir(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}

class Session implements AttachSession {
  readonly done: Promise<void>;
  readonly #socket: Socket;
  readonly #init: SessionInit;
  readonly #decoder = new FrameDecoder('cli');
  readonly #controller = new AbortController();
  readonly #headerTimer: NodeJS.Timeout;
  #state: 'header' | 'checking' | 'running' | 'closed' = 'header';
  #input: RelayInput | undefined;
  #lost = false;
  #finish!: () => void;

  constructor(socket: Socket, init: SessionInit) {
    this.#socket = socket;
    this.#init = init;
    // One command's signal is shared by every request it makes in parallel (as in bin.ts).
    setMaxListeners(0, this.#controller.signal);
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.#headerTimer = setTimeout(
      () => this.#violation('no header in time'),
      ATTACH_HEADER_TIMEOUT_MS,
    );
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.#onClose());
    socket.on('close', () => this.#onClose());
  }

  interrupt(reason: Error): void {
    if (this.#state === 'running') this.#controller.abort(reason);
    else this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#violation((err as Error).message);
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Frame): void {
    if (this.#state === 'header' && frame.type === FrameType.HEADER) {
      clearTimeout(this.#headerTimer);
      this.#state = 'checking';
      void this.#start(frame.payload);
    } else if (this.#state === 'running' && frame.type === FrameType.STDIN) {
      if (this.#input?.push(frame.payload) !== true) this.#violation('stdin not asked for');
    } else if (this.#state === 'running' && frame.type === FrameType.STDIN_END) {
      if (this.#input?.end() !== true) this.#violation('stdin end not expected');
    } else if (this.#state === 'running' && frame.type === FrameType.INTERRUPT) {
      const name = frame.payload.toString('utf8');
      // The same reason as an interrupted in-process command (bin.ts).
      this.#controller.abort(
        new Error(`Interrupted by ${name === 'SIGINT' || name === 'SIGTERM' ? name : 'a signal'}`),
      );
    } else if (this.#state !== 'closed') {
      this.#violation(`unexpected frame type ${frame.type}`);
    }
  }

  /** The command line broke the protocol: log it, abort any command, hang up. */
  #violation(detail: string): void {
    if (this.#state === 'closed') return;
    this.#init.logger.warn(`command line: ${detail}; hanging up`);
    if (this.#state === 'running') {
      this.#controller.abort(
        new CliError('CLI_ATTACH_PROTOCOL', `Cannot read the attach protocol: ${detail}`),
      );
    }
    this.#socket.destroy();
  }

  #onClose(): void {
    clearTimeout(this.#headerTimer);
    if (this.#state === 'running') {
      if (this.#lost) return;
      this.#lost = true;
      const reason = new CliError(
        'CLI_NODE_DETACHED',
        'Cannot finish the command: the command line closed its connection',
      );
      this.#controller.abort(reason);
      this.#input?.stream.destroy(reason);
    } else if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#finish();
    }
  }

  #refuse(reason: string): void {
    if (this.#state === 'closed') return;
    this.#init.logger.info(`command line refused: ${reason}`);
    this.#state = 'closed';
    this.#socket.end(encodeRefuse(reason));
    this.#finish();
  }

  async #start(payload: Buffer): Promise<void> {
    let header: AttachHeader;
    try {
      header = decodeHeader(payload);
    } catch (err) {
      this.#refuse((err as Error).message);
      return;
    }
    const target = attachableCommand(header.argv, header.env, header.cwd);
    if (target === undefined) {
      this.#refuse('not a command a client node runs for a command line');
      return;
    }
    let shared: SharedClient;
    try {
      if (!(await sameDir(target.nodeDir, this.#init.dir))) {
        this.#refuse(`this node serves "${this.#init.dir}", not "${target.nodeDir}"`);
        return;
      }
      shared = await this.#init.shared();
    } catch (err) {
      this.#refuse(`no grid connection to lend: ${(err as Error).message}`);
      return;
    }
    if (this.#state !== 'checking') return; // the command line left meanwhile
    this.#state = 'running';
    this.#socket.write(encodeFrame(FrameType.ACCEPT));
    await this.#run(header, target.command, shared);
  }

  async #run(header: AttachHeader, command: string, shared: SharedClient): Promise<void> {
    const { logger } = this.#init;
    const started = performance.now();
    logger.info(`attached command "${command}" started`);
    const stdout = relayOutput(this.#socket, FrameType.STDOUT, {
      isTTY: header.stdoutIsTTY,
      columns: header.columns,
    });
    const stderr = relayOutput(this.#socket, FrameType.STDERR, {
      isTTY: header.stderrIsTTY,
      columns: header.columns,
    });
    this.#input = relayInput(this.#socket);
    let code: number;
    try {
      code = await this.#init.run(header.argv, {
        stdin: this.#input.stream,
        stdout,
        stderr,
        env: { ...header.env },
        cwd: header.cwd,
        signal: this.#controller.signal,
        sharedClient: shared,
      });
    } catch (err) {
      logger.error(`attached command "${command}" threw: ${(err as Error).message}`);
      code = 1;
    }
    await Promise.all([stdout, stderr].map((w) => new Promise<void>((r) => w.end(() => r()))));
    this.#input.stream.destroy();
    this.#state = 'closed';
    if (!this.#socket.destroyed) {
      this.#socket.resume();
      this.#socket.end(encodeExit(Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1));
    }
    const ms = Math.round(performance.now() - started);
    logger.info(
      `attached command "${command}" ended: exit ${code} in ${ms} ms${this.#lost ? ' (the command line went away)' : ''}`,
    );
    this.#finish();
  }
}
