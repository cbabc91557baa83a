/**
 * The storage protocol's request handlers: each turns a validated message into a share-store
 * call and the store's result into the reply (spec §3.2). The RPC layer has already checked
 * every body against its validator and cap; the store checks again. Store errors become their
 * wire codes here (`wire-errors.ts`), so a refusal changes nothing and crashes nothing.
 */
import {
  MAX_READ_TOTAL_BYTES,
  MAX_REPORTED_RANGES,
  storageServiceDefinition,
  toWireError,
} from '@tessera/protocol';
import type {
  Handler,
  OneWayName,
  RequestContext,
  RequestName,
  RpcServer,
  SlotShareData,
  SlotSubscription,
  StatsReply,
  StorageMessages,
  StorageRange,
} from '@tessera/protocol';
import { ReadTooLargeError } from '../errors.ts';
import type { Log } from '../logger.ts';
import type { ShareStore, TestWriteVector } from '../types.ts';
import { storageErrorToWire } from './wire-errors.ts';

/** What the handlers need besides the store. */
export interface HandlerDeps {
  readonly store: ShareStore;
  readonly readOnly: boolean;
  readonly log: Log;
}

type M = StorageMessages;

/** The quota key and lease owner of a request: the remote peer id. */
export function clientIdOf(ctx: RequestContext): string {
  return ctx.peer.toString();
}

function total(ranges: readonly StorageRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.length;
  return n;
}

function toShareData(map: ReadonlyMap<number, Uint8Array[]>): SlotShareData[] {
  return [...map].sort(([a], [b]) => a - b).map(([shareNum, data]) => ({ shareNum, data }));
}

