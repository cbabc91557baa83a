/** The node directory: its location, config file and secrets (CLI.md "Nodes"). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base32Decode } from '@tessera/caps';
import { CliError } from './errors.ts';
import { readNodeConfig, type NodeConfig } from './node-config.ts';

/**
 * Reads a secret from `DIR/private/NAME` (base32), or undefined when there is no such file.
 * @throws {CliError} CLI_BAD_NODE_DIR when the file exists but cannot be read or is not base32
 */
export async function readSecretFile(dir: string, name: string): Promise<Uint8Array | undefined> {
  const path = join(dir, 'private', name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('CLI_BAD_NODE_DIR', `Cannot read "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return base32Decode(text.trim());
  } catch (err) {
    throw new CliError('CLI_BAD_NODE_DIR', `Cannot read "${path}": not base32`, { cause: err });
  }
}

/** The node's convergence secret (`private/convergence`), or undefined when it has none. */
export function readConvergenceSecret(dir: string): Promise<Uint8Array | undefined> {
  return readSecretFile(dir, 'convergence');
}

/** The parts of a node's config the client commands use. */
export type ClientConfig = NonNullable<NodeConfig['client']>;

/**
 * Reads the client settings from the node's config file; a directory without one gives `{}`.
 * @throws {CliError} CLI_BAD_CONFIG when the file is not valid
 */
export async function readClientConfig(dir: string): Promise<ClientConfig> {
  try {
    return (await readNodeConfig(dir)).client ?? {};
  } catch (err) {
    if (err instanceof CliError && err.code === 'CLI_NOT_A_NODE') return {};
    throw err;
  }
}
