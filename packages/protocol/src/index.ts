/**
 * `@tessera/protocol`: the libp2p node factory, protocol ids, length-prefixed MessagePack
 * framing, the message registry with hand-written validators, the RPC layer (requests,
 * one-way messages, notifications), the version exchange, and the wire error codes.
 * Services (storage server, introducer) declare their messages with `defineService` and serve
 * them with `rpcServer`; clients call them with `rpcClient`. See docs/PROTOCOL.md.
 *
 * @example
 * ```ts
 * import '@tessera/protocol/polyfill';
 * import { createTesseraNode, loadOrCreateNodeKey, rpcServer } from '@tessera/protocol';
 * const node = await createTesseraNode({ privateKey: await loadOrCreateNodeKey(path), listen });
 * ```
 * @packageDocumentation
 */
import './polyfill.ts';

export * from './constants.ts';
export * from './errors.ts';
export * from './protocol-ids.ts';
export * from './validate.ts';
export * from './framing.ts';
export * from './messages.ts';
export * from './envelope.ts';
export * from './deadline.ts';
export * from './rpc-server.ts';
export * from './server-subscription.ts';
export * from './rpc-client.ts';
export * from './version.ts';
export * from './noise-crypto.ts';
export * from './noise-writes.ts';
export * from './yamux-window.ts';
export * from './node-key.ts';
export * from './node.ts';
export * from './introducer-messages.ts';
export * from './storage-messages.ts';
export * from './storage-client.ts';
