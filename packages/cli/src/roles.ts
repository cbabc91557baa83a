/**
 * What `tessera run` starts for each role: the introducer service; a storage node that
 * announces itself to its introducers; or a client node that keeps its server directory (and
 * its on-disk cache) fresh and runs the commands of attached command lines on its connections
 * (`attach-server.ts`).
 */
import { join } from 'node:path';
import type { PrivateKey } from '@libp2p/interface';
import type { GridClient } from '@tessera/client';
import { announcer, SEQNUM_FILE, startIntroducerNode } from '@tessera/introducer';
import { startStorageNode } from '@tessera/storage-server';
import { openAttachServer } from './attach-server.ts';
import { openNodeGridClient } from './client-context.ts';
import type { NodeLogger } from './file-logger.ts';
import type { NodeConfig } from './node-config.ts';

/** A running node, whatever its role. */
export interface RunningNode {
  readonly peerId: string;
  /** Dialable multiaddrs ending in `/p2p/<peer id>` (none for a client). */
  readonly addrs: string[];
  stop(): Promise<void>;
}

export interface RoleContext {
  readonly dir: string;
  readonly privateKey: PrivateKey;
  readonly logger: NodeLogger;
}

/** The software version announced to others. */
export const APP_VERSION = 'tessera/0.1.0';

/** Starts the node `config.role` describes. */
export async function startRole(config: NodeConfig, ctx: RoleContext): Promise<RunningNode> {
  const { dir, privateKey, logger } = ctx;
  switch (config.role) {
    case 'introducer': {
      const n = await startIntroducerNode({
        dir,
        privateKey,
        listen: config.listen,
        announce: config.announce,
        nickname: config.nickname,
        encoding: config.introducer,
        logger,
      });
      return { peerId: n.peerId, addrs: n.addrs, stop: () => n.stop() };
    }
    case 'storage': {
      const s = config.storage ?? { reservedSpace: 0, readOnly: false };
      const n = await startStorageNode({
        dir,
        privateKey,
        listen: config.listen,
        announce: config.announce,
        nickname: config.nickname,
        reservedSpace: s.reservedSpace,
        readOnly: s.readOnly,
        quota: s.quota,
        leaseDurationSeconds: s.leaseDurationSeconds,
        incomingGraceSeconds: s.incomingGraceSeconds,
        logger,
      });
      const a = announcer({
        node: n.node,
        privateKey,
        introducers: config.introducers,
        seqnumPath: join(dir, SEQNUM_FILE),
        nickname: config.nickname,
        availableSpace: () => n.store.availableSpace(),
        readOnly: s.readOnly,
        version: APP_VERSION,
        addrs: n.addrs,
        logger,
      });
      await a.start();
      return {
        peerId: n.peerId,
        addrs: n.addrs,
        async stop() {
          await a.stop();
          await n.stop();
        },
      };
    }
    case 'client': {
      // Claim the command-line socket first: a second node on the directory fails here.
      const cli = await openAttachServer(dir, { logger });
      let grid: GridClient;
      try {
        grid = await openNodeGridClient(dir, config, privateKey, logger);
      } catch (err) {
        await cli?.close();
        throw err;
      }
      cli?.serve({ dir, grid, logger });
      // Connections up front: an attached command does not pay ten handshakes.
      const stopConnecting = grid.keepConnected();
      return {
        peerId: grid.node.peerId.toString(),
        addrs: [],
        async stop() {
          stopConnecting();
          await cli?.close();
          await grid.close();
        },
      };
    }
  }
}
