/**
 * `tessera run DIR`: runs a node in the foreground (CLI.md "Nodes"). When it listens it prints
 * one JSON ready line; an introducer also writes `DIR/introducer.addr`. On its first run a node
 * replaces port 0 in its config by the port it bound. SIGTERM or SIGINT: a clean stop, exit 0.
 */
import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { openFileLogger } from '../file-logger.ts';
import { launchNode, untilAborted } from '../node-launch.ts';
import { readNodeConfig } from '../node-config.ts';
import type { RunningNode } from '../roles.ts';

export const run: Command = {
  name: 'run',
  summary: 'Run a node (introducer, storage or client) in the foreground',
  usage: 'tessera run DIR',
  optionHelp: [],
  options: {},
  positionals: [1, 1],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0]);
    await readNodeConfig(dir); // fail before creating anything in a directory that is not a node
    const logger = openFileLogger(join(dir, 'logs', 'node.log'), ctx.verbose);
    let node: RunningNode | undefined;
    try {
      const launched = await launchNode(dir, logger);
      node = launched.node;
      ctx.stdout.write(
        `${JSON.stringify({ event: 'ready', role: launched.config.role, peerId: node.peerId, addrs: node.addrs })}\n`,
      );
      await untilAborted(ctx.signal);
      logger.info('stopping');
    } finally {
      await node?.stop();
      logger.info('stopped');
      await logger.close();
    }
  },
};
