/**
 * Share containers (Tahoe §3.1). Immutable shares use the v2 container: a 12-byte header,
 * then the share data; mutable shares use the v2 mutable container: a 468-byte header with
 * the write enabler, then the data, then a 4-byte extra-lease count. Leases never live in the
 * files here (the lease index holds them), so the lease count is 0 and the four mutable lease
 * slots are zero; containers written by Tahoe with leases inside are still read correctly.
 */
import { CorruptContainerError } from './errors.ts';
import {
  IMMUTABLE_CONTAINER_VERSION,
  IMMUTABLE_HEADER_SIZE,
  IMMUTABLE_LEASE_SIZE,
  MUTABLE_HEADER_SIZE,
  MUTABLE_MAGIC_V1,
  MUTABLE_MAGIC_V2,
  WRITE_ENABLER_LENGTH,
} from './constants.ts';

/** The two kinds of share. */
export type ShareKind = 'immutable' | 'mutable';

/** Bytes to read from the start of a file to tell its kind and parse its header. */
export const HEADER_PROBE_SIZE = 100;

const WE_OFFSET = 52;
const DATA_LENGTH_OFFSET = 84;
const EXTRA_LEASE_OFFSET = 92;

/** The 12-byte header of an immutable container. */
export function encodeImmutableHeader(allocatedSize: number): Uint8Array {
  const out = new Uint8Array(IMMUTABLE_HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, IMMUTABLE_CONTAINER_VERSION);
  // Tahoe §3.1: saturated at 2^32-1; readers ignore it.
  view.setUint32(4, Math.min(allocatedSize, 0xffffffff));
  view.setUint32(8, 0);
  return out;
}

/** The kind of a share file from its first bytes, or `undefined` when it is neither. */
export function detectKind(probe: Uint8Array): ShareKind | undefined {
  if (
    probe.length >= 32 &&
    (startsWith(probe, MUTABLE_MAGIC_V2) || startsWith(probe, MUTABLE_MAGIC_V1))
  )
    return 'mutable';
  if (probe.length >= 4 && probe[0] === 0 && probe[1] === 0 && probe[2] === 0) {
    if (probe[3] === 1 || probe[3] === 2) return 'immutable';
  }
  return undefined;
}

/**
 * The data length of an immutable container: the file size minus the header and any
 * in-file leases (Tahoe containers carry them after the data).
 * @throws {CorruptContainerError} STORAGE_CORRUPT_CONTAINER
 */
export function immutableDataLength(probe: Uint8Array, fileSize: number, what: string): number {
  if (detectKind(probe) !== 'immutable' || probe.length < IMMUTABLE_HEADER_SIZE) {
    throw new CorruptContainerError(`Cannot read ${what}: not an immutable container`);
  }
  const view = new DataView(probe.buffer, probe.byteOffset, probe.byteLength);
  const leases = view.getUint32(8);
  const length = fileSize - IMMUTABLE_HEADER_SIZE - leases * IMMUTABLE_LEASE_SIZE;
  if (length < 0) {
    throw new CorruptContainerError(`Cannot read ${what}: container shorter than its header`);
  }
  return length;
}

/** A parsed mutable container header. */
export interface MutableHeader {
  writeEnabler: Uint8Array;
  dataLength: number;
}

/** The 468-byte header of a mutable container holding `dataLength` bytes. */
export function encodeMutableHeader(writeEnabler: Uint8Array, dataLength: number): Uint8Array {
  const out = new Uint8Array(MUTABLE_HEADER_SIZE);
  out.set(MUTABLE_MAGIC_V2, 0);
  // Bytes 32..52: the node id that accepted the write enabler; this store has none (zeros).
  out.set(writeEnabler, WE_OFFSET);
  setLengthFields(out, dataLength);
  return out;
}

/** The data-length and extra-lease-offset fields (bytes 84..100) for `dataLength`. */
export function encodeMutableLengthFields(dataLength: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(dataLength));
  view.setBigUint64(8, BigInt(MUTABLE_HEADER_SIZE + dataLength));
  return out;
}

/** Offset of the length fields inside the mutable header. */
export const MUTABLE_LENGTH_FIELDS_OFFSET = DATA_LENGTH_OFFSET;

function setLengthFields(header: Uint8Array, dataLength: number): void {
  header.set(encodeMutableLengthFields(dataLength), DATA_LENGTH_OFFSET);
}

/**
 * Parses a mutable container header from the first bytes of the file.
 * @throws {CorruptContainerError} STORAGE_CORRUPT_CONTAINER
 */
export function parseMutableHeader(
  probe: Uint8Array,
  fileSize: number,
  what: string,
): MutableHeader {
  if (detectKind(probe) !== 'mutable' || probe.length < EXTRA_LEASE_OFFSET + 8) {
    throw new CorruptContainerError(`Cannot read ${what}: not a mutable container`);
  }
  const view = new DataView(probe.buffer, probe.byteOffset, probe.byteLength);
  const dataLength = view.getBigUint64(DATA_LENGTH_OFFSET);
  if (dataLength > BigInt(Math.max(0, fileSize - MUTABLE_HEADER_SIZE))) {
    throw new CorruptContainerError(`Cannot read ${what}: data length past the end of the file`);
  }
  return {
    writeEnabler: probe.slice(WE_OFFSET, WE_OFFSET + WRITE_ENABLER_LENGTH),
    dataLength: Number(dataLength),
  };
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}
