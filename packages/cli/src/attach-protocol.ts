/**
 * The attach protocol: how a `tessera` command line hands a command to the client node running
 * on its node directory, over the Unix socket `DIR/private/cli.sock` (docs/ARCHITECTURE.md
 * "Attached commands").
 *
 * Every frame is `[type: u8][length: u32 big-endian][payload]`, with a size cap per type.
 * The command line sends HEADER; the node answers ACCEPT, or REFUSE (the command line then runs
 * the command itself: nothing has been read or written yet). After ACCEPT the node sends STDOUT
 * and STDERR chunks, STDIN_WANTED when the command starts reading stdin, and one EXIT; the
 * command line sends STDIN chunks and STDIN_END once asked, and INTERRUPT on SIGINT or SIGTERM.
 * Closing the connection aborts the command.
 *
 * The header is JSON, not the grid's MessagePack: this module goes into the small attach bundle,
 * which must load in a few milliseconds with nothing but `node:` imports.
 */
import { isAbsolute, join } from 'node:path';
import { AttachProtocolError } from './errors.ts';
import { extractGlobals, resolveNodeDir } from './globals.ts';

/** Sent in every header; a node refuses (and the command runs in-process) on any other. */
export const ATTACH_PROTOCOL_VERSION = 1;

/** The commands a client node runs for an attached command line: those using its grid connection. */
export const ATTACHED_COMMANDS: readonly string[] = ['put', 'get', 'servers'];

/** The environment variables the attached commands read, forwarded in the header. */
export const ATTACH_ENV_VARS: readonly string[] = ['TESSERA_NODE_DIR', 'HOME'];

/** The socket's path inside the node directory. */
export const CLI_SOCKET_PATH: readonly string[] = ['private', 'cli.sock'];

/** The longest Unix socket path Linux accepts (`sun_path` is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** How long a command line waits to connect before it runs the command itself. */
export const ATTACH_CONNECT_TIMEOUT_MS = 2_000;
/** How long a command line waits for ACCEPT or REFUSE before it runs the command itself. */
export const ATTACH_ACCEPT_TIMEOUT_MS = 10_000;
/** How long a node waits for a new connection's header before it hangs up. */
export const ATTACH_HEADER_TIMEOUT_MS = 10_000;

/** Frame types: 1-15 sent by the command line, 16-31 by the node. */
export const FrameType = {
  HEADER: 1,
  STDIN: 2,
  STDIN_END: 3,
  INTERRUPT: 4,
  ACCEPT: 16,
  REFUSE: 17,
  STDIN_WANTED: 18,
  STDOUT: 19,
  STDERR: 20,
  EXIT: 21,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** The largest header payload (argv, cwd, env as JSON). */
export const MAX_HEADER_BYTES = 256 * 1024;
/** The largest stdin, stdout or stderr chunk in one frame; bigger writes are split. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** The largest REFUSE reason. */
const MAX_REASON_BYTES = 1024;
/** The largest INTERRUPT payload: a signal name. */
const MAX_SIGNAL_NAME_BYTES = 16;
const MAX_ARGS = 4096;
const MAX_STRING_CHARS = 16 * 1024;
const FRAME_PREFIX_BYTES = 5;

/** Payload size limits [least, most] of each type, by which side sends it. */
const LIMITS: Record<'cli' | 'node', ReadonlyMap<number, readonly [number, number]>> = {
  cli: new Map([
    [FrameType.HEADER, [2, MAX_HEADER_BYTES]],
    [FrameType.STDIN, [0, MAX_CHUNK_BYTES]],
    [FrameType.STDIN_END, [0, 0]],
    [FrameType.INTERRUPT, [1, MAX_SIGNAL_NAME_BYTES]],
  ]),
  node: new Map([
    [FrameType.ACCEPT, [0, 0]],
    [FrameType.REFUSE, [0, MAX_REASON_BYTES]],
    [FrameType.STDIN_WANTED, [0, 0]],
    [FrameType.STDOUT, [0, MAX_CHUNK_BYTES]],
    [FrameType.STDERR, [0, MAX_CHUNK_BYTES]],
    [FrameType.EXIT, [1, 1]],
  ]),
};

/** One decoded frame. */
export interface Frame {
  readonly type: FrameType;
  readonly payload: Buffer;
}

/** What the command line tells the node about itself before the command runs. */
export interface AttachHeader {
  readonly version: number;
  readonly argv: readonly string[];
  /** Absolute; relative paths in argv resolve against it. */
  readonly cwd: string;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** The terminal's width, or null when stderr is not a terminal. */
  readonly columns: number | null;
  /** Only names in ATTACH_ENV_VARS. */
  readonly env: Readonly<Record<string, string>>;
}

/** Encodes one frame. @throws {RangeError} when the payload is larger than a u32 */
export function encodeFrame(type: FrameType, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (payload.length > 0xffffffff) throw new RangeError('Frame payload too large');
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + payload.length);
  frame[0] = type;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, FRAME_PREFIX_BYTES);
  return frame;
}

