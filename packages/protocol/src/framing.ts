/**
 * Length-prefixed MessagePack frames over libp2p streams.
 *
 * A frame is an unsigned LEB128 varint length (at most 5 bytes) followed by that many bytes of
 * one MessagePack value. The reader learns each frame's cap from its caller before the frame
 * arrives, refuses a frame whose announced length exceeds it as soon as the prefix is read
 * (`PROTOCOL_FRAME_TOO_LARGE`), and never buffers more than the frame it waits for plus a high
 * water mark: beyond that it pauses the stream, so yamux stops granting window to the sender.
 * @packageDocumentation
 */
import { Buffer } from 'node:buffer';
import type { MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface';
import { Packr } from 'msgpackr';
import { Uint8ArrayList } from 'uint8arraylist';
import { DEFAULT_READ_HIGH_WATER_BYTES } from './constants.ts';
import {
  AbortedError,
  ConnectionLostError,
  FrameTooLargeError,
  InvalidMessageError,
} from './errors.ts';

/**
 * The one shared MessagePack codec: standard MessagePack (`useRecords: false`, maps decode to
 * plain objects); `undefined` properties are left out and a bare `undefined` is sent as nil.
 */
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  // msgpackr option missing from its .d.ts: leave undefined-valued properties out of maps.
  ...{ skipValues: [undefined] },
});

/** Largest length a 5-byte varint prefix may announce (2^32 - 1). */
const MAX_PREFIX_VALUE = 0xffff_ffff;

/** Bytes of the varint encoding of `n`. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(n: number, target: Uint8Array, offset: number): number {
  while (n >= 0x80) {
    target[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  target[offset++] = n;
  return offset;
}

/** MessagePack bytes of `value` (no length prefix). */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Byte strings at least this long are framed by reference by {@link encodeValueParts}. */
export const BY_REFERENCE_BYTES = 0x10000;

/**
 * One byte string given as consecutive pieces, for a message being sent: it is encoded as a
 * single MessagePack `bin` of their total length, and the pieces are framed by reference (as
 * {@link encodeValueParts} does with large byte strings), never joined. Decoding gives a plain
 * Uint8Array; a ByteParts only exists on the sending side.
 */
export class ByteParts {
  readonly parts: readonly Uint8Array[];
  /** Total bytes of the pieces. */
  readonly byteLength: number;

  constructor(parts: readonly Uint8Array[]) {
    this.parts = parts;
    this.byteLength = parts.reduce((n, p) => n + p.length, 0);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && value.constructor === Object;
}

function isByteString(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array &&
    (value.constructor === Uint8Array || value.constructor === Buffer)
  );
}

/** True when `value` holds, in plain objects and arrays, a byte string worth not copying. */
function holdsLargeBytes(value: unknown): boolean {
  if (value instanceof ByteParts) return true; // MessagePack cannot encode it as it stands
  if (isByteString(value)) return value.length >= BY_REFERENCE_BYTES;
  if (Array.isArray(value)) return value.some(holdsLargeBytes);
  if (isPlainObject(value)) {
    for (const key in value) if (holdsLargeBytes(value[key])) return true;
  }
  return false;
}

/** First bytes of the 16- and 32-bit length forms of each kind of MessagePack header. */
const LONG_HEADER = { map: [0xde, 0xdf], array: [0xdc, 0xdd], bin: [0xc5, 0xc6] } as const;

/** MessagePack header of a map, array or bin of `length`, in its shortest form. */
function lengthHeader(kind: 'map' | 'array' | 'bin', length: number): Uint8Array {
  if (kind === 'map' && length < 0x10) return Uint8Array.of(0x80 | length);
  if (kind === 'array' && length < 0x10) return Uint8Array.of(0x90 | length);
  if (kind === 'bin' && length < 0x100) return Uint8Array.of(0xc4, length);
  const [short, long] = LONG_HEADER[kind];
  const out = new Uint8Array(length < 0x10000 ? 3 : 5);
  const view = new DataView(out.buffer);
  if (length < 0x10000) {
    out[0] = short;
    view.setUint16(1, length);
  } else {
    out[0] = long;
    view.setUint32(1, length);
  }
  return out;
}

