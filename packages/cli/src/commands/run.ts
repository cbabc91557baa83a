/**
 * `tessera run DIR`: runs a node in the foreground (CLI.md "Nodes"). When it listens it prints
 * one JSON ready line; an introducer also writes `DIR/introducer.addr`. On its first run a node
 * replaces port 0 in its config by the port it bound. SIGTERM or SIGINT: a clean stop, exit 0.
 */
import { join, resolve } from 'node:path';
import { loadOrCreateNodeKey } from '@tessera/protocol';
import type { Command } from '../command.ts';
import { openFileLogger } from '../file-logger.ts';
import {
  readNodeConfig,
  writeFileAtomic,
  writeNodeConfig,
  type NodeConfig,
} from '../node-config.ts';
import { NODE_KEY_PATH } from './create-node.ts';
import { startRole, type RunningNode } from '../roles.ts';

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

export const run: Command = {
  name: 'run',
  summary: 'Run a node (introducer, storage or client) in the foreground',
  usage: 'tessera run DIR',
  optionHelp: [],
  options: {},
  positionals: [1, 1],
  async run(ctx) {
    const dir = resolve(ctx.args[0]);
    const config: NodeConfig = await readNodeConfig(dir);
    const logger = openFileLogger(join(dir, 'logs', 'node.log'), ctx.verbose);
    let node: RunningNode | undefined;
    try {
      const privateKey = await loadOrCreateNodeKey(join(dir, ...NODE_KEY_PATH));
      logger.info(`starting ${config.role} node`);
      node = await startRole(config, { dir, privateKey, logger });
      const pinned = pinPorts(config.listen, node.addrs);
      if (pinned.some((a, i) => a !== config.listen[i])) {
        await writeNodeConfig(dir, { ...config, listen: pinned });
      }
      if (config.role === 'introducer') {
        await writeFileAtomic(
          join(dir, 'introducer.addr'),
          node.addrs.map((a) => `${a}\n`).join(''),
        );
      }
      ctx.stdout.write(
        `${JSON.stringify({ event: 'ready', role: config.role, peerId: node.peerId, addrs: node.addrs })}\n`,
      );
      logger.info(`ready as ${node.peerId} on ${node.addrs.join(' ')}`);
      await new Promise<void>((done) => {
        if (ctx.signal.aborted) done();
        else ctx.signal.addEventListener('abort', () => done(), { once: true });
      });
      logger.info('stopping');
    } finally {
      await node?.stop();
      logger.info('stopped');
      await logger.close();
    }
  },
};