/** Registers every request and one-way handler of the storage service on `rpc`. */
export function registerHandlers(rpc: RpcServer<M, SlotSubscription>, deps: HandlerDeps): void {
  const { store, log } = deps;

  function handle<K extends RequestName<M> | OneWayName<M>>(type: K, fn: Handler<M, K>): void {
    rpc.handle(type, async (body, ctx) => {
      // The request was cancelled (or its client left) before the handler ran: the RPC layer
      // has already given up on it and no longer listens, so a rejection here would go
      // unobserved. Do nothing, and never settle.
      if (ctx.signal.aborted) return new Promise<never>(() => {});
      try {
        return await fn(body, ctx);
      } catch (err) {
        const wire = storageErrorToWire(err);
        // What the client will only see as PROTOCOL_INTERNAL_ERROR (a file system error, a
        // bug) is the operator's to know about.
        if (
          toWireError(wire, storageServiceDefinition.errorCodes).code === 'PROTOCOL_INTERNAL_ERROR'
        ) {
          log.error(`Cannot answer "${type}" from ${clientIdOf(ctx)}: ${String(err)}`);
        }
        throw wire;
      }
    });
  }

  handle('allocate-buckets', (body, ctx) =>
    store.allocateBuckets({ ...body, clientId: clientIdOf(ctx) }, { signal: ctx.signal }),
  );

  handle('write', async (body, ctx) => {
    const bucket = {
      storageIndex: body.storageIndex,
      shareNum: body.shareNum,
      uploadSecret: body.uploadSecret,
    };
    // Decoded from the wire: always one Uint8Array (ByteParts exist on the sending side only).
    const data = body.data instanceof Uint8Array ? body.data : Buffer.concat(body.data.parts);
    const progress = await store.writeBucket(
      bucket,
      { offset: body.offset, data },
      { signal: ctx.signal },
    );
    const written = total(progress.written);
    // A closing write: the share must be complete now (STORAGE_INCOMPLETE_SHARE otherwise, the
    // bytes written all the same).
    if (body.close === true) await store.closeBucket(bucket, { signal: ctx.signal });
    return {
      written,
      ...(body.reportMissing === true
        ? { missing: progress.missing.slice(0, MAX_REPORTED_RANGES) }
        : {}),
      ...(body.close === true ? { closed: true } : {}),
    };
  });

  handle('written-ranges', async (body, ctx) => {
    const progress = await store.writtenRanges(body, { signal: ctx.signal });
    return {
      allocatedSize: progress.allocatedSize,
      written: progress.written.slice(0, MAX_REPORTED_RANGES),
      missing: progress.missing.slice(0, MAX_REPORTED_RANGES),
      truncated:
        progress.written.length > MAX_REPORTED_RANGES ||
        progress.missing.length > MAX_REPORTED_RANGES,
    };
  });

  handle('close', async (body, ctx) => {
    await store.closeBucket(body, { signal: ctx.signal });
    return {};
  });

  handle('abort', async (body, ctx) => {
    await store.abortBucket(body, { signal: ctx.signal });
    return {};
  });

  handle('read', async (body, ctx) => ({
    data: await store.readShare(
      { storageIndex: body.storageIndex, shareNum: body.shareNum },
      body.ranges,
      { signal: ctx.signal },
    ),
  }));

  handle('list-shares', async (body, ctx) => ({
    shareNums: await store.listShares(body.storageIndex, { signal: ctx.signal }),
  }));

  handle('add-lease', async (body, ctx) => ({
    shares: await store.addLease(
      body.storageIndex,
      { renewSecret: body.renewSecret, cancelSecret: body.cancelSecret },
      { clientId: clientIdOf(ctx), signal: ctx.signal },
    ),
  }));

  handle('renew-lease', async (body, ctx) => ({
    renewed: await store.renewLease(body.storageIndex, body.renewSecret, { signal: ctx.signal }),
  }));

  handle('cancel-lease', (body, ctx) =>
    store.cancelLease(body.storageIndex, body.cancelSecret, { signal: ctx.signal }),
  );

  handle('slot-read', async (body, ctx) => {
    const shares = await store.slotRead(body, { signal: ctx.signal });
    let bytes = 0;
    for (const data of shares.values()) for (const d of data) bytes += d.length;
    // The request caps each share's ranges; with every share of a slot the reply may not fit.
    if (bytes > MAX_READ_TOTAL_BYTES) {
      throw new ReadTooLargeError(
        `Cannot read ${bytes} bytes of ${shares.size} shares in one call: at most ${MAX_READ_TOTAL_BYTES}`,
        bytes,
        MAX_READ_TOTAL_BYTES,
      );
    }
    return { shares: toShareData(shares) };
  });

  handle('slot-test-and-write', async (body, ctx) => {
    const testWriteVectors = new Map<number, TestWriteVector>();
    for (const v of body.vectors) {
      testWriteVectors.set(v.shareNum, {
        test: v.test.map((t) => ({ offset: t.offset, length: t.length, specimen: t.specimen })),
        write: v.write,
        newLength: v.newLength ?? null,
      });
    }
    const result = await store.slotTestAndWrite(
      {
        storageIndex: body.storageIndex,
        writeEnabler: body.writeEnabler,
        renewSecret: body.renewSecret,
        cancelSecret: body.cancelSecret,
        testWriteVectors,
        readVector: body.readVector,
        clientId: clientIdOf(ctx),
      },
      { signal: ctx.signal },
    );
    return { ok: result.ok, reads: toShareData(result.reads) };
  });

  handle('advise-corrupt-share', async (body, ctx) => {
    const share = { storageIndex: body.storageIndex, shareNum: body.shareNum };
    const recorded = await store.adviseCorruptShare(share, body.reason, { signal: ctx.signal });
    log.info(
      `${clientIdOf(ctx)} reports share ${body.shareNum} of ${Buffer.from(body.storageIndex).toString('hex')} corrupt` +
        (recorded ? '' : ' (not recorded)'),
    );
  });

  handle('stats', async (_body, ctx): Promise<StatsReply> => {
    const stats = store.stats();
    const usage = store.clientUsage(clientIdOf(ctx));
    return {
      ...stats,
      availableSpace: Math.floor(await store.availableSpace({ signal: ctx.signal })),
      readOnly: deps.readOnly,
      clientUsed: usage.used,
      ...(usage.limit === undefined ? {} : { clientLimit: Math.floor(usage.limit) }),
    };
  });
}