/** Appends the encoding of `value` to `parts`, referencing its large byte strings. */
function encodeSpine(value: unknown, parts: Uint8Array[]): void {
  if (value instanceof ByteParts) {
    parts.push(lengthHeader('bin', value.byteLength), ...value.parts);
  } else if (!holdsLargeBytes(value)) {
    parts.push(packr.pack(value));
  } else if (isByteString(value)) {
    parts.push(lengthHeader('bin', value.length), value);
  } else if (Array.isArray(value)) {
    parts.push(lengthHeader('array', value.length));
    for (const item of value) encodeSpine(item, parts);
  } else {
    const record = value as Record<string, unknown>;
    // as the codec does: own properties in order, those whose value is undefined left out
    const keys = Object.keys(record).filter((key) => record[key] !== undefined);
    parts.push(lengthHeader('map', keys.length));
    for (const key of keys) {
      parts.push(packr.pack(key));
      encodeSpine(record[key], parts);
    }
  }
}

/**
 * The bytes of {@link encodeValue} as a list of parts whose concatenation they are: byte strings
 * of at least {@link BY_REFERENCE_BYTES} inside plain objects and arrays are parts of their own,
 * not copied; the small parts between them are joined. Those byte strings are sent as they are
 * when the stream gets to them: do not modify them while the message may still be queued.
 */
export function encodeValueParts(value: unknown): Uint8Array[] {
  if (!holdsLargeBytes(value)) return [packr.pack(value)];
  const pieces: Uint8Array[] = [];
  encodeSpine(value, pieces);
  const parts: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const flush = (): void => {
    if (run.length > 0) parts.push(run.length === 1 ? run[0] : Buffer.concat(run));
    run = [];
  };
  for (const piece of pieces) {
    if (piece.length >= BY_REFERENCE_BYTES) {
      flush();
      parts.push(piece);
    } else run.push(piece);
  }
  flush();
  return parts;
}

/**
 * Decodes exactly one MessagePack value filling `bytes`.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` on malformed or trailing bytes
 */
export function decodeValue(bytes: Uint8Array, path = 'frame'): unknown {
  try {
    const value: unknown = packr.unpack(bytes);
    return value;
  } catch (err) {
    throw new InvalidMessageError(path, `Invalid message: ${path} is not one MessagePack value`, {
      cause: err,
    });
  }
}

/**
 * Concatenates length-prefixed frames of already-encoded values, ready for one `stream.send`.
 * @throws {FrameTooLargeError} when an encoded value exceeds its cap
 */
export function frameBytes(values: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const v of values) total += varintLength(v.length) + v.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const v of values) {
    offset = writeVarint(v.length, out, offset);
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}

/**
 * Length-prefixed frames of already-encoded values as a list of parts (each prefix, then the
 * value's bytes as they are): the same bytes as {@link frameBytes} without copying the values.
 * A value may be given as a list of parts (see {@link encodeValueParts}).
 */
export function frameList(values: readonly (Uint8Array | readonly Uint8Array[])[]): Uint8ArrayList {
  const out = new Uint8ArrayList();
  for (const v of values) {
    const parts = v instanceof Uint8Array ? [v] : v;
    let length = 0;
    for (const part of parts) length += part.length;
    const prefix = new Uint8Array(varintLength(length));
    writeVarint(length, prefix, 0);
    out.append(prefix);
    for (const part of parts) if (part.length > 0) out.append(part);
  }
  return out;
}

/**
 * Encodes `value` as one frame, refusing it locally when it exceeds `maxBytes`.
 * @throws {FrameTooLargeError} `PROTOCOL_FRAME_TOO_LARGE`
 * @example
 * ```ts
 * stream.send(encodeFrame({ hello: 'world' }, 1024));
 * ```
 */
export function encodeFrame(value: unknown, maxBytes: number): Uint8Array {
  const body = encodeValue(value);
  if (body.length > maxBytes) throw new FrameTooLargeError(body.length, maxBytes, 'outgoing frame');
  return frameBytes([body]);
}

/**
 * Sends `bytes` on `stream`, waiting for `drain` when the stream's send buffer is full.
 * @throws {ConnectionLostError} when the stream is closed or reset
 * @throws {AbortedError} when `signal` aborts
 */
