/**
 * `createShareStore`: the factory that wires the store's modules together, validates every
 * request before it reaches them, and runs the Startable lifecycle.
 */
import { mkdir } from 'node:fs/promises';
import { InvalidArgumentError, NotStartedError } from './errors.ts';
import {
  LEASE_SECRET_LENGTH,
  MAX_ADVISORY_REASON_LENGTH,
  MAX_UPLOAD_SECRET_LENGTH,
  MIN_UPLOAD_SECRET_LENGTH,
  WRITE_ENABLER_LENGTH,
} from './constants.ts';
import { resolveConfig } from './config.ts';
import { probeDirectWrites } from './container-file.ts';
import { checkAborted, nowSeconds, type StoreContext } from './context.ts';
import { removeTree } from './fs-util.ts';
import * as incoming from './incoming.ts';
import { reloadIncoming } from './incoming-reload.ts';
import * as immutable from './immutable.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { createLayout } from './layout.ts';
import { createLeaseIndex } from './lease-index.ts';
import { createLeaseJournal } from './lease-journal.ts';
import * as leases from './leases.ts';
import { toLog } from './logger.ts';
import { hashSecret } from './secrets.ts';
import { createSlotEvents } from './slot-events.ts';
import { recoverPending } from './slot-markers.ts';
import { checkTestWriteVectors } from './slot-vectors.ts';
import * as slots from './slots.ts';
import { adviseCorruptShare } from './advisories.ts';
import { availableFrom, clientUsed, freeDiskBytes, quotaLimit } from './space.ts';
import {
  checkBucketRef,
  checkBytes,
  checkClientId,
  checkObject,
  checkRanges,
  checkSecret,
  checkShareNums,
  checkShareRef,
  checkStorageIndex,
  checkUint,
} from './validate.ts';
import type { ShareStore, ShareStoreInit } from './types.ts';

/**
 * Creates a share store over `init.dir`. Call `start()` before anything else.
 * @throws {TypeError | RangeError} on an impossible `init` (a programmer's mistake)
 * @example
 * ```ts
 * const store = createShareStore({ dir: '/var/lib/tessera/storage', reservedSpace: 10e9 });
 * await store.start();
 * const { allocated } = await store.allocateBuckets({ storageIndex, renewSecret, cancelSecret,
 *   uploadSecret, shareNums: [0, 1], allocatedSize: data.length });
 * await store.writeBucket({ storageIndex, shareNum: 0, uploadSecret }, { offset: 0, data });
 * await store.closeBucket({ storageIndex, shareNum: 0, uploadSecret });
 * ```
 */
