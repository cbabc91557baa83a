/**
 * `@tessera/storage-server`: the on-disk share store of a Tessera storage server —
 * immutable buckets with resumable uploads, mutable slots with test-and-write, leases kept in
 * a journaled index with garbage collection, reserved space, read-only mode and per-client
 * quotas — and its protocol handlers: `storageService` serves a store over the storage protocol
 * (`/tessera/storage/1.0.0`), `startStorageNode` runs a whole storage node (libp2p node, store,
 * version exchange, service).
 *
 * @example
 * ```ts
 * import { createShareStore } from '@tessera/storage-server';
 * const store = createShareStore({ dir: '/var/lib/tessera/storage' });
 * await store.start();
 * const shares = await store.listShares(storageIndex);
 * await store.stop();
 * ```
 * @packageDocumentation
 */
export * from './errors.ts';
export * from './constants.ts';
export type * from './types.ts';
export { createShareStore } from './share-store.ts';
export { parseSlotPrefix } from './slot-events.ts';
export { storageService, STORAGE_APP_VERSION } from './service/storage-service.ts';
export type { StorageService, StorageServiceInit } from './service/storage-service.ts';
export { STORAGE_WIRE_CODES, storageErrorToWire } from './service/wire-errors.ts';
export { startStorageNode } from './node.ts';
export type { StorageNode, StorageNodeInit } from './node.ts';