/** Encodes `data` as frames of `type`, each at most MAX_CHUNK_BYTES (none for empty data). */
export function encodeChunks(type: FrameType, data: Uint8Array): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) {
    frames.push(encodeFrame(type, data.subarray(at, at + MAX_CHUNK_BYTES)));
  }
  return frames;
}

/** Encodes the header frame. */
export function encodeHeader(header: AttachHeader): Buffer {
  return encodeFrame(FrameType.HEADER, Buffer.from(JSON.stringify(header)));
}

/** Encodes the EXIT frame. @throws {RangeError} when `code` is not 0-255 */
export function encodeExit(code: number): Buffer {
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new RangeError('Bad exit code');
  return encodeFrame(FrameType.EXIT, Uint8Array.of(code));
}

/** Encodes a REFUSE frame; the reason is cut to fit. */
export function encodeRefuse(reason: string): Buffer {
  return encodeFrame(FrameType.REFUSE, Buffer.from(reason).subarray(0, MAX_REASON_BYTES));
}

/** Encodes an INTERRUPT frame. @throws {RangeError} when the name is empty or too long */
export function encodeInterrupt(signal: string): Buffer {
  const name = Buffer.from(signal);
  if (name.length < 1 || name.length > MAX_SIGNAL_NAME_BYTES) {
    throw new RangeError('Bad signal name');
  }
  return encodeFrame(FrameType.INTERRUPT, name);
}

/**
 * Splits a byte stream from one side into frames, checking each type and size as soon as its
 * 5-byte prefix arrives (nothing is buffered past a frame's limit). After an error it stays broken.
 */
export class FrameDecoder {
  readonly #limits: ReadonlyMap<number, readonly [number, number]>;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #broken: AttachProtocolError | undefined;

  /** `from`: the side whose frames this decodes. */
  constructor(from: 'cli' | 'node') {
    this.#limits = LIMITS[from];
  }

