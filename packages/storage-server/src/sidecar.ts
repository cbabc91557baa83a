/**
 * The sidecar of an unclosed upload (`<shnum>.state`, JSON, always replaced atomically):
 * what the store needs to resume the upload after a restart.
 */
import { readFile } from 'node:fs/promises';
import { MAX_CLIENT_ID_LENGTH } from './constants.ts';
import { fromHex, toHex } from './index-records.ts';
import { RangeSet } from './ranges.ts';
import type { Bucket } from './context.ts';

const FORMAT = 'tessera-upload';

/** The durable part of a {@link Bucket}. */
export type BucketState = Pick<
  Bucket,
  'siName' | 'shareNum' | 'allocatedSize' | 'uploadSecretHash' | 'clientId' | 'leases' | 'ranges'
>;

export function serializeSidecar(b: BucketState, ranges: RangeSet): string {
  return JSON.stringify({
    format: FORMAT,
    version: 1,
    allocatedSize: b.allocatedSize,
    uploadSecretHash: toHex(b.uploadSecretHash),
    clientId: b.clientId,
    leases: b.leases.map((l) => [toHex(l.renewHash), toHex(l.cancelHash), l.ownerId]),
    ranges: ranges.toArray(),
  });
}

const HASH = /^[0-9a-f]{64}$/;
const isUint = (x: unknown): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isHash = (x: unknown): x is string => typeof x === 'string' && HASH.test(x);
const isOwner = (x: unknown): x is string =>
  typeof x === 'string' && x.length <= MAX_CLIENT_ID_LENGTH;

/** Reads and validates a sidecar; `undefined` when it is missing or malformed. */
export async function parseSidecar(
  path: string,
  siName: string,
  shareNum: number,
): Promise<BucketState | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (o.format !== FORMAT || o.version !== 1) return undefined;
  if (!isUint(o.allocatedSize) || !isHash(o.uploadSecretHash) || !isOwner(o.clientId))
    return undefined;
  if (!Array.isArray(o.leases) || !Array.isArray(o.ranges)) return undefined;
  const leases: Bucket['leases'] = [];
  for (const l of o.leases as unknown[]) {
    if (!Array.isArray(l) || l.length !== 3 || !isHash(l[0]) || !isHash(l[1]) || !isOwner(l[2]))
      return undefined;
    leases.push({ renewHash: fromHex(l[0]), cancelHash: fromHex(l[1]), ownerId: l[2] });
  }
  const ranges = new RangeSet();
  for (const r of o.ranges as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2 || !isUint(r[0]) || !isUint(r[1])) return undefined;
    if (r[0] >= r[1] || r[1] > o.allocatedSize) return undefined;
    ranges.add(r[0], r[1]);
  }
  return {
    siName,
    shareNum,
    allocatedSize: o.allocatedSize,
    uploadSecretHash: fromHex(o.uploadSecretHash),
    clientId: o.clientId,
    leases,
    ranges,
  };
}
