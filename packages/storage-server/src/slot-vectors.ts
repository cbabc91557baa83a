/** Validation of the test-and-write vectors of a mutable slot write (Tahoe §3.2). */
import { InvalidArgumentError, ShareTooLargeError } from './errors.ts';
import { MAX_VECTOR_LENGTH } from './constants.ts';
import { checkBytes, checkObject, checkShareNum, checkUint } from './validate.ts';
import type { TestVector, WriteVector } from './types.ts';

/** A validated test-write vector; `newLength` is `undefined` when absent or null. */
export interface ShareVectors {
  test: TestVector[];
  write: WriteVector[];
  newLength: number | undefined;
}

function checkList(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new InvalidArgumentError(`Cannot use ${what}: not an array`);
  if (x.length > MAX_VECTOR_LENGTH) {
    throw new InvalidArgumentError(
      `Cannot use ${what}: ${x.length} entries, at most ${MAX_VECTOR_LENGTH}`,
    );
  }
  return x;
}

function checkEnd(offset: number, length: number, maxShareSize: number, shareNum: number): void {
  const end = offset + length;
  if (end > maxShareSize) {
    throw new ShareTooLargeError(
      `Cannot write share ${shareNum}: bytes up to ${end} go past the maximum share size ${maxShareSize}`,
      end,
      maxShareSize,
    );
  }
}

/**
 * Checks a `Map<shnum, {test, write, newLength}>` from a client.
 * @throws {StorageError} STORAGE_INVALID_ARGUMENT, STORAGE_INVALID_SHARE_NUMBER,
 *   STORAGE_INVALID_RANGE, STORAGE_SHARE_TOO_LARGE
 */
export function checkTestWriteVectors(x: unknown, maxShareSize: number): Map<number, ShareVectors> {
  if (!(x instanceof Map))
    throw new InvalidArgumentError('Cannot use test-write vectors: not a Map');
  if (x.size > 256)
    throw new InvalidArgumentError('Cannot use test-write vectors: more than 256 shares');
  const out = new Map<number, ShareVectors>();
  for (const [key, value] of x as Map<unknown, unknown>) {
    const shareNum = checkShareNum(key);
    const v = checkObject(value, `vectors of share ${shareNum}`);
    const test = checkList(v.test, 'test vector').map((t): TestVector => {
      const o = checkObject(t, 'test vector entry');
      const offset = checkUint(o.offset, 'test offset');
      const length = checkUint(o.length, 'test length');
      return { offset, length, specimen: checkBytes(o.specimen, 'test specimen') };
    });
    const write = checkList(v.write, 'write vector').map((w): WriteVector => {
      const o = checkObject(w, 'write vector entry');
      const offset = checkUint(o.offset, 'write offset');
      const data = checkBytes(o.data, 'write data');
      checkEnd(offset, data.length, maxShareSize, shareNum);
      return { offset, data };
    });
    let newLength: number | undefined;
    if (v.newLength !== undefined && v.newLength !== null)
      newLength = checkUint(v.newLength, 'new length');
    out.set(shareNum, { test, write, newLength });
  }
  return out;
}
