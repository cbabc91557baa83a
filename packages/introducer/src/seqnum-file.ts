/**
 * The announcer's seqnum file (as Tahoe's `announcement-seqnum`, spec §7): one decimal number
 * and a newline, the last seqnum this node signed. It is written before the announcement is
 * sent, so a restarted node never signs the same seqnum twice.
 * @packageDocumentation
 */
import { MAX_SEQNUM_FILE_BYTES } from './constants.ts';
import { openIfExists, writeFileAtomic } from './atomic-file.ts';
import { InvalidSeqnumFileError } from './errors.ts';

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The seqnum in a seqnum file's text (surrounding white space allowed).
 * @throws {InvalidSeqnumFileError} `INTRODUCER_BAD_SEQNUM_FILE`
 */
export function parseSeqnum(text: string, path = '(memory)'): number {
  const t = text.trim();
  if (!DECIMAL.test(t)) throw new InvalidSeqnumFileError(path, 'not a decimal number');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new InvalidSeqnumFileError(path, 'number too large');
  return n;
}

/**
 * Reads the seqnum file; undefined when there is none.
 * @throws {InvalidSeqnumFileError} `INTRODUCER_BAD_SEQNUM_FILE` for a file without one number
 * @throws the file system's error when the file exists but cannot be read
 */
export async function readSeqnum(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<number | undefined> {
  options.signal?.throwIfAborted();
  const handle = await openIfExists(path);
  if (handle === undefined) return undefined;
  try {
    const buf = new Uint8Array(MAX_SEQNUM_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SEQNUM_FILE_BYTES) throw new InvalidSeqnumFileError(path, 'file too large');
    return parseSeqnum(new TextDecoder().decode(buf.subarray(0, bytesRead)), path);
  } finally {
    await handle.close();
  }
}

/**
 * Writes the seqnum file atomically.
 * @throws {RangeError} when `seqnum` is not a non-negative safe integer
 * @throws the file system's error
 */
export async function writeSeqnum(
  path: string,
  seqnum: number,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  if (!Number.isSafeInteger(seqnum) || seqnum < 0) {
    throw new RangeError(`Cannot write seqnum ${seqnum}: not a non-negative integer`);
  }
  await writeFileAtomic(path, `${seqnum}\n`, options);
}