export function createShareStore(init: ShareStoreInit): ShareStore {
  const config = resolveConfig(init);
  const log = toLog(init.logger);
  const layout = createLayout(init.dir);
  const index = createLeaseIndex();
  const events = createSlotEvents(log);
  const ctx: StoreContext = {
    layout,
    config,
    index,
    journal: createLeaseJournal(layout.leases, index, log),
    locks: createKeyedLock(),
    log,
    buckets: new Map(),
    pendingBytes: new Map(),
    directWrites: false,
    openBucketFiles: 0,
    emitSlotChange: (change) => events.emit(change),
  };

  let state: 'stopped' | 'starting' | 'started' | 'stopping' = 'stopped';
  let transition: Promise<void> | undefined;
  let inflight = 0;
  let idle: (() => void) | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  /** Runs one public operation: refuses it unless started, and tracks it for `stop()`. */
  async function run<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (state !== 'started') throw new NotStartedError(`Cannot ${what}: the store is not started`);
    checkAborted(signal, what);
    inflight += 1;
    try {
      return await fn();
    } finally {
      inflight -= 1;
      if (inflight === 0) idle?.();
    }
  }

  async function doStart(): Promise<void> {
    for (const d of [layout.root, layout.shares, layout.incoming, layout.pending, layout.leases]) {
      await mkdir(d, { recursive: true });
    }
    await ctx.journal.load();
    await mkdir(layout.tmp, { recursive: true });
    // Redo markers name files in tmp/, so tmp/ is emptied only after they are applied.
    await recoverPending(ctx);
    await removeTree(layout.tmp);
    await mkdir(layout.tmp, { recursive: true });
    ctx.directWrites = config.directWrites && (await probeDirectWrites(layout.incoming));
    log.info(
      ctx.directWrites
        ? 'Uploads are written past the page cache (direct I/O)'
        : 'Uploads are written through the page cache',
    );
    ctx.buckets.clear();
    await reloadIncoming(ctx);
    if (config.sweepIntervalSeconds > 0) {
      sweepTimer = setInterval(() => {
        if (state !== 'started') return;
        run('sweep uploads', undefined, () => incoming.sweepIncoming(ctx, nowSeconds(ctx))).catch(
          (e: unknown) => {
            log.warn(`Cannot sweep abandoned uploads: ${String(e)}`);
          },
        );
      }, config.sweepIntervalSeconds * 1000);
      sweepTimer.unref();
    }
  }

  async function doStop(): Promise<void> {
    if (sweepTimer !== undefined) clearInterval(sweepTimer);
    sweepTimer = undefined;
    while (inflight > 0) await new Promise<void>((resolve) => (idle = resolve));
    idle = undefined;
    await incoming.flushAllSidecars(ctx);
    await ctx.journal.close();
    ctx.buckets.clear();
  }

  const store: ShareStore = {
    async start() {
      while (transition !== undefined) await transition;
      if (state === 'started') return;
      state = 'starting';
      transition = doStart().then(
        () => {
          state = 'started';
        },
        async (e: unknown) => {
          state = 'stopped';
          await ctx.journal.close().catch(() => undefined);
          throw e;
        },
      );
      try {
        await transition;
      } finally {
        transition = undefined;
      }
    },

    async stop() {
      while (transition !== undefined) await transition.catch(() => undefined);
      if (state !== 'started') return;
      state = 'stopping';
      transition = doStop().finally(() => {
        state = 'stopped';
      });
      try {
        await transition;
      } finally {
        transition = undefined;
      }
    },

    isStarted: () => state === 'started',

    allocateBuckets(request, options) {
      return run('allocate shares', options?.signal, () => {
        const r = checkObject(request, 'allocation request');
        const si = checkStorageIndex(r.storageIndex);
        const renew = checkSecret(r.renewSecret, 'renew secret', LEASE_SECRET_LENGTH);
        const cancel = checkSecret(r.cancelSecret, 'cancel secret', LEASE_SECRET_LENGTH);
        const upload = checkSecret(
          r.uploadSecret,
          'upload secret',
          MIN_UPLOAD_SECRET_LENGTH,
          MAX_UPLOAD_SECRET_LENGTH,
        );
        const shareNums = checkShareNums(r.shareNums);
        const allocatedSize = checkUint(r.allocatedSize, 'allocated size');
        const clientId = checkClientId(r.clientId);
        return immutable.allocateBuckets(
          ctx,
          {
            siName: si.name,
            grant: leases.grantFromSecrets(renew, cancel, clientId),
            uploadSecretHash: hashSecret(upload),
            shareNums,
            allocatedSize,
            clientId,
          },
          options?.signal,
        );
      });
    },

    writeBucket(bucket, write, options) {
      return run('write a share', options?.signal, () => {
        const b = checkBucketRef(bucket);
        const w = checkObject(write, 'write');
        const offset = checkUint(w.offset, 'offset');
        const data = checkBytes(w.data, 'data');
        if (!Number.isSafeInteger(offset + data.length))
          checkUint(offset + data.length, 'write end');
        return incoming.writeBucket(ctx, b.siName, b.shareNum, b.secretHash, offset, data);
      });
    },

    writtenRanges(bucket, options) {
      return run('read upload progress', options?.signal, () => {
        const b = checkBucketRef(bucket);
        const found = incoming.findBucket(ctx, b.siName, b.shareNum, b.secretHash);
        // Asking for progress is activity too: it keeps the upload from being swept.
        found.lastActivitySeconds = nowSeconds(ctx);
        return Promise.resolve(incoming.progress(found));
      });
    },

    closeBucket(bucket, options) {
      return run('close a share', options?.signal, () => {
        const b = checkBucketRef(bucket);
        return incoming.closeBucket(ctx, b.siName, b.shareNum, b.secretHash);
      });
    },

    abortBucket(bucket, options) {
      return run('abort an upload', options?.signal, () => {
        const b = checkBucketRef(bucket);
        return incoming.abortBucket(ctx, b.siName, b.shareNum, b.secretHash);
      });
    },

    readShare(share, ranges, options) {
      return run('read a share', options?.signal, () => {
        const s = checkShareRef(share);
        return immutable.readShare(ctx, s.siName, s.shareNum, checkRanges(ranges));
      });
    },

    listShares(storageIndex, options) {
      return run('list shares', options?.signal, () =>
        immutable.listShares(ctx, checkStorageIndex(storageIndex).name),
      );
    },

    addLease(storageIndex, secrets, options) {
      return run('add a lease', options?.signal, () => {
        const si = checkStorageIndex(storageIndex);
        const s = checkObject(secrets, 'lease secrets');
        const renew = checkSecret(s.renewSecret, 'renew secret', LEASE_SECRET_LENGTH);
        const cancel = checkSecret(s.cancelSecret, 'cancel secret', LEASE_SECRET_LENGTH);
        const clientId = checkClientId(options?.clientId);
        return leases.addLease(ctx, si.name, leases.grantFromSecrets(renew, cancel, clientId));
      });
    },

    renewLease(storageIndex, renewSecret, options) {
      return run('renew a lease', options?.signal, () => {
        const si = checkStorageIndex(storageIndex);
        return leases.renewLease(
          ctx,
          si.name,
          checkSecret(renewSecret, 'renew secret', LEASE_SECRET_LENGTH),
        );
      });
    },

    cancelLease(storageIndex, cancelSecret, options) {
      return run('cancel a lease', options?.signal, () => {
        const si = checkStorageIndex(storageIndex);
        return leases.cancelLease(
          ctx,
          si.name,
          checkSecret(cancelSecret, 'cancel secret', LEASE_SECRET_LENGTH),
        );
      });
    },

    expiredLeases(now) {
      return leases.expiredLeases(ctx, now ?? nowSeconds(ctx));
    },

    collectGarbage(options) {
      return run('collect garbage', options?.signal, () =>
        leases.collectGarbage(ctx, options?.nowSeconds ?? nowSeconds(ctx), options?.signal),
      );
    },

    sweepIncoming(options) {
      return run('sweep uploads', options?.signal, () =>
        incoming.sweepIncoming(ctx, options?.nowSeconds ?? nowSeconds(ctx)),
      );
    },

    slotTestAndWrite(request, options) {
      return run('write a mutable slot', options?.signal, () => {
        const r = checkObject(request, 'slot write request');
        const si = checkStorageIndex(r.storageIndex);
        const writeEnabler = checkSecret(r.writeEnabler, 'write enabler', WRITE_ENABLER_LENGTH);
        const renew = checkSecret(r.renewSecret, 'renew secret', LEASE_SECRET_LENGTH);
        const cancel = checkSecret(r.cancelSecret, 'cancel secret', LEASE_SECRET_LENGTH);
        const vectors = checkTestWriteVectors(r.testWriteVectors, config.maxShareSize);
        const readVector = checkRanges(r.readVector);
        const clientId = checkClientId(r.clientId);
        return slots.slotTestAndWrite(
          ctx,
          {
            siName: si.name,
            storageIndex: si.bytes,
            writeEnabler: Uint8Array.from(writeEnabler),
            grant: leases.grantFromSecrets(renew, cancel, clientId),
            vectors,
            readVector,
            clientId,
          },
          options?.signal,
        );
      });
    },

    slotRead(request, options) {
      return run('read a mutable slot', options?.signal, () => {
        const r = checkObject(request, 'slot read request');
        const si = checkStorageIndex(r.storageIndex);
        return slots.slotRead(ctx, si.name, checkShareNums(r.shareNums), checkRanges(r.ranges));
      });
    },

    onSlotChanged(listener) {
      if (typeof listener !== 'function')
        throw new TypeError('onSlotChanged: listener must be a function');
      return events.on(listener);
    },

    adviseCorruptShare(share, reason, options) {
      return run('record a corruption advisory', options?.signal, () => {
        const s = checkShareRef(share);
        if (
          typeof reason !== 'string' ||
          reason.length === 0 ||
          reason.length > MAX_ADVISORY_REASON_LENGTH
        ) {
          throw new InvalidArgumentError(
            `Cannot record a corruption advisory: the reason must be 1..${MAX_ADVISORY_REASON_LENGTH} characters`,
          );
        }
        return adviseCorruptShare(ctx, s.siName, s.shareNum, reason);
      });
    },

    availableSpace(options) {
      return run('measure free space', options?.signal, async () =>
        availableFrom(ctx, await freeDiskBytes(ctx)),
      );
    },

    clientUsage(clientId) {
      const id = checkClientId(clientId);
      const limit = quotaLimit(ctx, id);
      return limit === undefined
        ? { clientId: id, used: clientUsed(ctx, id) }
        : { clientId: id, used: clientUsed(ctx, id), limit };
    },

    stats() {
      let incomingBytes = 0;
      for (const b of ctx.buckets.values()) incomingBytes += b.allocatedSize;
      return { ...index.totals(), incomingCount: ctx.buckets.size, incomingBytes };
    },
  };
  return store;
}