  /**
   * Adds bytes; returns the frames they complete.
   * @throws {AttachProtocolError} CLI_ATTACH_PROTOCOL on an unknown type or a size out of limits
   */
  push(chunk: Uint8Array): Frame[] {
    if (this.#broken !== undefined) throw this.#broken;
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.#buffered >= FRAME_PREFIX_BYTES) {
      const prefix = this.#peek(FRAME_PREFIX_BYTES);
      const type = prefix[0];
      const length = prefix.readUInt32BE(1);
      const limit = this.#limits.get(type);
      if (limit === undefined) this.#fail(`unexpected frame type ${type}`);
      else if (length < limit[0] || length > limit[1]) {
        this.#fail(`frame of type ${type} has ${length} bytes, expected ${limit[0]}-${limit[1]}`);
      }
      if (this.#buffered < FRAME_PREFIX_BYTES + length) break;
      const frame = this.#take(FRAME_PREFIX_BYTES + length);
      frames.push({ type: type as FrameType, payload: frame.subarray(FRAME_PREFIX_BYTES) });
    }
    return frames;
  }

  #fail(detail: string): never {
    this.#broken = new AttachProtocolError(`Cannot read the attach protocol: ${detail}`);
    this.#chunks = [];
    this.#buffered = 0;
    throw this.#broken;
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Buffer {
    if (this.#chunks[0].length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0].subarray(0, n);
  }

  /** Consumes and returns the first `n` buffered bytes. */
  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      out = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#buffered -= n;
    return out;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkString(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length > MAX_STRING_CHARS || v.includes('\0')) {
    throw new AttachProtocolError(`Cannot read the attach header: bad ${what}`);
  }
  return v;
}

/**
 * Decodes and validates a HEADER payload.
 * @throws {AttachProtocolError} CLI_ATTACH_PROTOCOL when it is not a valid header of this version
 */
export function decodeHeader(payload: Uint8Array): AttachHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new AttachProtocolError('Cannot read the attach header: not JSON');
  }
  if (!isRecord(raw)) throw new AttachProtocolError('Cannot read the attach header: not an object');
  if (raw.version !== ATTACH_PROTOCOL_VERSION) {
    throw new AttachProtocolError(
      `Cannot read the attach header: not version ${ATTACH_PROTOCOL_VERSION}`,
    );
  }
  const { argv, cwd, stdoutIsTTY, stderrIsTTY, columns, env } = raw;
  if (!Array.isArray(argv) || argv.length > MAX_ARGS) {
    throw new AttachProtocolError('Cannot read the attach header: bad argv');
  }
  const args = argv.map((a) => checkString(a, 'argv'));
  const dir = checkString(cwd, 'cwd');
  if (!isAbsolute(dir)) {
    throw new AttachProtocolError('Cannot read the attach header: cwd is not absolute');
  }
  if (typeof stdoutIsTTY !== 'boolean' || typeof stderrIsTTY !== 'boolean') {
    throw new AttachProtocolError('Cannot read the attach header: bad TTY flags');
  }
  if (
    columns !== null &&
    (typeof columns !== 'number' || !Number.isInteger(columns) || columns < 1 || columns > 65535)
  ) {
    throw new AttachProtocolError('Cannot read the attach header: bad columns');
  }
  if (!isRecord(env)) throw new AttachProtocolError('Cannot read the attach header: bad env');
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!ATTACH_ENV_VARS.includes(name)) {
      throw new AttachProtocolError(`Cannot read the attach header: unexpected env "${name}"`);
    }
    vars[name] = checkString(value, `env "${name}"`);
  }
  return {
    version: ATTACH_PROTOCOL_VERSION,
    argv: args,
    cwd: dir,
    stdoutIsTTY,
    stderrIsTTY,
    columns,
    env: vars,
  };
}

/** Where a node directory's command-line socket is, or undefined when the path is too long. */
export function cliSocketPath(nodeDir: string): string | undefined {
  const path = join(nodeDir, ...CLI_SOCKET_PATH);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES ? path : undefined;
}

/**
 * The command and node directory of `argv` when it is one a client node runs for an attached
 * command line (an ATTACHED_COMMANDS word, no `--help`, valid global options); else undefined.
 * The node directory resolves as in `main`: `-d`, `$TESSERA_NODE_DIR`, `~/.tessera`.
 */
export function attachableCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { command: string; nodeDir: string } | undefined {
  let globals;
  try {
    globals = extractGlobals(argv);
  } catch {
    return undefined; // a usage error: the full CLI reports it
  }
  const command = globals.rest[0];
  if (globals.help || command === undefined || !ATTACHED_COMMANDS.includes(command)) {
    return undefined;
  }
  return { command, nodeDir: resolveNodeDir(globals.nodeDir, env, cwd).dir };
}
