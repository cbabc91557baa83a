/**
 * AES-128-CTR with a 16-zero-byte initial counter and a 128-bit big-endian counter
 * (spec §1.3), seekable to any byte offset. Bulk work goes through `node:crypto`.
 */
import { createCipheriv } from 'node:crypto';

/** A running CTR keystream: `update` encrypts (or decrypts) the next bytes. */
export interface AesCtrStream {
  update(data: Uint8Array): Uint8Array;
}

/** The 16-byte counter block for block number `blockIndex` (big-endian, 128 bits). */
export function counterBlock(blockIndex: number | bigint): Uint8Array {
  const iv = new Uint8Array(16);
  let v = BigInt(blockIndex);
  for (let i = 15; i >= 0 && v > 0n; i--) {
    iv[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return iv;
}

/**
 * Starts AES-CTR under `key` (16 or 32 bytes) positioned at byte `offset` of the stream.
 * @throws {RangeError} for a key of another length or a negative offset
 */
export function aesCtr(key: Uint8Array, offset = 0): AesCtrStream {
  if (key.length !== 16 && key.length !== 32)
    throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`);
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`Bad AES-CTR offset ${offset}`);
  const cipher = createCipheriv(
    key.length === 16 ? 'aes-128-ctr' : 'aes-256-ctr',
    key,
    counterBlock(Math.floor(offset / 16)),
  );
  const skip = offset % 16;
  if (skip > 0) cipher.update(new Uint8Array(skip));
  return {
    update(data) {
      const out = cipher.update(data);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    },
  };
}

/** One-shot AES-CTR of `data` starting at stream offset `offset`. */
export function aesCtrOnce(key: Uint8Array, data: Uint8Array, offset = 0): Uint8Array {
  return aesCtr(key, offset).update(data);
}
