/**
 * `tessera grid up [DIR] [--nodes N]`: a local grid in one command (CLI.md "Nodes"): an
 * introducer, N storage nodes and a client directory on loopback, all in this process; a
 * sample upload and download to show it works; then the foreground until Ctrl-C, serving the
 * client directory's command lines (`attach-server.ts`) with the client it opened, so commands
 * on `DIR/client` need not connect to the grid themselves. An existing DIR is reused: its nodes
 * keep their keys, ports and shares.
 */
import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { downloadImmutable, uploadImmutable } from '@tessera/client';
import { parseCap, type ChkCap } from '@tessera/caps';
import { fileSource } from '@tessera/immutable';
import type { Command } from '../command.ts';
import { openAttachServer, type AttachServer } from '../attach-server.ts';
import { openClient, uploadEncoding, type ClientContext } from '../client-context.ts';
import { CliError } from '../errors.ts';
import { openFileLogger, type NodeLogger } from '../file-logger.ts';
import { launchNode, untilAborted } from '../node-launch.ts';
import type { RunningNode } from '../roles.ts';
import { parseCount } from '../size.ts';
import { createNodeDir } from './create-node.ts';

const SAMPLE_SIZE = 4 * 1024 * 1024;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export const gridUp: Command = {
  name: 'grid up',
  summary: 'Start a local grid (introducer, storage nodes, client) and keep it running',
  usage: 'tessera grid up [DIR] [--nodes N]',
  optionHelp: ['--nodes N              storage nodes to run (default 10)'],
  options: { nodes: { type: 'string' } },
  positionals: [0, 1],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0] ?? 'tessera-grid');
    const count =
      typeof ctx.values.nodes === 'string' ? parseCount(ctx.values.nodes, '--nodes', 1, 256) : 10;
    const say = (line: string): void => {
      if (!ctx.json) ctx.stderr.write(`${line}\n`);
    };
    const started: { node: RunningNode; logger: NodeLogger }[] = [];
    let client: ClientContext | undefined;
    let cli: AttachServer | undefined;
    const launch = async (nodeDir: string): Promise<RunningNode> => {
      const logger = openFileLogger(join(nodeDir, 'logs', 'node.log'), ctx.verbose);
      try {
        const { node } = await launchNode(nodeDir, logger);
        started.push({ node, logger });
        return node;
      } catch (err) {
        await logger.close();
        throw err;
      }
    };
    try {
      const introDir = join(dir, 'introducer');
      if (!(await exists(join(introDir, 'tessera.json')))) {
        await createNodeDir(introDir, {
          version: 1,
          role: 'introducer',
          nickname: 'introducer',
          listen: ['/ip4/127.0.0.1/tcp/0'],
          announce: [],
          introducers: [],
        });
      }
      const introducer = await launch(introDir);
      const introducerAddr = introducer.addrs[0];
      if (introducerAddr === undefined)
        throw new CliError('CLI_GRID', 'Cannot start the grid: the introducer has no address');
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const nodeDir = join(dir, `storage-${i}`);
          if (!(await exists(join(nodeDir, 'tessera.json')))) {
            await createNodeDir(nodeDir, {
              version: 1,
              role: 'storage',
              nickname: `storage-${i}`,
              listen: ['/ip4/127.0.0.1/tcp/0'],
              announce: [],
              introducers: [introducerAddr],
              storage: { reservedSpace: 0, readOnly: false },
            });
          }
          await launch(nodeDir);
        }),
      );
      const clientDir = join(dir, 'client');
      if (!(await exists(join(clientDir, 'tessera.json')))) {
        await createNodeDir(clientDir, {
          version: 1,
          role: 'client',
          nickname: 'client',
          listen: [],
          announce: [],
          introducers: [introducerAddr],
          client:
            count < 10
              ? { sharesNeeded: Math.min(3, count), sharesHappy: count, sharesTotal: count }
              : {},
        });
      }
      say(`Grid up in ${dir}: an introducer and ${count} storage nodes on 127.0.0.1.`);

      // Show that it works: upload a sample file, download it, compare.
      const samplePath = join(dir, 'sample.bin');
      const sample = randomBytes(SAMPLE_SIZE);
      await writeFile(samplePath, sample);
      client = await openClient({ ...ctx, nodeDir: clientDir });
      cli = await openAttachServer(clientDir, { logger: client.logger });
      const encoding = uploadEncoding(client.grid, 1024 * 1024);
      const servers = await client.grid.waitForServers({
        minServers: count,
        timeoutMs: 15_000,
        signal: ctx.signal,
      });
      const t0 = performance.now();
      const result = await uploadImmutable(await fileSource(samplePath), {
        servers,
        secrets: client.secrets,
        encoding,
        signal: ctx.signal,
        logger: client.logger,
      });
      const t1 = performance.now();
      const parts: Uint8Array[] = [];
      for await (const chunk of downloadImmutable(parseCap(result.readCap) as ChkCap, {
        servers,
        signal: ctx.signal,
      })) {
        parts.push(chunk);
      }
      const t2 = performance.now();
      if (!Buffer.concat(parts).equals(sample)) {
        throw new CliError(
          'CLI_GRID',
          'Cannot verify the grid: the sample file came back different',
        );
      }
      const cap = result.readCap;
      say(
        `Uploaded a ${SAMPLE_SIZE / 1048576} MiB sample file in ${((t1 - t0) / 1000).toFixed(2)} s ` +
          `(${encoding.neededShares}-of-${encoding.totalShares} on ${result.shareMap.size} servers), downloaded and verified it in ${((t2 - t1) / 1000).toFixed(2)} s.`,
      );
      cli?.serve({ dir: clientDir, grid: client.grid, logger: client.logger });
      const rel = relative(ctx.cwd, clientDir) || '.';
      if (ctx.json) {
        ctx.stdout.write(
          `${JSON.stringify({ event: 'grid-ready', dir, client: clientDir, introducer: introducerAddr, nodes: count, cap })}\n`,
        );
      } else {
        ctx.stdout.write(`${cap}\n`);
        say(
          [
            '',
            'The cap above reads the sample file. Use the grid from another terminal:',
            `  npx tessera -d ${rel} put FILE          # prints the file's cap`,
            `  npx tessera -d ${rel} get CAP OUTFILE   # anyone with the cap can read it`,
            `  npx tessera -d ${rel} servers`,
            '',
            'Press Ctrl-C to stop the grid.',
          ].join('\n'),
        );
      }
      await untilAborted(ctx.signal);
      say('Stopping the grid.');
    } finally {
      await cli?.close();
      await client?.close();
      await Promise.all(
        started.map(async ({ node, logger }) => {
          await node.stop().catch(() => undefined);
          await logger.close();
        }),
      );
    }
  },
};
