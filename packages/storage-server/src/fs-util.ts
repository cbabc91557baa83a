/**
 * The few file-system moves the store's durability rests on (docs/RELIABILITY.md): fsync of
 * files and directories, write-to-temp-then-rename, and directory creation that fsyncs the
 * parent of every directory it creates.
 */
import { open, mkdir, rename, rm, rmdir, unlink, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a directory, so that renames and unlinks inside it survive a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const fd = await open(path, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** True when `path` exists (any kind). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** True for ENOENT (and ENOTDIR: a path component is a file). */
export function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Creates `path` and any missing parents, fsyncing the parent of each directory created so
 * that the new entries are durable before anything is renamed into them.
 */
export async function ensureDir(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  // `first` is the top-most directory created; fsync it and everything below down to `path`.
  const created: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    created.push(p);
    if (p === first || dirname(p) === p) break;
  }
  for (const p of created) await fsyncDir(p);
  await fsyncDir(dirname(first));
}

/** Writes `data` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export async function atomicWriteFile(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await open(tmp, 'w');
  try {
    await fd.writeFile(data);
    await fd.sync();
  } finally {
    await fd.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Unlinks `path`; a missing file is not an error. Returns whether it existed. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Removes `path` if it is an empty directory; anything else is left alone. */
export async function rmdirIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch {
    // Not empty, already gone, or busy: all fine, the directory is only tidied.
  }
}

/** Removes a directory tree; a missing one is fine. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
