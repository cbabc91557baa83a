/**
 * `@tessera/storage-server`: the on-disk share store of a Tessera storage server —
 * immutable buckets with resumable uploads, mutable slots with test-and-write, leases kept in
 * a journaled index with garbage collection, reserved space, read-only mode and per-client
 * quotas. A library with no networking: the protocol handlers call it.
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
