/**
 * The immutable uploader (spec §4.3): plan the file (key pass), select servers on the
 * permuted ring until servers-of-happiness holds, resume any buckets a previous run of the
 * same upload left behind, then stream every segment's blocks to every server in parallel
 * with bounded buffers, and close the buckets.
 */
import { planChkUpload, withDeadline, type ByteSource } from '@tessera/immutable';
import { UPLOAD_QUERY_TIMEOUT_MS } from './constants.ts';
import { ClientError } from './errors.ts';
import { assertHappiness } from './happiness.ts';
import { permutedServers } from './permuted-ring.ts';
import {
  recordAllocationReplies,
  recordFirstRound,
  recordExistingShares,
  selectionAllocations,
} from './selection-answers.ts';
import {
  selectServersForUpload,
  startServerSelection,
  type AllocationReply,
  type AllocationRequest,
  type ExistingSharesAnswer,
} from './server-selection.ts';
import { bucketSecrets, type ClientSecrets } from './secrets.ts';
import type { StorageServerHandle } from './server.ts';
import { SharePusher, type PushBucket } from './share-pusher.ts';

/** Encoding parameters of an upload. */
export interface Encoding {
  readonly neededShares: number;
  readonly happy: number;
  readonly totalShares: number;
  readonly maxSegmentSize: number;
}

/** Progress of an upload, for progress bars. */
export type UploadProgress =
  | { phase: 'hashing'; bytes: number; total: number }
  | { phase: 'placing'; servers: number }
  | { phase: 'uploading'; bytes: number; total: number; skipped: number };

/** Options of {@link uploadImmutable}. */
export interface UploadOptions {
  readonly servers: readonly StorageServerHandle[];
  readonly secrets: ClientSecrets;
  readonly encoding: Encoding;
  /** Random-key mode: no convergence, one pass. */
  readonly randomKey?: boolean;
  /**
   * Bytes one server may hold before the uploader waits: queued for it and sent but not yet
   * acknowledged (default 3 MiB).
   */
  readonly maxInFlightBytesPerServer?: number;
  /**
   * Consecutive bytes of one share sent as one `write` request, at most (default 2 MiB): blocks
   * are merged up to this size, as a list of pieces (not copied). A value below the block size
   * sends each block on its own.
   */
  readonly maxWriteBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: UploadProgress) => void;
  readonly logger?: { info(m: string): void; warn(m: string): void };
}

/** What an upload did. */
export interface UploadResult {
  readonly readCap: string;
  readonly verifyCap: string | undefined;
  readonly size: number;
  /** Server id → shares it holds after the upload. */
  readonly shareMap: Map<string, Set<number>>;
  readonly happiness: number;
  /** Share bytes sent (excludes resumed ranges and shares servers already had). */
  readonly bytesSent: number;
}

/** Thrown when a server fails during the push and happiness can no longer be met. */
export class UploadFailedError extends ClientError {
  constructor(message: string, options?: ErrorOptions) {
    super('CLIENT_UPLOAD_FAILED', message, options);
    this.name = 'UploadFailedError';
  }
}

/**
 * Bytes a server holds at most, queued and unacknowledged: one 2 MiB request answered while the
 * next fills. With 4 MiB a 1 GiB put was no faster and its client held ~10 MiB more blocks.
 */
const DEFAULT_BUDGET_PER_SERVER = 3 * 1024 * 1024;

/**
 * Consecutive writes to one bucket are sent as one request up to this size: a server's cost is
 * largely per request (a 1 MiB segment's 3-of-n block is 341 KiB; a grid put with 1 MiB blocks
 * took a quarter less storage-node CPU than with 341 KiB ones).
 */
const DEFAULT_MAX_WRITE_BYTES = 2 * 1024 * 1024;

/**
 * Uploads an immutable file and returns its caps.
 * @throws {UploadUnhappyError} CLIENT_UPLOAD_UNHAPPY when shares cannot reach `happy` servers
 * @throws {UploadFailedError} CLIENT_UPLOAD_FAILED when too many servers fail during the push
 */
