/**
 * The records of the lease index journal and their validator. Every record is idempotent (an
 * upsert or a delete), so replaying a journal, or a redo log after a crash, twice gives the
 * same state as once. Field names are short because the journal holds one line per operation.
 */
import { MAX_CLIENT_ID_LENGTH, MAX_SHARE_NUMBER } from './constants.ts';

/** Set a share's kind, accounted size and owner (the client whose quota it counts against). */
export interface ShareSetRecord {
  t: 'S';
  si: string;
  sh: number;
  k: 'i' | 'm';
  n: number;
  o: string;
}

/** Forget a share and all its leases. */
export interface ShareDeleteRecord {
  t: 'D';
  si: string;
  sh: number;
}

/** Set the lease keyed by renew-secret hash `r` (hex) on a share. */
export interface LeaseSetRecord {
  t: 'L';
  si: string;
  sh: number;
  r: string;
  c: string;
  e: number;
  o: string;
}

/** Remove the lease keyed by renew-secret hash `r` from a share. */
export interface LeaseRemoveRecord {
  t: 'X';
  si: string;
  sh: number;
  r: string;
}

export type IndexRecord = ShareSetRecord | ShareDeleteRecord | LeaseSetRecord | LeaseRemoveRecord;

const SI_NAME = /^[a-z2-7]{26}$/;
const HASH_HEX = /^[0-9a-f]{64}$/;

function isShareNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= MAX_SHARE_NUMBER;
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isOwner(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_CLIENT_ID_LENGTH;
}

/** Returns the record if `x` is a well-formed index record, else `undefined`. */
export function parseIndexRecord(x: unknown): IndexRecord | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  if (typeof r.si !== 'string' || !SI_NAME.test(r.si) || !isShareNum(r.sh)) return undefined;
  const si = r.si;
  const sh = r.sh;
  switch (r.t) {
    case 'S':
      if ((r.k !== 'i' && r.k !== 'm') || !isUint(r.n) || !isOwner(r.o)) return undefined;
      return { t: 'S', si, sh, k: r.k, n: r.n, o: r.o };
    case 'D':
      return { t: 'D', si, sh };
    case 'L':
      if (typeof r.r !== 'string' || !HASH_HEX.test(r.r)) return undefined;
      if (typeof r.c !== 'string' || !HASH_HEX.test(r.c)) return undefined;
      if (!isUint(r.e) || !isOwner(r.o)) return undefined;
      return { t: 'L', si, sh, r: r.r, c: r.c, e: r.e, o: r.o };
    case 'X':
      if (typeof r.r !== 'string' || !HASH_HEX.test(r.r)) return undefined;
      return { t: 'X', si, sh, r: r.r };
    default:
      return undefined;
  }
}

/** Parses a JSON array of records; `undefined` when any element is malformed. */
export function parseIndexRecords(x: unknown): IndexRecord[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: IndexRecord[] = [];
  for (const item of x) {
    const rec = parseIndexRecord(item);
    if (rec === undefined) return undefined;
    out.push(rec);
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
