/** Finding and reading final share files. */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { CorruptContainerError, ReadTooLargeError, type ByteRange } from './errors.ts';
import { MAX_READ_SIZE } from './constants.ts';
import { HEADER_PROBE_SIZE, detectKind, type ShareKind } from './containers.ts';
import { isNotFound } from './fs-util.ts';
import { parseShareFileName } from './layout.ts';
import type { StoreContext } from './context.ts';

/** The first bytes and size of an open share file. */
export interface Probe {
  probe: Uint8Array;
  size: number;
}

export async function probeFile(fd: FileHandle): Promise<Probe> {
  const size = (await fd.stat()).size;
  const probe = new Uint8Array(Math.min(HEADER_PROBE_SIZE, size));
  await readFully(fd, probe, 0);
  return { probe, size };
}

/** Reads exactly `into.length` bytes at `position` (files may return short reads). */
export async function readFully(fd: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fd.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new CorruptContainerError('Cannot read share: file shrank');
    done += bytesRead;
  }
}

/** Writes all of `data` at `position`. */
export async function writeFully(
  fd: FileHandle,
  data: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fd.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Reads `ranges` of a share's data, each truncated at `dataLength` (Tahoe: reads past the
 * end are short), after checking that the total fits in one call.
 * @throws {ReadTooLargeError} STORAGE_READ_TOO_LARGE
 */
export async function readDataRanges(
  fd: FileHandle,
  dataStart: number,
  dataLength: number,
  ranges: readonly ByteRange[],
): Promise<Uint8Array[]> {
  const sizes = ranges.map((r) => Math.max(0, Math.min(r.length, dataLength - r.offset)));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_READ_SIZE) {
    throw new ReadTooLargeError(
      `Cannot read ${total} bytes in one call: at most ${MAX_READ_SIZE}`,
      total,
      MAX_READ_SIZE,
    );
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < ranges.length; i++) {
    // Not zeroed: readFully fills every byte or throws (and then the buffer is dropped).
    const raw = Buffer.allocUnsafeSlow(sizes[i]);
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    if (buf.length > 0) await readFully(fd, buf, dataStart + ranges[i].offset);
    out.push(buf);
  }
  return out;
}

/** A final share found on disk. */
export interface FoundShare {
  kind: ShareKind;
}

/**
 * The final shares of a storage index, from its directory. The kind comes from the lease index
 * when it knows the share, else from the file's first bytes; files that are neither container
 * (and names that are not share numbers) are skipped with a warning.
 */
export async function scanShares(
  ctx: StoreContext,
  siName: string,
): Promise<Map<number, FoundShare>> {
  const dir = ctx.layout.shareDir(siName);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (isNotFound(e)) return new Map();
    throw e;
  }
  const found = new Map<number, FoundShare>();
  for (const name of names) {
    const shareNum = parseShareFileName(name);
    if (shareNum === undefined) continue;
    const known = ctx.index.get(siName, shareNum);
    if (known !== undefined) {
      found.set(shareNum, { kind: known.kind });
      continue;
    }
    const kind = await probeKind(ctx.layout.sharePath(siName, shareNum));
    if (kind === undefined) {
      ctx.log.warn(`Skipping "${dir}/${name}": not a share container`);
      continue;
    }
    found.set(shareNum, { kind });
  }
  return new Map([...found].sort((a, b) => a[0] - b[0]));
}

/** The kind of a share file, or `undefined` when it is missing or not a container. */
export async function probeKind(path: string): Promise<ShareKind | undefined> {
  let fd: FileHandle;
  try {
    fd = await open(path, 'r');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  try {
    return detectKind((await probeFile(fd)).probe);
  } finally {
    await fd.close();
  }
}

/** Opens a file for reading, or returns `undefined` when it does not exist. */
export async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
