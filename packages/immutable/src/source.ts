/**
 * Re-readable byte sources. A convergent key needs the whole content before encryption can
 * start, so a CHK source is opened twice: once for the key, once to encrypt and encode.
 */
import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { READ_CHUNK_SIZE } from './constants.ts';

/** Something that can be read from the start, as often as needed. */
export interface ByteSource {
  /** The length in bytes, when known without reading. */
  readonly size?: number;
  /**
   * Opens a fresh stream of the whole content. `chunkSize` is a hint: sources that can should
   * yield chunks of that size, which saves the encoder a copy per segment. With `transient`,
   * the caller is done with each chunk when it asks for the next, so a source may read every
   * chunk into the same buffer.
   */
  open(options?: SourceOpenOptions): AsyncIterable<Uint8Array>;
}

/** Options of {@link ByteSource.open}. */
export interface SourceOpenOptions {
  readonly signal?: AbortSignal;
  readonly chunkSize?: number;
  /** Chunks are used up before the next is asked for (see {@link ByteSource.open}). */
  readonly transient?: boolean;
}

/**
 * A source reading the file at `path`. Its size is taken when the source is made. Opened
 * `transient`, it reads each chunk into one reused buffer, on demand: an upload reads a file
 * twice, and a fresh 1 MiB buffer per read lives long enough (a stream reads ahead) to reach
 * V8's old generation, where only a full collection frees it (docs/PERFORMANCE.md).
 */
export async function fileSource(path: string): Promise<ByteSource> {
  const st = await stat(path);
  return {
    size: st.size,
    open: ({ signal, chunkSize, transient } = {}) =>
      transient === true
        ? readReusing(path, chunkSize ?? READ_CHUNK_SIZE, signal)
        : (createReadStream(path, {
            highWaterMark: READ_CHUNK_SIZE,
            signal,
          }) as AsyncIterable<Uint8Array>),
  };
}

async function* readReusing(
  path: string,
  chunkSize: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(chunkSize);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** A source over bytes in memory. */
export function bytesSource(data: Uint8Array): ByteSource {
  return {
    size: data.length,
    open() {
      return (async function* () {
        for (let o = 0; o < data.length; o += READ_CHUNK_SIZE) {
          yield await Promise.resolve(data.subarray(o, Math.min(data.length, o + READ_CHUNK_SIZE)));
        }
      })();
    },
  };
}

/** Counts a source's bytes by reading it (for sources that do not know their size). */
export async function measureSource(source: ByteSource, signal?: AbortSignal): Promise<number> {
  if (source.size !== undefined) return source.size;
  let n = 0;
  for await (const chunk of source.open({ signal })) n += chunk.length;
  return n;
}

/**
 * Re-chunks a stream into pieces of exactly `size` bytes (the last may be shorter), copying
 * only when a piece spans input chunks.
 */
export async function* fixedChunks(
  input: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array | undefined;
  let fill = 0;
  for await (const chunk of input) {
    let off = 0;
    while (off < chunk.length) {
      if (fill === 0 && chunk.length - off >= size) {
        yield chunk.subarray(off, off + size);
        off += size;
        continue;
      }
      buf ??= new Uint8Array(size);
      const take = Math.min(size - fill, chunk.length - off);
      buf.set(chunk.subarray(off, off + take), fill);
      fill += take;
      off += take;
      if (fill === size) {
        yield buf;
        buf = undefined;
        fill = 0;
      }
    }
  }
  if (fill > 0 && buf) yield buf.subarray(0, fill);
}
