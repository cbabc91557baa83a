/**
 * The client on the network: a libp2p node with no listening address, the introducer's server
 * directory (cached on disk, so servers are found while every introducer is down), and one
 * storage-protocol connection per server, opened on first use.
 */
import { multiaddr } from '@multiformats/multiaddr';
import type { PrivateKey } from '@libp2p/interface';
import { serverSeed20 } from '@tessera/caps';
import {
  resolveEncoding,
  serverDirectory,
  type ServerDirectory,
  type ServerInfo,
} from '@tessera/introducer';
import {
  ByteParts,
  createTesseraNode,
  MAX_READ_TOTAL_BYTES,
  MAX_WRITE_DATA_BYTES,
  rpcClient,
  storageClient,
  storageServiceDefinition,
  type RecommendedEncoding,
  type StorageClient,
  type TesseraNode,
} from '@tessera/protocol';
import type { StorageServerHandle } from './server.ts';

/** Bytes per write request; the encoder's writes are split to fit. */
const WRITE_CHUNK_BYTES = Math.min(MAX_WRITE_DATA_BYTES, 1024 * 1024);
/** Bytes per read range. */
const READ_CHUNK_BYTES = Math.min(MAX_READ_TOTAL_BYTES, 4 * 1024 * 1024);

/** A storage server reached through the storage protocol. */
class NetworkServer implements StorageServerHandle {
  readonly id: string;
  readonly nickname: string;
  readonly permutationSeed: Uint8Array;
  readonly leaseSeed: Uint8Array;
  readonly maxShareSize: number;
  readonly #node: TesseraNode;
  readonly #addrs: string[];
  #client: StorageClient | undefined;

  constructor(node: TesseraNode, info: ServerInfo) {
    this.#node = node;
    this.#addrs = info.addrs;
    this.id = info.peerId;
    this.nickname = info.nickname;
    this.permutationSeed = info.permutationSeed;
    this.leaseSeed = serverSeed20(info.permutationSeed);
    this.maxShareSize = info.readOnly ? 0 : info.availableSpace;
  }

  get client(): StorageClient {
    this.#client ??= storageClient(
      rpcClient(
        this.#node,
        this.#addrs.map((a) => multiaddr(a)),
        { service: storageServiceDefinition },
      ),
    );
    return this.#client;
  }

  /** Opens the connection and its RPC stream now, so a later request does not wait for them. */
  connect(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
    return this.client.rpc.connect(options);
  }

  /** Ends the connection's RPC stream. */
  async disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.rpc.close().catch(() => undefined);
  }

  listShares(si: Uint8Array, o?: { signal?: AbortSignal }): Promise<number[]> {
    return this.client.listShares(si, o);
  }

  allocateBuckets(
    req: Parameters<StorageServerHandle['allocateBuckets']>[0],
    o?: { signal?: AbortSignal },
  ) {
    return this.client.allocateBuckets(req, o);
  }

  async writtenRanges(
    bucket: Parameters<StorageServerHandle['writtenRanges']>[0],
    o?: { signal?: AbortSignal },
  ) {
    const r = await this.client.writtenRanges(bucket, o);
    // A truncated list under-reports what is written: resuming then only re-sends some bytes.
    return r.written.map((x): [number, number] => [x.offset, x.offset + x.length]);
  }

  async write(
    bucket: Parameters<StorageServerHandle['write']>[0],
    offset: number,
    pieces: Uint8Array | readonly Uint8Array[],
    o?: { signal?: AbortSignal; close?: boolean },
  ): Promise<boolean> {
    let data: Uint8Array;
    if (pieces instanceof Uint8Array) data = pieces;
    else {
      const joined = new ByteParts(pieces);
      // One request, the pieces framed by reference (no copy), when it fits one.
      if (joined.byteLength <= MAX_WRITE_DATA_BYTES)
        return this.#writeOne(bucket, offset, joined, o);
      data = Buffer.concat(pieces);
    }
    if (data.length <= WRITE_CHUNK_BYTES) return this.#writeOne(bucket, offset, data, o);
    // Split: the chunks go out together, so none of them may close the upload.
    const parts: Promise<unknown>[] = [];
    for (let at = 0; at < data.length; at += WRITE_CHUNK_BYTES) {
      const chunk = data.subarray(at, Math.min(data.length, at + WRITE_CHUNK_BYTES));
      parts.push(this.client.write({ ...bucket, offset: offset + at, data: chunk }, o));
    }
    await Promise.all(parts);
    return false;
  }

  async #writeOne(
    bucket: Parameters<StorageServerHandle['write']>[0],
    offset: number,
    data: Uint8Array | ByteParts,
    o?: { signal?: AbortSignal; close?: boolean },
  ): Promise<boolean> {
    const close = o?.close === true;
    const reply = await this.client.write(
      { ...bucket, offset, data, ...(close ? { close } : {}) },
      { signal: o?.signal },
    );
    return reply.closed === true;
  }

  close(bucket: Parameters<StorageServerHandle['close']>[0], o?: { signal?: AbortSignal }) {
    return this.client.close(bucket, o);
  }

  async read(
    si: Uint8Array,
    shareNum: number,
    offset: number,
    length: number,
    o?: { signal?: AbortSignal },
  ) {
    const ranges = [];
    for (let at = 0; at < length; at += READ_CHUNK_BYTES) {
      ranges.push({ offset: offset + at, length: Math.min(READ_CHUNK_BYTES, length - at) });
    }
    const parts = await Promise.all(
      ranges.map((r) =>
        this.client.read({ storageIndex: si, shareNum, ranges: [r] }, o).then((d) => d[0]),
      ),
    );
    return parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
  }

  abort(bucket: Parameters<StorageServerHandle['abort']>[0], o?: { signal?: AbortSignal }) {
    return this.client.abort(bucket, o);
  }

  adviseCorruptShare(storageIndex: Uint8Array, shareNum: number, reason: string): void {
    this.client
      .adviseCorruptShare({ storageIndex, shareNum, reason: reason.slice(0, 512) || 'corrupt' })
      .catch(() => undefined);
  }
}

