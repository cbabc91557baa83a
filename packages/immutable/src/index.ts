/**
 * `@tessera/immutable`: the streaming CHK encoder and the verifying decoder — Tahoe-LAFS
 * compatible immutable files, with no network (codec + caps).
 *
 * @example
 * ```ts
 * import { planChkUpload, fileSource } from '@tessera/immutable';
 * const plan = await planChkUpload(await fileSource('photo.jpg'), { convergenceSecret });
 * for await (const batch of plan.encode()) { ... }
 * console.log(plan.result().readCap);
 * ```
 * @packageDocumentation
 */
export * from './errors.ts';
export * from './constants.ts';
export * from './source.ts';
export * from './encoder.ts';
export * from './decoder.ts';
export * from './deadline.ts';
export { closeSegmentWorkers, onSegmentWorkersRetired } from './segment-workers.ts';
