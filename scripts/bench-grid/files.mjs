// Test files for scripts/bench-grid.mjs, written and hashed as streams (a 1 GiB file never sits in
// memory).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/**
 * Writes `bytes` of fresh random-looking content (AES-128-CTR keystream under a random key: as
 * incompressible as randomBytes, several times faster) to `path`; resolves with its SHA-256 (hex).
 */
export async function writeRandomFile(path, bytes) {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(CHUNK);
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= CHUNK) {
      const n = Math.min(CHUNK, left);
      const chunk = cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
      hash.update(chunk);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file. */
export async function hashFile(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk);
  return hash.digest('hex');
}
