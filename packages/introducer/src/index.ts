/**
 * `@tessera/introducer`: how the nodes of a grid find each other (spec §7).
 *
 * Storage servers sign announcements (peer id, addresses, nickname, version, available space,
 * seqnum) with their node key and publish them to every configured introducer
 * ({@link announcer}). Clients subscribe to every introducer, verify each announcement
 * themselves and keep the newest per server, in memory and in a cache file
 * ({@link serverDirectory}). The introducer ({@link introducerService},
 * {@link startIntroducerNode}) holds announcements in memory only and also recommends the grid's
 * encoding. See docs/PROTOCOL.md "Introducer protocol" and docs/adr/0003.
 *
 * @example
 * ```ts
 * import { serverDirectory } from '@tessera/introducer';
 * const directory = serverDirectory({ node, introducers, cachePath });
 * await directory.start();
 * const servers = await directory.ready({ minServers: 7 });
 * ```
 * @packageDocumentation
 */
import '@tessera/protocol/polyfill';

export * from './errors.ts';
export * from './constants.ts';
export { silentLogger } from './logger.ts';
export type { IntroducerLogger } from './logger.ts';
export * from './signed-layout.ts';
export * from './announcement.ts';
export * from './announcement-table.ts';
export * from './dialable-addrs.ts';
export * from './introducer-address.ts';
export * from './encoding.ts';
export { writeFileAtomic } from './atomic-file.ts';
export * from './seqnum-file.ts';
export * from './server-cache.ts';
export * from './introducer-service.ts';
export * from './introducer-node.ts';
export * from './announcer.ts';
export * from './server-directory.ts';
