/**
 * The storage service: the share store served over the storage protocol
 * (`/tessera/storage/1.0.0`, docs/PROTOCOL.md "Storage protocol"). Startable: `start()`
 * registers the protocol handler and starts forwarding slot changes to subscribers; `stop()`
 * undoes both. The store's own lifecycle stays with its owner (see `node.ts`).
 */
import {
  PROTOCOL_VERSION,
  STORAGE_FEATURES,
  rpcServer,
  storageServiceDefinition,
} from '@tessera/protocol';
import type {
  RpcNode,
  RpcServer,
  SlotSubscription,
  StorageMessages,
  VersionInfo,
} from '@tessera/protocol';
import type { Startable } from '@libp2p/interface';
import { DEFAULT_MAX_SHARE_SIZE } from '../constants.ts';
import { toLog } from '../logger.ts';
import type { AbortOptions, ShareStore, StoreLogger } from '../types.ts';
import { registerHandlers } from './handlers.ts';
import { SlotWatchers } from './slot-watchers.ts';

/** Software name and version a storage node reports in its version info. */
export const STORAGE_APP_VERSION = 'tessera/0.1.0';

/** Options of {@link storageService}. */
export interface StorageServiceInit {
  /** The libp2p node to serve on. */
  node: RpcNode;
  /** Whether the store was created read-only (reported in version info and stats). */
  readOnly?: boolean;
  /** The store's `maxShareSize` (default the store's default, 2^40). */
  maxShareSize?: number;
  /** Reported as `appVersion` (default {@link STORAGE_APP_VERSION}). */
  appVersion?: string;
  /** Deadline of one handler (`PROTOCOL_HANDLER_TIMEOUT`); the RPC default otherwise. */
  handlerTimeoutMs?: number;
  /** Deadline for a request body to arrive (`PROTOCOL_READ_TIMEOUT`). */
  readTimeoutMs?: number;
  /** Handlers running at once per client session. */
  maxConcurrentRequests?: number;
  /** Notifications queued per subscriber before it is dropped. */
  maxQueuedNotifications?: number;
  logger?: StoreLogger;
}

/** A started or startable storage service. */
export interface StorageService extends Startable {
  /** The RPC server (its live subscriptions, for example). */
  readonly rpc: RpcServer<StorageMessages, SlotSubscription>;
  /** Subscribers currently watching slots. */
  readonly watcherCount: number;
  /**
   * This server's version info for the version exchange: `availableSpace` and
   * `maxImmutableShareSize` are measured now (0 when read-only).
   * @throws {StorageError} `STORAGE_NOT_STARTED` when the store is not started
   */
  versionInfo(options?: AbortOptions): Promise<VersionInfo>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Serves `store` over the storage protocol on `init.node`; call `start()` to serve. The remote
 * peer id is each request's client id (quotas, lease owners).
 * @throws {TypeError} when `store` or `init.node` is missing
 * @example
 * ```ts
 * const store = createShareStore({ dir });
 * await store.start();
 * const service = storageService(store, { node });
 * await service.start();
 * const versions = versionExchange(node, { local: () => service.versionInfo() });
 * ```
 */
export function storageService(store: ShareStore, init: StorageServiceInit): StorageService {
  if (typeof store?.allocateBuckets !== 'function') {
    throw new TypeError('storageService: store must be a ShareStore');
  }
  if (init?.node === undefined) throw new TypeError('storageService: init.node is required');
  const log = toLog(init.logger);
  const readOnly = init.readOnly ?? false;
  const maxShareSize = init.maxShareSize ?? DEFAULT_MAX_SHARE_SIZE;
  const rpc = rpcServer(init.node, {
    service: storageServiceDefinition,
    handlerTimeoutMs: init.handlerTimeoutMs,
    readTimeoutMs: init.readTimeoutMs,
    maxConcurrentRequests: init.maxConcurrentRequests,
    maxQueuedNotifications: init.maxQueuedNotifications,
  });
  const watchers = new SlotWatchers(log);
  registerHandlers(rpc, { store, readOnly, log });
  rpc.onSubscribe((body, sub) => watchers.add(sub, body.storageIndexes));
  let unsubscribe: (() => void) | undefined;

  return {
    rpc,
    get watcherCount() {
      return watchers.size;
    },
    async versionInfo(options) {
      const available = Math.floor(await store.availableSpace(options));
      return {
        protocolVersion: PROTOCOL_VERSION,
        // Tahoe §3.2: the largest share a server takes is what it has free.
        maxImmutableShareSize: readOnly ? 0 : Math.min(available, maxShareSize),
        availableSpace: readOnly ? 0 : available,
        readOnly,
        features: Object.values(STORAGE_FEATURES),
        appVersion: init.appVersion ?? STORAGE_APP_VERSION,
      };
    },
    async start() {
      if (unsubscribe !== undefined) return;
      unsubscribe = store.onSlotChanged((change) => watchers.notify(change));
      try {
        await rpc.start();
      } catch (err) {
        unsubscribe();
        unsubscribe = undefined;
        throw err;
      }
    },
    async stop() {
      if (unsubscribe === undefined) return;
      unsubscribe();
      unsubscribe = undefined;
      await rpc.stop();
    },
  };
}
