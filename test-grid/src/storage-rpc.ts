/** A storage-protocol client on its own libp2p node, for driving a storage process directly. */
import { multiaddr } from '@multiformats/multiaddr';
import {
  createTesseraNode,
  generateNodeKey,
  rpcClient,
  storageClient,
  storageServiceDefinition,
} from '@tessera/protocol';
import type { StorageClient, TesseraNode } from '@tessera/protocol';

/** A client-only libp2p node (a fresh peer id) and a typed storage client of one server. */
export interface StorageRpc {
  readonly node: TesseraNode;
  readonly api: StorageClient;
  /** Closes the session, then stops the libp2p node (its connections go with it). */
  stop(): Promise<void>;
}

/**
 * Starts a client node with a new key, dials `addrs` (a storage node's ready-line addresses)
 * and points a storage client at them. Every call is a new inbound connection for the server,
 * which accepts DEFAULT_INBOUND_CONNECTIONS_PER_SECOND (100) a second from one host.
 */
export async function connectStorage(
  addrs: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<StorageRpc> {
  const node = await createTesseraNode({ privateKey: await generateNodeKey(), listen: [] });
  const target = addrs.map((a) => multiaddr(a));
  try {
    await node.dial(target, { signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
  } catch (err) {
    await node.stop();
    throw err;
  }
  const api = storageClient(
    rpcClient(node, target, {
      service: storageServiceDefinition,
      timeoutMs: options.timeoutMs ?? 15_000,
    }),
  );
  return {
    node,
    api,
    async stop() {
      await api.rpc.close();
      await node.stop();
    },
  };
}
