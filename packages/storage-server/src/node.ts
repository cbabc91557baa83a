/**
 * A running storage node: a libp2p node (`createTesseraNode`), the share store under
 * `DIR/storage`, the version exchange and the storage service, started and stopped together.
 * Announcing the node to introducers is the caller's job (it has `node` and `versionInfo`).
 */
import { createTesseraNode, versionExchange } from '@tessera/protocol';
import type { TesseraNode, VersionExchange } from '@tessera/protocol';
import type { PrivateKey } from '@libp2p/interface';
import { join } from 'node:path';
import { createShareStore } from './share-store.ts';
import { storageService, STORAGE_APP_VERSION } from './service/storage-service.ts';
import type { StorageService } from './service/storage-service.ts';
import type { ShareStore } from './types.ts';

/** Options of {@link startStorageNode}. */
export interface StorageNodeInit {
  /** The node directory; shares live in `DIR/storage`. */
  dir: string;
  /** The node's identity (`loadOrCreateNodeKey`). */
  privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0`. */
  listen: string[];
  /** Multiaddrs to announce instead of the listening ones (may be empty). */
  announce: string[];
  /** A name for humans, kept for the announcement. */
  nickname: string;
  /** Bytes of free disk to leave alone (Tahoe `reserved_space`). */
  reservedSpace: number;
  /** Accept no new shares (Tahoe `readonly`). */
  readOnly: boolean;
  /** Bytes each client (peer id) may store; absent: unlimited. */
  quota?: number;
  /** Lifetime of new and renewed leases (default 31 days). */
  leaseDurationSeconds?: number;
  /** How long an unclosed upload survives without a write (default 600). */
  incomingGraceSeconds?: number;
  /** Deadline of one request's handler, ms (default the RPC layer's, 60 s). */
  handlerTimeoutMs?: number;
  logger: {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  };
}

/** A started storage node. */
export interface StorageNode {
  readonly peerId: string;
  /** Dialable multiaddrs, each ending in `/p2p/<peer id>`. */
  readonly addrs: string[];
  readonly nickname: string;
  readonly node: TesseraNode;
  readonly store: ShareStore;
  readonly service: StorageService;
  readonly versions: VersionExchange;
  /** Stops serving, closes connections, flushes and closes the store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a storage node and resolves once it listens.
 * @throws the store's errors (`STORAGE_CORRUPT_INDEX`, file system errors) and libp2p's
 * (an address that cannot be listened on); whatever was started is stopped again
 * @example
 * ```ts
 * const privateKey = await loadOrCreateNodeKey(join(dir, 'private', 'node.key'));
 * const storage = await startStorageNode({ dir, privateKey, listen: ['/ip4/0.0.0.0/tcp/0'],
 *   announce: [], nickname: 'alpha', reservedSpace: 1e9, readOnly: false, logger });
 * console.log(storage.addrs);
 * await storage.stop();
 * ```
 */
export async function startStorageNode(init: StorageNodeInit): Promise<StorageNode> {
  const store = createShareStore({
    dir: join(init.dir, 'storage'),
    reservedSpace: init.reservedSpace,
    readOnly: init.readOnly,
    quotas: init.quota === undefined ? undefined : { defaultBytes: init.quota },
    leaseDurationSeconds: init.leaseDurationSeconds,
    incomingGraceSeconds: init.incomingGraceSeconds,
    logger: init.logger,
  });
  await store.start();
  let node: TesseraNode | undefined;
  try {
    node = await createTesseraNode({
      privateKey: init.privateKey,
      listen: init.listen,
      announce: init.announce,
      nodeInfo: { name: 'tessera', version: STORAGE_APP_VERSION.split('/')[1] ?? '0.0.0' },
      start: false,
    });
    const service = storageService(store, {
      node,
      readOnly: init.readOnly,
      handlerTimeoutMs: init.handlerTimeoutMs,
      logger: init.logger,
    });
    const versions = versionExchange(node, { local: () => service.versionInfo() });
    await service.start();
    await versions.start();
    await node.start();
    const started = node;
    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      await service.stop();
      await versions.stop();
      await started.stop();
      await store.stop();
    };
    return {
      peerId: node.peerId.toString(),
      addrs: node.getMultiaddrs().map(String),
      nickname: init.nickname,
      node,
      store,
      service,
      versions,
      stop: () => (stopping ??= stop()),
    };
  } catch (err) {
    await Promise.resolve(node?.stop()).catch(() => undefined);
    await store.stop().catch(() => undefined);
    throw err;
  }
}
