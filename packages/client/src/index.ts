/**
 * `@tessera/client`: the Tessera client library — upload, download, mutable files,
 * directories, check, verify and repair. So far: server selection for immutable uploads —
 * the permuted ring, servers-of-happiness, Tahoe's share placement and the selection loop as a
 * pure state machine.
 *
 * @example
 * ```ts
 * import { permutedServers, startServerSelection, selectServersForUpload } from '@tessera/client';
 * const ring = permutedServers(servers, storageIndex);
 * let state = startServerSelection({ servers: ring, totalShares: 10, happy: 7 });
 * const step = selectServersForUpload(state); // { action: 'query', serverIds: [...] }
 * ```
 * @packageDocumentation
 */
export * from './errors.ts';
export * from './constants.ts';
export * from './permuted-ring.ts';
export * from './happiness.ts';
export * from './placement.ts';
export * from './server-selection.ts';
export {
  recordAllocationReplies,
  recordExistingShares,
  recordFirstRound,
  selectionAllocations,
  selectionHappiness,
  selectionShareMap,
} from './selection-answers.ts';
export * from './server.ts';
export * from './secrets.ts';
export * from './upload.ts';
export * from './download.ts';
export * from './network.ts';