export async function uploadImmutable(
  source: ByteSource,
  options: UploadOptions,
): Promise<UploadResult> {
  const { encoding, secrets, signal } = options;
  const plan = await planChkUpload(source, {
    neededShares: encoding.neededShares,
    totalShares: encoding.totalShares,
    maxSegmentSize: encoding.maxSegmentSize,
    convergenceSecret: options.randomKey === true ? undefined : secrets.convergence,
    signal,
    onProgress: (e) => {
      if (e.pass === 'key')
        options.onProgress?.({ phase: 'hashing', bytes: e.bytes, total: e.total });
    },
  });
  if (plan.literal) {
    const r = plan.result();
    return {
      readCap: r.readCap,
      verifyCap: undefined,
      size: r.size,
      shareMap: new Map(),
      happiness: 0,
      bytesSent: 0,
    };
  }
  const storageIndex = plan.storageIndex!;
  const layout = plan.layout!;
  const byId = new Map(options.servers.map((s) => [s.id, s]));
  const ring = permutedServers(options.servers, storageIndex);
  const secretsOf = (s: StorageServerHandle): ReturnType<typeof bucketSecrets> =>
    bucketSecrets(secrets, storageIndex, s.leaseSeed);

  // Buckets (`serverId/shareNum`) their server allocated afresh: nothing to resume there.
  const fresh = new Set<string>();

  const queryAll = (ids: readonly string[]): Promise<ExistingSharesAnswer[]> =>
    Promise.all(
      ids.map(async (id): Promise<ExistingSharesAnswer> => {
        try {
          const shares = await withDeadline(UPLOAD_QUERY_TIMEOUT_MS, signal, (deadline) =>
            byId.get(id)!.listShares(storageIndex, { signal: deadline }),
          );
          return { serverId: id, shares };
        } catch (err) {
          signal?.throwIfAborted();
          return { serverId: id, failure: queryFailure(err) };
        }
      }),
    );
  const allocateAll = (requests: readonly AllocationRequest[]): Promise<AllocationReply[]> =>
    Promise.all(
      requests.map(async (request): Promise<AllocationReply> => {
        const server = byId.get(request.serverId)!;
        try {
          const r = await withDeadline(UPLOAD_QUERY_TIMEOUT_MS, signal, (deadline) =>
            server.allocateBuckets(
              {
                storageIndex,
                ...secretsOf(server),
                shareNums: [...request.shares],
                allocatedSize: layout.allocatedSize,
              },
              { signal: deadline },
            ),
          );
          for (const n of r.allocated) {
            // Only a resumed upload can hold bytes; a server that does not say is asked.
            const key = `${server.id}/${n}`;
            if (r.resumed !== undefined && !r.resumed.includes(n)) fresh.add(key);
            else fresh.delete(key);
          }
          return { request, alreadyHave: r.alreadyHave, allocated: r.allocated };
        } catch (err) {
          signal?.throwIfAborted();
          options.logger?.warn(
            `allocate on ${server.nickname || server.id} failed: ${(err as Error).message}`,
          );
          return { request, failure: queryFailure(err) };
        }
      }),
    );

  // Server selection (spec §4.3), starting with the query and, for a new file, the allocation
  // in one round trip (see `recordFirstRound`).
  let state = startServerSelection({
    servers: ring.map((s) => ({ id: s.id, readOnly: s.maxShareSize < layout.allocatedSize })),
    totalShares: encoding.totalShares,
    happy: encoding.happy,
    speculate: true,
  });
  let done;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const step = selectServersForUpload(state);
      if (step.action === 'done') {
        done = step;
        break;
      }
      if (step.action === 'query') {
        options.onProgress?.({ phase: 'placing', servers: step.serverIds.length });
        state = recordExistingShares(state, await queryAll(step.serverIds));
      } else if (step.action === 'query-allocate') {
        options.onProgress?.({
          phase: 'placing',
          servers: step.serverIds.length + step.requests.length,
        });
        const [answers, replies] = await Promise.all([
          queryAll(step.serverIds),
          allocateAll(step.requests),
        ]);
        const first = recordFirstRound(state, answers, replies);
        state = first.state;
        // Buckets a previous run of this upload left (resumed) stay, as Tahoe's loop leaves them.
        const opened = [...first.abort].map(([id, shares]): [string, Set<number>] => [
          id,
          new Set([...shares].filter((n) => fresh.has(`${id}/${n}`))),
        ]);
        await abortAll(new Map(opened), byId, secretsOf, storageIndex);
      } else {
        state = recordAllocationReplies(state, await allocateAll(step.requests));
      }
    }
  } catch (err) {
    await abortAll(selectionAllocations(state), byId, secretsOf, storageIndex);
    throw err;
  }

  // Buckets to write: share number → its server and bucket.
  const buckets = new Map<number, PushBucket>();
  for (const [serverId, shares] of done.allocations) {
    const server = byId.get(serverId)!;
    for (const shareNum of shares) {
      if (buckets.has(shareNum)) continue; // one copy of each share is enough
      buckets.set(shareNum, {
        server,
        bucket: { storageIndex, shareNum, uploadSecret: secretsOf(server).uploadSecret },
        written: [],
      });
    }
  }
  // Resume: a previous run of this upload may have written parts of these buckets.
  await Promise.all(
    [...buckets.values()].map(async (b) => {
      if (fresh.has(`${b.server.id}/${b.bucket.shareNum}`)) return;
      try {
        b.written = await b.server.writtenRanges(b.bucket, { signal });
      } catch {
        b.written = [];
      }
    }),
  );
  const shareMap = done.shareMap;
  const failed = new Set<string>();
  let firstError: Error | undefined;

  const throwIfFailed = (): void => {
    if (firstError !== undefined) throw firstError;
  };

  const dropServer = (server: StorageServerHandle, err: unknown): void => {
    if (failed.has(server.id)) return;
    failed.add(server.id);
    options.logger?.warn(
      `server ${server.nickname || server.id} failed during upload: ${(err as Error).message}`,
    );
    shareMap.delete(server.id);
    for (const [num, b] of buckets) if (b.server.id === server.id) buckets.delete(num);
    try {
      assertHappiness(shareMap, { happy: encoding.happy, totalShares: encoding.totalShares });
    } catch (e) {
      firstError ??= e instanceof Error ? e : new Error(String(e));
    }
  };

  const pusher = new SharePusher(buckets, {
    budgetPerServer: options.maxInFlightBytesPerServer ?? DEFAULT_BUDGET_PER_SERVER,
    maxWriteBytes: options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES,
    signal,
    onFailure: dropServer,
  });

  const total = plan.size;
  try {
    let produced = 0;
    const segmentSize = plan.params!.segmentSize;
    for await (const batch of plan.encode([...buckets.keys()])) {
      signal?.throwIfAborted();
      throwIfFailed();
      for (const w of batch) await pusher.send(w);
      produced = Math.min(total, produced + segmentSize);
      options.onProgress?.({ phase: 'uploading', bytes: produced, total, skipped: pusher.skipped });
    }
    await pusher.finish();
    throwIfFailed();
    // Shares whose last write did not close them (see SharePusher.finish).
    await Promise.all(
      [...buckets]
        .filter(([shareNum]) => !pusher.closed.has(shareNum))
        .map(([, b]) =>
          b.server.close(b.bucket, { signal }).catch((err: unknown) => dropServer(b.server, err)),
        ),
    );
    throwIfFailed();
  } catch (err) {
    // An interrupted upload keeps its buckets, so running it again resumes them.
    if (signal?.aborted) throw err;
    await abortAll(
      new Map([...buckets.values()].map((b) => [b.server.id, new Set([b.bucket.shareNum])])),
      byId,
      secretsOf,
      storageIndex,
    );
    if (err instanceof ClientError) throw err;
    throw new UploadFailedError(`Cannot upload: ${(err as Error).message}`, { cause: err });
  }
  const r = plan.result();
  return {
    readCap: r.readCap,
    verifyCap: r.verifyCap,
    size: r.size,
    shareMap,
    happiness: done.happiness,
    bytesSent: pusher.bytesSent,
  };
}