export async function writeBytes(
  stream: MessageStream,
  bytes: Uint8Array | Uint8ArrayList,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  let more: boolean;
  try {
    // A uint8arraylist 2 list (this package's, shared with Noise) is what libp2p's uint8arraylist 3
    // `send` expects at runtime: both recognise lists by the same `Symbol.for` brand.
    more = stream.send(bytes as Parameters<MessageStream['send']>[0]);
  } catch (err) {
    throw new ConnectionLostError('Cannot send frame: stream is closed', { cause: err });
  }
  if (more) return;
  try {
    await stream.onDrain({ signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted === true) {
      throw new AbortedError('Cannot send frame: aborted', { cause: options.signal.reason });
    }
    throw new ConnectionLostError('Cannot send frame: stream closed while waiting to drain', {
      cause: err,
    });
  }
}

/** Options of {@link FrameReader}. */
export interface FrameReaderInit {
  /** Bytes buffered beyond the awaited frame before the stream is paused. */
  highWaterBytes?: number;
}

/**
 * Reads length-prefixed frames from a libp2p stream with backpressure. Create it as soon as
 * the stream exists (it listens for `message` events), call {@link FrameReader.read} for each
 * frame, and {@link FrameReader.release} when done.
 */
export class FrameReader {
  readonly #stream: MessageStream;
  readonly #highWater: number;
  readonly #chunks: Uint8Array[] = [];
  #head = 0; // offset into #chunks[0]
  #buffered = 0;
  #need = 0; // bytes the pending read waits for
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #released = false;
  #paused = false;

  constructor(stream: MessageStream, init: FrameReaderInit = {}) {
    this.#stream = stream;
    this.#highWater = init.highWaterBytes ?? DEFAULT_READ_HIGH_WATER_BYTES;
    stream.addEventListener('message', this.#onMessage);
    stream.addEventListener('remoteCloseWrite', this.#onEnd);
    stream.addEventListener('close', this.#onClose);
    if (stream.readableEnded) this.#ended = true;
    if (stream.status === 'reset' || stream.status === 'aborted') {
      this.#ended = true;
      this.#error = new ConnectionLostError('Cannot read frame: stream was reset');
    }
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  readonly #onMessage = (evt: StreamMessageEvent): void => {
    const data = evt.data;
    if (data instanceof Uint8Array) this.#push(data);
    else for (const chunk of data) this.#push(chunk);
    if (!this.#paused && this.#buffered > this.#need + this.#highWater) {
      try {
        this.#stream.pause();
        this.#paused = true;
      } catch {
        // the readable end is closing: nothing more will arrive anyway
      }
    }
    this.#notify();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#notify();
  };

  readonly #onClose = (evt: StreamCloseEvent): void => {
    this.#ended = true;
    if (evt.error !== undefined) {
      this.#error ??= new ConnectionLostError('Cannot read frame: stream was reset', {
        cause: evt.error,
      });
    }
    this.#notify();
  };

  #push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#released) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    try {
      this.#stream.resume();
    } catch {
      // the readable end is closing: what was received is already buffered
    }
  }

  /** Waits until `n` bytes are buffered; false at end of stream. */
  async #fill(n: number, signal: AbortSignal | undefined): Promise<boolean> {
    while (this.#buffered < n) {
      if (this.#error !== undefined && this.#buffered < n) throw this.#error;
      if (this.#ended) return false;
      this.#need = n;
      this.#resume();
      // Resuming hands over what the paused stream queued, synchronously: it may have
      // completed the frame (or ended the stream), and no later event would say so.
      if (this.#buffered >= n || this.#ended || this.#error !== undefined) continue;
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.#wake = undefined;
          reject(new AbortedError('Cannot read frame: aborted', { cause: signal?.reason }));
        };
        this.#wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    return true;
  }

  /**
   * Copies (or views, when contiguous) the next `n` buffered bytes and consumes them; `#fill`
   * has made sure there are `n`.
   */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#consume(n);
      return out;
    }
    // Every byte is copied over, so no zeroing (a get's frames are ~260 KiB each).
    const own = Buffer.allocUnsafeSlow(n);
    const out = new Uint8Array(own.buffer, own.byteOffset, n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) break;
      const piece = Math.min(n - filled, chunk.length - this.#head);
      out.set(chunk.subarray(this.#head, this.#head + piece), filled);
      filled += piece;
      this.#consume(piece);
    }
    return out;
  }

  #consume(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) return;
      const left = chunk.length - this.#head;
      if (n < left) {
        this.#head += n;
        return;
      }
      n -= left;
      this.#chunks.shift();
      this.#head = 0;
    }
  }

  #peekByte(i: number): number {
    let offset = this.#head + i;
    for (const chunk of this.#chunks) {
      if (offset < chunk.length) return chunk[offset] ?? 0;
      offset -= chunk.length;
    }
    return 0;
  }

  /** Parses (without consuming) the next length prefix; `undefined` at a clean end. */
  async #readPrefix(
    maxBytes: number,
    signal: AbortSignal | undefined,
    required: boolean,
  ): Promise<{ prefix: number; length: number } | undefined> {
    if (this.#released) throw new RangeError('Cannot read frame: reader was released');
    let length = 0;
    let scale = 1;
    let prefix = 0;
    for (;;) {
      if (!(await this.#fill(prefix + 1, signal))) {
        if (prefix === 0 && this.#buffered === 0 && !required) return undefined;
        if (prefix === 0 && this.#buffered === 0)
          throw new ConnectionLostError('Cannot read frame: stream ended');
        throw new InvalidMessageError(
          'frame',
          'Invalid message: stream ended inside a frame length prefix',
        );
      }
      const byte = this.#peekByte(prefix);
      length += (byte & 0x7f) * scale;
      scale *= 128;
      prefix++;
      if (length > maxBytes) throw new FrameTooLargeError(length, maxBytes);
      if ((byte & 0x80) === 0) break;
      if (prefix === 5 || length > MAX_PREFIX_VALUE) {
        throw new InvalidMessageError(
          'frame',
          'Invalid message: frame length prefix is longer than 5 bytes',
        );
      }
    }
    if (prefix > 1 && this.#peekByte(prefix - 1) === 0) {
      throw new InvalidMessageError('frame', 'Invalid message: frame length prefix is not minimal');
    }
    return { prefix, length };
  }

  /**
   * Reads the next frame's raw bytes, refusing lengths over `maxBytes`.
   * Returns `undefined` when the stream ended cleanly before the frame started.
   * @throws {FrameTooLargeError} `PROTOCOL_FRAME_TOO_LARGE`, as soon as the prefix is read
   * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` for a bad prefix or a truncated frame
   * @throws {ConnectionLostError} `PROTOCOL_CONNECTION_LOST` when the stream is reset
   * @throws {AbortedError} `PROTOCOL_ABORTED` when `signal` aborts
   */
  async readBytes(
    maxBytes: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array | undefined> {
    const parsed = await this.#readPrefix(maxBytes, options.signal, false);
    if (parsed === undefined) return undefined;
    const { prefix, length } = parsed;
    if (!(await this.#fill(prefix + length, options.signal))) {
      throw new InvalidMessageError(
        'frame',
        `Invalid message: stream ended inside a ${length}-byte frame`,
      );
    }
    this.#consume(prefix);
    const bytes = this.#take(length);
    this.#need = 0;
    if (this.#buffered <= this.#highWater) this.#resume();
    return bytes;
  }

  /**
   * Discards the next frame without buffering it (bytes are dropped as they arrive); returns
   * its length. For bodies this side will not decode (unknown type, over their cap).
   * @throws {FrameTooLargeError} when even the announced length exceeds `limit`
   * @throws the stream errors of {@link FrameReader.readBytes}
   */
  async skipFrame(limit: number, options: { signal?: AbortSignal } = {}): Promise<number> {
    const parsed = await this.#readPrefix(limit, options.signal, true);
    if (parsed === undefined) throw new ConnectionLostError('Cannot skip frame: stream ended');
    const { prefix, length } = parsed;
    this.#consume(prefix);
    let left = length;
    while (left > 0) {
      if (!(await this.#fill(1, options.signal))) {
        throw new InvalidMessageError(
          'frame',
          `Invalid message: stream ended inside a ${length}-byte frame`,
        );
      }
      const n = Math.min(left, this.#buffered);
      this.#consume(n);
      left -= n;
    }
    this.#resume();
    return length;
  }

  /**
   * Reads and decodes the next frame.
   * @throws {ConnectionLostError} `PROTOCOL_CONNECTION_LOST` when the stream ends first
   * @throws the errors of {@link FrameReader.readBytes} (whose `InvalidMessageError`s have path
   * `frame`: the frame boundary is lost), and {@link InvalidMessageError} with path `value` when
   * the frame's bytes are not one MessagePack value (the next frame can still be read)
   */
  async read(maxBytes: number, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    const bytes = await this.readBytes(maxBytes, options);
    if (bytes === undefined) throw new ConnectionLostError('Cannot read frame: stream ended');
    if (bytes.length === 0) throw new InvalidMessageError('frame', 'Invalid message: empty frame');
    return decodeValue(bytes, 'value');
  }

  /**
   * Waits until the next frame starts arriving (false) or the stream ends cleanly with nothing
   * left to read (true).
   * @throws {ConnectionLostError} when the stream is reset first
   * @throws {AbortedError} when `signal` aborts
   */
  async atEnd(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return !(await this.#fill(1, options.signal));
  }

  /** True when the stream ended and every received byte was consumed. */
  get done(): boolean {
    return this.#ended && this.#buffered === 0;
  }

  /** Stops listening to the stream and drops buffered bytes. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#stream.removeEventListener('message', this.#onMessage);
    this.#stream.removeEventListener('remoteCloseWrite', this.#onEnd);
    this.#stream.removeEventListener('close', this.#onClose);
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#notify();
  }
}
