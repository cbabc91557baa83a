/**
 * The immutable downloader (spec §4.4): find which servers hold shares (on the permuted ring,
 * answers ordered by speed), then stream the plaintext through the verifying decoder, which
 * prefers the fastest servers, falls back to another share on a missing or corrupt one, and
 * reports corruption to the server that sent it.
 */
import { chkStorageIndex, type ChkCap } from '@tessera/caps';
import { decodeChk, withDeadline, type ShareReader } from '@tessera/immutable';
import { DOWNLOAD_QUERY_TIMEOUT_MS } from './constants.ts';
import { permutedServers } from './permuted-ring.ts';
import type { StorageServerHandle } from './server.ts';

/** Options of {@link downloadImmutable}. */
export interface DownloadOptions {
  readonly servers: readonly StorageServerHandle[];
  /** Bytes `[start, end)` (default: the whole file). */
  readonly range?: { start: number; end: number };
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { bytes: number; total: number }) => void;
  readonly logger?: { warn(m: string): void };
}

/** A server's answer to "which shares do you hold", with how long it took. */
interface Found {
  server: StorageServerHandle;
  shares: number[];
  ms: number;
}

/** Asks every server on the ring which shares it holds; failures and timeouts count as none. */
export async function findShares(
  servers: readonly StorageServerHandle[],
  storageIndex: Uint8Array,
  signal?: AbortSignal,
): Promise<Found[]> {
  const ring = permutedServers(servers, storageIndex);
  const answers = await Promise.all(
    ring.map(async (server): Promise<Found | undefined> => {
      const t0 = performance.now();
      try {
        const shares = await withDeadline(DOWNLOAD_QUERY_TIMEOUT_MS, signal, (deadline) =>
          server.listShares(storageIndex, { signal: deadline }),
        );
        return { server, shares, ms: performance.now() - t0 };
      } catch {
        signal?.throwIfAborted();
        return undefined;
      }
    }),
  );
  return answers
    .filter((a): a is Found => a !== undefined && a.shares.length > 0)
    .sort((a, b) => a.ms - b.ms);
}

/**
 * Streams the plaintext of an immutable file.
 * @throws {NotEnoughSharesError} IMMUTABLE_NOT_ENOUGH_SHARES when fewer than k good shares are found
 */
export async function* downloadImmutable(
  cap: ChkCap,
  options: DownloadOptions,
): AsyncGenerator<Uint8Array> {
  const storageIndex = chkStorageIndex(cap.key);
  const found = await findShares(options.servers, storageIndex, options.signal);
  // A reader per share number first, from the fastest server holding it, spread across servers
  // (each server's first unseen share per round), as Tahoe's fetcher prefers diversity; then
  // the other copies, fastest first, in case one of the first fails.
  const readers: ShareReader[] = [];
  const serverOf = new Map<ShareReader, StorageServerHandle>();
  const add = (server: StorageServerHandle, shareNum: number): void => {
    const reader: ShareReader = {
      shareNum,
      read: (offset, length, o) => server.read(storageIndex, shareNum, offset, length, o),
    };
    readers.push(reader);
    serverOf.set(reader, server);
  };
  const seen = new Set<number>();
  const left = found.map(({ server, shares }) => ({ server, shares: [...shares] }));
  for (let added = true; added;) {
    added = false;
    for (const entry of left) {
      const at = entry.shares.findIndex((n) => !seen.has(n));
      if (at < 0) continue;
      const [shareNum] = entry.shares.splice(at, 1);
      seen.add(shareNum);
      added = true;
      add(entry.server, shareNum);
    }
  }
  for (const { server, shares } of left) for (const shareNum of shares) add(server, shareNum);
  yield* decodeChk(cap, readers, {
    range: options.range,
    signal: options.signal,
    onProgress: options.onProgress,
    onCorruptShare: (err, reader) => {
      const server = serverOf.get(reader);
      options.logger?.warn(
        `corrupt share ${err.shareNum} on ${server?.nickname || server?.id}: ${err.message}`,
      );
      server?.adviseCorruptShare(storageIndex, err.shareNum, err.message);
    },
  });
}