async function abortAll(
  allocations: Map<string, Set<number>>,
  byId: Map<string, StorageServerHandle>,
  secretsOf: (s: StorageServerHandle) => { uploadSecret: Uint8Array },
  storageIndex: Uint8Array,
): Promise<void> {
  await Promise.all(
    [...allocations].flatMap(([id, shares]) => {
      const server = byId.get(id);
      if (server === undefined) return [];
      const uploadSecret = secretsOf(server).uploadSecret;
      return [...shares].map((shareNum) =>
        server.abort({ storageIndex, shareNum, uploadSecret }).catch(() => undefined),
      );
    }),
  );
}

/**
 * How a placement query failed: `timeout` when its deadline passed (the request's own, or the
 * `withDeadline` around it, which reaches the RPC layer as an abort caused by a `TimeoutError`),
 * else `error`. Tahoe's selection treats a server that timed out as read-only, not as broken.
 */
export function queryFailure(err: unknown): 'timeout' | 'error' {
  const e = err as { name?: unknown; code?: unknown; cause?: { name?: unknown } } | undefined;
  const timedOut =
    e?.code === 'PROTOCOL_REQUEST_TIMEOUT' ||
    e?.name === 'TimeoutError' ||
    e?.cause?.name === 'TimeoutError';
  return timedOut ? 'timeout' : 'error';
}
