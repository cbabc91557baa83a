/** Netstrings (spec §1): `len ":" data ","`, the framing Tahoe puts around every hashed value. */
import { MalformedNetstringError } from './errors.ts';

const encoder = new TextEncoder();

/** Encodes `data` as a netstring. Strings are taken as UTF-8. */
export function netstring(data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const prefix = encoder.encode(`${bytes.length}:`);
  const out = new Uint8Array(prefix.length + bytes.length + 1);
  out.set(prefix, 0);
  out.set(bytes, prefix.length);
  out[out.length - 1] = 0x2c;
  return out;
}

/**
 * Reads one netstring at `offset` of `buf`.
 * @returns the payload (a view into `buf`) and the offset just past the trailing comma
 * @throws {MalformedNetstringError} CAPS_MALFORMED_NETSTRING when the bytes are not a netstring
 */
export function readNetstring(buf: Uint8Array, offset = 0): { value: Uint8Array; end: number } {
  let i = offset;
  let len = 0;
  const maxDigits = 15;
  while (i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39) {
    if (i - offset >= maxDigits)
      throw new MalformedNetstringError('Cannot read netstring: length too long');
    if (i > offset && len === 0)
      throw new MalformedNetstringError('Cannot read netstring: leading zero');
    len = len * 10 + (buf[i] - 0x30);
    i++;
  }
  if (i === offset)
    throw new MalformedNetstringError(`Cannot read netstring: no length at ${offset}`);
  if (buf[i] !== 0x3a) throw new MalformedNetstringError(`Cannot read netstring: no ":" at ${i}`);
  const start = i + 1;
  const stop = start + len;
  if (stop >= buf.length || buf[stop] !== 0x2c) {
    throw new MalformedNetstringError(
      `Cannot read netstring: no "," after ${len} bytes at ${start}`,
    );
  }
  return { value: buf.subarray(start, stop), end: stop + 1 };
}
