/** Opens the client of a node directory for one command: config, secrets, grid connection. */
import { join } from 'node:path';
import {
  openGridClient,
  type ClientSecrets,
  type Encoding,
  type GridClient,
} from '@tessera/client';
import { SERVER_CACHE_FILE } from '@tessera/introducer';
import { loadOrCreateNodeKey } from '@tessera/protocol';
import type { PrivateKey } from '@libp2p/interface';
import type { CommandContext } from './command.ts';
import { CliError } from './errors.ts';
import { openFileLogger, type NodeLogger } from './file-logger.ts';
import { readNodeConfig, type NodeConfig } from './node-config.ts';
import { readSecretFile } from './node-dir.ts';
import { NODE_KEY_PATH } from './commands/create-node.ts';

/** A client ready for one command. Always `close()` it. */
export interface ClientContext {
  readonly config: NodeConfig;
  readonly secrets: ClientSecrets;
  readonly grid: GridClient;
  readonly logger: NodeLogger;
  close(): Promise<void>;
}

/**
 * The grid connection of the client node in `dir`: its introducers, its announcement cache and
 * its encoding settings (what a command and a running client node both open).
 */
export function openNodeGridClient(
  dir: string,
  config: NodeConfig,
  privateKey: PrivateKey,
  logger: NodeLogger,
): Promise<GridClient> {
  return openGridClient({
    privateKey,
    introducers: config.introducers,
    cachePath: join(dir, 'private', SERVER_CACHE_FILE),
    encoding: config.client,
    logger,
  });
}

/** The encoding an upload from `grid` uses: its k, happy and N, with `maxSegmentSize`. */
export function uploadEncoding(grid: GridClient, maxSegmentSize: number): Encoding {
  const e = grid.encoding();
  return {
    neededShares: e.sharesNeeded,
    happy: e.sharesHappy,
    totalShares: e.sharesTotal,
    maxSegmentSize,
  };
}

/** A secret the client cannot work without. */
async function readSecret(dir: string, name: string): Promise<Uint8Array> {
  const secret = await readSecretFile(dir, name);
  if (secret === undefined) {
    throw new CliError(
      'CLI_BAD_NODE_DIR',
      `Cannot read "${join(dir, 'private', name)}": no such file`,
    );
  }
  return secret;
}

/**
 * Opens the client node in `ctx.nodeDir`. When a running client node runs the command for an
 * attached command line (`ctx.sharedClient`), the config and secrets are read as always but the
 * node's open grid connection and log are used, and `close()` leaves them open.
 * @throws {CliError} CLI_NOT_A_NODE, CLI_BAD_CONFIG, CLI_NOT_A_CLIENT, CLI_BAD_NODE_DIR
 */
export async function openClient(ctx: CommandContext): Promise<ClientContext> {
  const dir = ctx.nodeDir;
  const config = await readNodeConfig(dir);
  if (config.role !== 'client') {
    throw new CliError(
      'CLI_NOT_A_CLIENT',
      `Cannot use "${dir}": it is a ${config.role} node, not a client`,
    );
  }
  const secrets = {
    convergence: await readSecret(dir, 'convergence'),
    lease: await readSecret(dir, 'secret'),
  };
  const shared = ctx.sharedClient;
  if (shared !== undefined) {
    return { config, secrets, grid: shared.grid, logger: shared.logger, close: async () => {} };
  }
  const privateKey = await loadOrCreateNodeKey(join(dir, ...NODE_KEY_PATH));
  const logger = openFileLogger(join(dir, 'logs', 'client.log'), ctx.verbose);
  let grid: GridClient;
  try {
    grid = await openNodeGridClient(dir, config, privateKey, logger);
  } catch (err) {
    await logger.close();
    throw err;
  }
  return {
    config,
    secrets,
    grid,
    logger,
    async close() {
      await grid.close();
      await logger.close();
    },
  };
}
