/**
 * The one place that builds libp2p nodes: TCP, Noise (with {@link nodeNoiseCrypto}), yamux,
 * identify and ping, on the node's persistent ed25519 key.
 * @packageDocumentation
 */
import './polyfill.ts';
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Identify } from '@libp2p/identify';
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import type { Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import {
  CONNECTION_PING_INTERVAL_MS,
  TCP_KEEPALIVE_IDLE_MS,
  DEFAULT_INBOUND_CONNECTIONS_PER_SECOND,
  YAMUX_INITIAL_STREAM_WINDOW_BYTES,
  YAMUX_MAX_READ_BUFFER_BYTES,
  YAMUX_MAX_STREAM_WINDOW_BYTES,
} from './constants.ts';
import { nodeNoiseCrypto } from './noise-crypto.ts';
import { corkedNoise } from './noise-writes.ts';
import { defaultComponentLogger } from './silent-logger.ts';
import './yamux-window.ts';

/** The libp2p services every Tessera node runs. */
export interface TesseraServices extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
}

/** A started (or startable) Tessera libp2p node. */
export type TesseraNode = Libp2p<TesseraServices>;

/** Options of {@link createTesseraNode}. */
export interface TesseraNodeInit {
  /** The node's identity (see `loadOrCreateNodeKey`). */
  privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0`; none for a client-only node. */
  listen?: string[];
  /** Multiaddrs to announce instead of the listening ones (behind NAT, for example). */
  announce?: string[];
  /** Software name and version given to identify, e.g. `{ name: 'tessera', version: '0.1.0' }`. */
  nodeInfo?: { name: string; version: string };
  /** Initial yamux receive window per stream, bytes. */
  initialStreamWindowBytes?: number;
  /** Largest yamux receive window per stream, bytes. */
  maxStreamWindowBytes?: number;
  /** Noise crypto; the default is {@link nodeNoiseCrypto}, pass `null` for the library's own. */
  noiseCrypto?: ICryptoInterface | null;
  /** Most open connections. */
  maxConnections?: number;
  /**
   * Most new inbound connections per second from one host (default
   * {@link DEFAULT_INBOUND_CONNECTIONS_PER_SECOND}; libp2p's own default of 5 resets the sixth
   * CLI command in a second, or clients behind one NAT address).
   */
  inboundConnectionsPerSecond?: number;
  /**
   * Where libp2p and Tessera log: by default libp2p's `debug` logger when `DEBUG` is set, else
   * nothing (silent-logger.ts).
   */
  logger?: ComponentLogger;
  /** Start listening at once (default true). */
  start?: boolean;
}

/**
 * Builds a Tessera libp2p node. Load `@tessera/protocol/polyfill` before anything else in the
 * entry point; this module imports it too.
 * @throws libp2p's errors when an address cannot be listened on
 * @example
 * ```ts
 * const node = await createTesseraNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'] });
 * console.log(node.getMultiaddrs().map(String));
 * await node.stop();
 * ```
 */
export async function createTesseraNode(init: TesseraNodeInit): Promise<TesseraNode> {
  const maxWindow = init.maxStreamWindowBytes ?? YAMUX_MAX_STREAM_WINDOW_BYTES;
  const initialWindow = Math.min(
    init.initialStreamWindowBytes ?? YAMUX_INITIAL_STREAM_WINDOW_BYTES,
    maxWindow,
  );
  const crypto = init.noiseCrypto === null ? undefined : (init.noiseCrypto ?? nodeNoiseCrypto);
  return createLibp2p<TesseraServices>({
    privateKey: init.privateKey,
    start: init.start ?? true,
    nodeInfo: init.nodeInfo,
    logger: init.logger ?? defaultComponentLogger(),
    addresses: { listen: init.listen ?? [], announce: init.announce ?? [] },
    transports: [
      tcp({
        dialOpts: { keepAliveInitialDelay: TCP_KEEPALIVE_IDLE_MS },
        listenOpts: { keepAliveInitialDelay: TCP_KEEPALIVE_IDLE_MS },
        // An idle connection stays open (libp2p closes it after 2 minutes without traffic,
        // which pings used to prevent): a client keeps its servers' connections for the next
        // command, and the keep-alives above close the ones whose peer is gone.
        inboundSocketInactivityTimeout: 0,
        outboundSocketInactivityTimeout: 0,
      }),
    ],
    connectionEncrypters: [corkedNoise(crypto === undefined ? {} : { crypto })],
    streamMuxers: [
      yamux({
        // TCP keep-alives and the connection monitor find dead connections; yamux's own pings,
        // every 30 s from each end, only woke idle nodes (see constants.ts).
        enableKeepAlive: false,
        streamOptions: {
          initialStreamWindowSize: initialWindow,
          maxStreamWindowSize: maxWindow,
          // a paused reader may still receive what the window granted (see constants.ts)
          maxReadBufferLength: Math.max(YAMUX_MAX_READ_BUFFER_BYTES, 2 * maxWindow),
        },
      }),
    ],
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS },
    connectionManager: {
      ...(init.maxConnections === undefined ? {} : { maxConnections: init.maxConnections }),
      inboundConnectionThreshold:
        init.inboundConnectionsPerSecond ?? DEFAULT_INBOUND_CONNECTIONS_PER_SECOND,
    },
    services: {
      // Identify answers when asked, but does not run on every new connection: Tessera dials
      // announced addresses and negotiates its own protocols, so the exchange (a stream, a
      // signed peer record, protobufs, both ways) only cost a CLI command ~10% of its time.
      identify: identify({ runOnConnectionOpen: false }),
      ping: ping(),
    },
  });
}
