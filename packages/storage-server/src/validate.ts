/**
 * Hand-written validators for everything a client hands the store. Arguments are typed, but
 * the protocol layer decodes them from the wire, so each check works on `unknown` and
 * refuses bad input with a {@link StorageError} before anything changes.
 */
import {
  InvalidArgumentError,
  InvalidRangeError,
  InvalidSecretError,
  InvalidShareNumberError,
  InvalidStorageIndexError,
  type ByteRange,
} from './errors.ts';
import {
  MAX_UPLOAD_SECRET_LENGTH,
  MIN_UPLOAD_SECRET_LENGTH,
  MAX_CLIENT_ID_LENGTH,
  MAX_SHARE_NUMBER,
  MAX_VECTOR_LENGTH,
  STORAGE_INDEX_LENGTH,
} from './constants.ts';
import { storageIndexName } from './layout.ts';
import { hashSecret } from './secrets.ts';

/** A validated storage index: its bytes and its directory name. */
export interface StorageIndexRef {
  bytes: Uint8Array;
  name: string;
}

export function checkObject(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new InvalidArgumentError(`Cannot use ${what}: not an object`);
  }
  return x as Record<string, unknown>;
}

export function checkBytes(x: unknown, what: string): Uint8Array {
  if (!(x instanceof Uint8Array)) {
    throw new InvalidArgumentError(`Cannot use ${what}: not a Uint8Array`);
  }
  return x;
}

export function checkStorageIndex(x: unknown): StorageIndexRef {
  if (!(x instanceof Uint8Array) || x.length !== STORAGE_INDEX_LENGTH) {
    const got = x instanceof Uint8Array ? `${x.length} bytes` : typeof x;
    throw new InvalidStorageIndexError(
      `Cannot use storage index: expected ${STORAGE_INDEX_LENGTH} bytes, got ${got}`,
    );
  }
  const bytes = Uint8Array.from(x);
  return { bytes, name: storageIndexName(bytes) };
}

export function checkShareNum(x: unknown): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > MAX_SHARE_NUMBER) {
    throw new InvalidShareNumberError(
      `Cannot use share number ${describe(x)}: expected an integer in 0..${MAX_SHARE_NUMBER}`,
    );
  }
  return x;
}

/** A list of share numbers: deduplicated and sorted. */
export function checkShareNums(x: unknown): number[] {
  if (!Array.isArray(x) || x.length > MAX_VECTOR_LENGTH) {
    throw new InvalidArgumentError('Cannot use share numbers: not an array of at most 1024');
  }
  return [...new Set(x.map(checkShareNum))].sort((a, b) => a - b);
}

/** A non-negative safe integer (offsets, lengths, sizes). */
export function checkUint(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
    throw new InvalidRangeError(`Cannot use ${what} ${describe(x)}: not a non-negative integer`);
  }
  return x;
}

export function checkRange(x: unknown): ByteRange {
  const o = checkObject(x, 'range');
  const offset = checkUint(o.offset, 'offset');
  const length = checkUint(o.length, 'length');
  if (!Number.isSafeInteger(offset + length)) {
    throw new InvalidRangeError(`Cannot use range at ${offset}: end is past 2^53`);
  }
  return { offset, length };
}

export function checkRanges(x: unknown): ByteRange[] {
  if (!Array.isArray(x)) throw new InvalidArgumentError('Cannot use ranges: not an array');
  if (x.length > MAX_VECTOR_LENGTH) {
    throw new InvalidArgumentError(
      `Cannot use ranges: ${x.length} ranges, at most ${MAX_VECTOR_LENGTH}`,
    );
  }
  return x.map(checkRange);
}

export function checkSecret(x: unknown, what: string, min: number, max = min): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length < min || x.length > max) {
    const want = min === max ? `${min}` : `${min}..${max}`;
    const got = x instanceof Uint8Array ? `${x.length} bytes` : typeof x;
    throw new InvalidSecretError(`Cannot use ${what}: expected ${want} bytes, got ${got}`);
  }
  return x;
}

/** An optional client id (quota key); missing means the anonymous client `''`. */
export function checkClientId(x: unknown): string {
  if (x === undefined) return '';
  if (typeof x !== 'string' || x.length > MAX_CLIENT_ID_LENGTH) {
    throw new InvalidArgumentError(
      `Cannot use client id: expected a string of at most ${MAX_CLIENT_ID_LENGTH} characters`,
    );
  }
  return x;
}

function describe(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x.slice(0, 20));
  return typeof x;
}

/** A `{ storageIndex, shareNum }` from a client. */
export function checkShareRef(x: unknown): { siName: string; shareNum: number } {
  const r = checkObject(x, 'share');
  return { siName: checkStorageIndex(r.storageIndex).name, shareNum: checkShareNum(r.shareNum) };
}

/** A `{ storageIndex, shareNum, uploadSecret }` from a client, with the secret hashed. */
export function checkBucketRef(x: unknown): {
  siName: string;
  shareNum: number;
  secretHash: Uint8Array;
} {
  const r = checkObject(x, 'upload');
  const si = checkStorageIndex(r.storageIndex);
  const shareNum = checkShareNum(r.shareNum);
  const secret = checkSecret(
    r.uploadSecret,
    'upload secret',
    MIN_UPLOAD_SECRET_LENGTH,
    MAX_UPLOAD_SECRET_LENGTH,
  );
  return { siName: si.name, shareNum, secretHash: hashSecret(secret) };
}
