/** Starts a node directory's node in this process: what `tessera run` and `grid up` share. */
import { join } from 'node:path';
import { loadOrCreateNodeKey } from '@tessera/protocol';
import type { NodeLogger } from './file-logger.ts';
import { writeFileAtomic } from '@tessera/introducer';
import { keepFreedMemoryUntilTrim } from './glibc-malloc.ts';
import { TRIM_QUIET_CHECKS, startMemoryTrim } from './memory-trim.ts';
import { readNodeConfig, writeNodeConfig, type NodeConfig } from './node-config.ts';
import { NODE_KEY_PATH } from './commands/create-node.ts';
import { startRole, type RunningNode } from './roles.ts';

/** Replaces port 0 in `/ip4|ip6/HOST/tcp/0` listen addresses by the port bound on that host. */
export function pinPorts(listen: readonly string[], bound: readonly string[]): string[] {
  return listen.map((addr) => {
    const m = /^\/(ip4|ip6)\/([^/]+)\/tcp\/0(\/.*)?$/.exec(addr);
    if (m === null) return addr;
    const [, family, host, rest = ''] = m;
    const wildcard = host === '0.0.0.0' || host === '::';
    for (const b of bound) {
      const bm = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)/.exec(b);
      if (bm !== null && bm[1] === family && (wildcard || bm[2] === host) && bm[3] !== '0') {
        return `/${family}/${host}/tcp/${bm[3]}${rest}`;
      }
    }
    return addr;
  });
}

/**
 * Starts the node in `dir`; on its first run pins the bound ports into its config; for an
 * introducer writes `introducer.addr`.
 */
export async function launchNode(
  dir: string,
  logger: NodeLogger,
): Promise<{ config: NodeConfig; node: RunningNode }> {
  const config = await readNodeConfig(dir);
  const privateKey = await loadOrCreateNodeKey(join(dir, ...NODE_KEY_PATH));
  logger.info(`starting ${config.role} node`);
  const node = await startRole(config, { dir, privateKey, logger });
  try {
    const pinned = pinPorts(config.listen, node.addrs);
    if (pinned.some((a, i) => a !== config.listen[i])) {
      await writeNodeConfig(dir, { ...config, listen: pinned });
    }
    if (config.role === 'introducer') {
      await writeFileAtomic(join(dir, 'introducer.addr'), node.addrs.map((a) => `${a}\n`).join(''));
    }
  } catch (err) {
    await node.stop();
    throw err;
  }
  logger.info(`ready as ${node.peerId} on ${node.addrs.join(' ')}`);
  // Storage nodes keep freed memory from one burst for the next, until the trim (in `grid up`,
  // one process for all nodes, that is every node's heap).
  if (config.role === 'storage') keepFreedMemoryUntilTrim();
  const stopTrim = startMemoryTrim(
    (before, after) => logger.info(`returned freed memory: RSS ${mib(before)} → ${mib(after)} MiB`),
    TRIM_QUIET_CHECKS[config.role],
  );
  return {
    config,
    node: {
      ...node,
      stop: async () => {
        stopTrim();
        await node.stop();
      },
    },
  };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
}
