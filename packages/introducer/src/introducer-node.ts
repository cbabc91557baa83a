/**
 * A whole introducer node: a libp2p node on the node key, the version exchange, and the
 * introducer service. What `tessera run` starts for an introducer directory.
 * @packageDocumentation
 */
import type { PrivateKey } from '@libp2p/interface';
import { PROTOCOL_VERSION, createTesseraNode, versionExchange } from '@tessera/protocol';
import type { RecommendedEncoding, TesseraNode } from '@tessera/protocol';
import { DEFAULT_SOFTWARE_VERSION } from './constants.ts';
import { dialableAddrs } from './dialable-addrs.ts';
import { introducerService } from './introducer-service.ts';
import type { IntroducerService, IntroducerServiceInit } from './introducer-service.ts';
import { errorText, silentLogger } from './logger.ts';
import type { IntroducerLogger } from './logger.ts';

/** Options of {@link startIntroducerNode}. */
export interface IntroducerNodeInit {
  /**
   * The node directory. The introducer keeps nothing there: announcements live in memory and
   * servers re-publish after a restart.
   */
  dir: string;
  /** The node key (`loadOrCreateNodeKey`); the peer id in the introducer's address. */
  privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`. */
  listen: string[];
  /** Multiaddrs to give out instead of the listening ones; empty for {@link dialableAddrs}. */
  announce: string[];
  /** For logs and the version exchange. */
  nickname: string;
  /** The encoding recommended to clients. */
  encoding?: RecommendedEncoding;
  logger?: IntroducerLogger;
  /** Software name and version for the version exchange (default `tessera/0.1.0`). */
  appVersion?: string;
  /** Further options of the service (TTL, limits, clock). */
  service?: Omit<IntroducerServiceInit, 'encoding' | 'logger'>;
}

/** A running introducer node. */
export interface IntroducerNode {
  /** The introducer's peer id. */
  readonly peerId: string;
  /** Its dialable addresses, each ending in `/p2p/<peerId>`: what clients configure. */
  readonly addrs: string[];
  readonly node: TesseraNode;
  readonly service: IntroducerService;
  /** Stops the service and the node. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an introducer node and returns once it listens.
 * @throws {RangeError} for an impossible encoding
 * @throws libp2p's errors when an address cannot be listened on
 * @example
 * ```ts
 * const introducer = await startIntroducerNode({
 *   dir, privateKey: await loadOrCreateNodeKey(keyPath), listen: ['/ip4/0.0.0.0/tcp/4001'],
 *   announce: [], nickname: 'introducer', logger,
 * });
 * console.log(introducer.addrs);
 * ```
 */
export async function startIntroducerNode(
  init: IntroducerNodeInit,
  options: { signal?: AbortSignal } = {},
): Promise<IntroducerNode> {
  options.signal?.throwIfAborted();
  const log = init.logger ?? silentLogger;
  const service = init.service ?? {};
  const node = await createTesseraNode({
    privateKey: init.privateKey,
    listen: init.listen,
    announce: init.announce,
    nodeInfo: { name: 'tessera-introducer', version: init.appVersion ?? DEFAULT_SOFTWARE_VERSION },
  });
  try {
    const versions = versionExchange(node, {
      onConnect: false,
      local: {
        protocolVersion: PROTOCOL_VERSION,
        maxImmutableShareSize: 0,
        availableSpace: 0,
        readOnly: true,
        features: ['introducer'],
        appVersion: init.appVersion ?? DEFAULT_SOFTWARE_VERSION,
      },
      onIncompatible: (peer, err) => log.warn(`peer ${peer.toString()}: ${err.message}`),
    });
    const introducer = introducerService(node, {
      ...service,
      encoding: init.encoding,
      logger: log,
    });
    await versions.start();
    await introducer.start();
    const peerId = node.peerId.toString();
    const addrs = dialableAddrs(
      node.getMultiaddrs().map((m) => m.toString()),
      init.announce,
      { peerId },
    );
    log.info(`introducer "${init.nickname}" ${peerId} listening on ${addrs.join(' ')}`);
    let stopping: Promise<void> | undefined;
    return {
      peerId,
      addrs,
      node,
      service: introducer,
      stop: async () => {
        stopping ??= (async () => {
          await introducer.stop().catch((err: unknown) => log.warn(`stopping: ${errorText(err)}`));
          await versions.stop().catch((err: unknown) => log.warn(`stopping: ${errorText(err)}`));
          await node.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await Promise.resolve(node.stop()).catch(() => {});
    throw err;
  }
}
