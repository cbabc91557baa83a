/**
 * Where everything lives under the store's directory (Tahoe §3.1 layout; the README has the
 * full picture). Directory names come only from base32 of a validated 16-byte storage index
 * and decimal share numbers 0..255, so no client input can name another path.
 */
import { join } from 'node:path';
import { base32Decode, base32Encode, isBase32Of } from '@tessera/caps';
import { STORAGE_INDEX_LENGTH } from './constants.ts';

export interface Layout {
  root: string;
  shares: string;
  incoming: string;
  leases: string;
  pending: string;
  tmp: string;
  advisories: string;
  /** Two-character prefix directory of a storage index name. */
  prefixDir(base: string, siName: string): string;
  /** `shares/<prefix>/<si>` */
  shareDir(siName: string): string;
  /** `shares/<prefix>/<si>/<shnum>` */
  sharePath(siName: string, shareNum: number): string;
  /** `shares/incoming/<prefix>/<si>` */
  incomingDir(siName: string): string;
  /** `shares/incoming/<prefix>/<si>/<shnum>` (the container being written) */
  incomingPath(siName: string, shareNum: number): string;
  /** `shares/incoming/<prefix>/<si>/<shnum>.state` (written ranges, lease, secret hash) */
  sidecarPath(siName: string, shareNum: number): string;
}

export function createLayout(root: string): Layout {
  const shares = join(root, 'shares');
  const incoming = join(shares, 'incoming');
  const layout: Layout = {
    root,
    shares,
    incoming,
    leases: join(root, 'leases'),
    pending: join(root, 'pending'),
    tmp: join(root, 'tmp'),
    advisories: join(root, 'corruption-advisories'),
    prefixDir: (base, siName) => join(base, siName.slice(0, 2)),
    shareDir: (siName) => join(shares, siName.slice(0, 2), siName),
    sharePath: (siName, shareNum) => join(layout.shareDir(siName), String(shareNum)),
    incomingDir: (siName) => join(incoming, siName.slice(0, 2), siName),
    incomingPath: (siName, shareNum) => join(layout.incomingDir(siName), String(shareNum)),
    sidecarPath: (siName, shareNum) => join(layout.incomingDir(siName), `${shareNum}.state`),
  };
  return layout;
}

/** Parses a share file name: canonical decimal 0..255, or `undefined`. */
export function parseShareFileName(name: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(name)) return undefined;
  const n = Number(name);
  return n <= 255 ? n : undefined;
}

/** The directory name of a storage index: lower-case unpadded base32 (26 characters). */
export function storageIndexName(storageIndex: Uint8Array): string {
  return base32Encode(storageIndex);
}

/** The storage index a directory name stands for, or `undefined` if it is not canonical. */
export function parseStorageIndexName(name: string): Uint8Array | undefined {
  return isBase32Of(name, STORAGE_INDEX_LENGTH) ? base32Decode(name) : undefined;
}
