/**
 * Small files written atomically: a temporary file in the same directory, fsynced, renamed over
 * the target, then the directory fsynced. A crash leaves the old file or the new one.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` atomically, creating the directory when needed.
 * @throws the file system's error (e.g. `EACCES`, `ENOSPC`)
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; signal?: AbortSignal } = {},
): Promise<void> {
  options.signal?.throwIfAborted();
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } catch {
    // some platforms cannot fsync a directory; the file itself is durable
  } finally {
    await dirHandle.close();
  }
}

/**
 * Opens `path` for reading, or returns undefined when it does not exist.
 * @throws the file system's other errors (e.g. `EACCES`)
 */
export async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}
