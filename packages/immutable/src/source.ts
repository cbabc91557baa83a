/**
 * Re-readable byte sources. A convergent key needs the whole content before encryption can
 * start, so a CHK source is opened twice: once for the key, once to encrypt and encode.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { READ_CHUNK_SIZE } from './constants.ts';

/** Something that can be read from the start, as often as needed. */
export interface ByteSource {
  /** The length in bytes, when known without reading. */
  readonly size?: number;
  /**
   * Opens a fresh stream of the whole content. `chunkSize` is a hint: sources that can should
   * yield chunks of that size, which saves the encoder a copy per segment.
   */
  open(options?: { signal?: AbortSignal; chunkSize?: number }): AsyncIterable<Uint8Array>;
}

/** A source reading the file at `path`. Its size is taken when the source is made. */
export async function fileSource(path: string): Promise<ByteSource> {
  const st = await stat(path);
  return {
    size: st.size,
    open: ({ signal } = {}) =>
      createReadStream(path, {
        highWaterMark: READ_CHUNK_SIZE,
        signal,
      }) as AsyncIterable<Uint8Array>,
  };
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
