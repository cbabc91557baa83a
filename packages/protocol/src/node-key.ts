/**
 * The node's persistent ed25519 key: its libp2p identity (peer id), kept in one file.
 *
 * The file holds the libp2p protobuf encoding of the private key (`privateKeyToProtobuf`), mode
 * 0600. It is created atomically: written to a temporary file in the same directory, fsynced,
 * then linked into place (`link` fails if another process created the key meanwhile, in which
 * case that key wins), and the directory is fsynced.
 * @packageDocumentation
 */
import './polyfill.ts';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NODE_KEY_FILE_MODE } from './constants.ts';
import { InvalidNodeKeyError } from './errors.ts';

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/**
 * Decodes a node key file's bytes.
 * @throws {InvalidNodeKeyError} `PROTOCOL_INVALID_NODE_KEY` when they are not an ed25519 key
 */
export function decodeNodeKey(bytes: Uint8Array, path = '(memory)'): PrivateKey {
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (err) {
    throw new InvalidNodeKeyError(
      path,
      `Cannot read node key "${path}": not a libp2p private key`,
      { cause: err },
    );
  }
  if (key.type !== 'Ed25519') {
    throw new InvalidNodeKeyError(
      path,
      `Cannot read node key "${path}": type is ${key.type}, expected Ed25519`,
    );
  }
  return key;
}

/** A fresh ed25519 node key that lives in memory only (tests, benchmarks, throwaway nodes). */
export async function generateNodeKey(): Promise<PrivateKey> {
  return generateKeyPair('Ed25519');
}

async function writeNew(path: string, bytes: Uint8Array): Promise<boolean> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', NODE_KEY_FILE_MODE);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  let created = true;
  try {
    await link(tmp, path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') created = false;
    else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      // a file system without hard links: fall back to rename (last writer wins)
      await rename(tmp, path);
    } else throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } catch {
    // some platforms cannot fsync a directory; the file itself is durable
  } finally {
    await dirHandle.close();
  }
  return created;
}

/**
 * Loads the node key at `path`, creating a new ed25519 key there (mode 0600) if there is none.
 * @throws {InvalidNodeKeyError} `PROTOCOL_INVALID_NODE_KEY` when the file exists but is not an
 * ed25519 key
 * @throws the file system's error (e.g. `EACCES`) when the file cannot be read or written
 * @example
 * ```ts
 * const privateKey = await loadOrCreateNodeKey(join(baseDir, 'private', 'node.key'));
 * const node = await createTesseraNode({ privateKey, listen: ['/ip4/0.0.0.0/tcp/0'] });
 * ```
 */
export async function loadOrCreateNodeKey(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<PrivateKey> {
  for (let attempt = 0; attempt < 3; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return decodeNodeKey(await readFile(path, { signal: options.signal }), path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    const key = await generateKeyPair('Ed25519');
    if (await writeNew(path, privateKeyToProtobuf(key))) return key;
    // another process created the key first: read theirs
  }
  throw new InvalidNodeKeyError(path, `Cannot create node key "${path}": it keeps disappearing`);
}