/** How long closing a grid client may take before it is abandoned. */
export const CLOSE_DEADLINE_MS = 2_000;

/** Deadline of each connection `keepConnected` opens, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Runs `fn`, but resolves after `ms` at the latest (the timer keeps the process alive till then). */
async function settleWithin(ms: number, fn: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([fn().catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link openGridClient}. */
export interface GridClientInit {
  readonly privateKey: PrivateKey;
  /** Introducer multiaddrs, each ending in `/p2p/<peer id>`. */
  readonly introducers: readonly string[];
  /** Where verified announcements are cached (`DIR/private/introducer-cache.json`). */
  readonly cachePath?: string;
  /** The client's own encoding settings; unset fields come from the introducer, else 3/7/10. */
  readonly encoding?: RecommendedEncoding;
  readonly logger?: {
    debug(m: string): void;
    info(m: string): void;
    warn(m: string): void;
    error(m: string): void;
  };
}

/** A client connected to a grid. */
export interface GridClient {
  readonly node: TesseraNode;
  readonly directory: ServerDirectory;
  /** Storage servers known now (from the introducers or the cache). */
  servers(): StorageServerHandle[];
  /** Waits until at least `minServers` are known, or the deadline passes (then returns what is known). */
  waitForServers(options: {
    minServers: number;
    timeoutMs: number;
    signal?: AbortSignal;
  }): Promise<StorageServerHandle[]>;
  /** k, happy, N: own settings, else the introducer's, else 3/7/10. */
  encoding(): { sharesNeeded: number; sharesHappy: number; sharesTotal: number };
  /**
   * Connects to every known storage server now, and to each one announced later, so that
   * commands do not pay the handshakes (what a long-running client does). Failures are logged
   * and left to the next request. Returns a function that stops connecting to new ones.
   */
  keepConnected(): () => void;
  close(): Promise<void>;
}

/**
 * Starts a client node and its server directory.
 * @example
 * ```ts
 * const grid = await openGridClient({ privateKey, introducers, cachePath });
 * const servers = await grid.waitForServers({ minServers: 7, timeoutMs: 5000 });
 * ```
 */
export async function openGridClient(init: GridClientInit): Promise<GridClient> {
  const node = await createTesseraNode({ privateKey: init.privateKey, listen: [] });
  const directory = serverDirectory({
    node,
    introducers: init.introducers,
    cachePath: init.cachePath,
    logger: init.logger,
  });
  try {
    await directory.start();
  } catch (err) {
    await node.stop();
    throw err;
  }
  const handles = new Map<string, { info: ServerInfo; handle: NetworkServer }>();
  const servers = (): NetworkServer[] =>
    directory.servers().map((info) => {
      const known = handles.get(info.peerId);
      if (known !== undefined && known.info === info) return known.handle;
      void known?.handle.disconnect();
      const handle = new NetworkServer(node, info);
      handles.set(info.peerId, { info, handle });
      return handle;
    });
  return {
    node,
    directory,
    servers,
    async waitForServers({ minServers, timeoutMs, signal }) {
      try {
        await directory.ready({ minServers, timeoutMs, signal });
      } catch (err) {
        signal?.throwIfAborted();
        init.logger?.debug(`waiting for ${minServers} servers: ${(err as Error).message}`);
      }
      return servers();
    },
    encoding: () => resolveEncoding(init.encoding, directory.recommendedEncoding()),
    keepConnected() {
      const connect = (h: NetworkServer): void => {
        const name = h.nickname || h.id;
        h.connect({ timeoutMs: CONNECT_TIMEOUT_MS }).then(
          () => init.logger?.info(`connected to storage server ${name}`),
          (err: unknown) => init.logger?.debug(`connecting to ${name}: ${(err as Error).message}`),
        );
      };
      servers().forEach(connect);
      return directory.onChange((change) => {
        if (change.kind === 'removed') return;
        const handle = servers().find((h) => h.id === change.server.peerId);
        if (handle !== undefined) connect(handle);
      });
    },
    async close() {
      // libp2p can wait forever for a connection reset while it closes (a write queue that
      // never drains): bound the shutdown, so a command that has done its work always ends.
      await settleWithin(CLOSE_DEADLINE_MS, async () => {
        await Promise.all([...handles.values()].map(({ handle }) => handle.disconnect()));
        await directory.stop();
        await node.stop();
      });
    },
  };
}
