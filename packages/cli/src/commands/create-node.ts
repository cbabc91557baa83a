/**
 * `tessera create-introducer`, `create-node` and `create-client`: make a node directory with
 * its config, node key and (for clients) secrets (CLI.md "Nodes").
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { base32Encode } from '@tessera/caps';
import { loadOrCreateNodeKey } from '@tessera/protocol';
import type { Command, CommandContext } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';
import { writeFileAtomic } from '@tessera/introducer';
import { writeNodeConfig, type NodeConfig, type NodeRole } from '../node-config.ts';
import { parseCount, parseSize } from '../size.ts';

/** Where a node keeps its libp2p key. */
export const NODE_KEY_PATH = ['private', 'node.key'] as const;
const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0';

function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

function checkMultiaddr(addr: string, option: string, needPeer: boolean): void {
  if (!addr.startsWith('/'))
    throw new UsageError(`Cannot use ${option} "${addr}": not a multiaddr`);
  if (needPeer && !/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(addr)) {
    throw new UsageError(`Cannot use ${option} "${addr}": it must end in /p2p/<peer id>`);
  }
}

/** Makes the directory (empty or new), its config, and its node key. */
export async function createNodeDir(dir: string, config: NodeConfig): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0)
      throw new CliError('CLI_NODE_EXISTS', `Cannot create "${dir}": it exists and is not empty`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(join(dir, 'private'), { recursive: true, mode: 0o700 });
  await loadOrCreateNodeKey(join(dir, ...NODE_KEY_PATH));
  if (config.role === 'client') {
    await writeFileAtomic(
      join(dir, 'private', 'convergence'),
      `${base32Encode(randomBytes(32))}\n`,
      { mode: 0o600 },
    );
    await writeFileAtomic(join(dir, 'private', 'secret'), `${base32Encode(randomBytes(32))}\n`, {
      mode: 0o600,
    });
  }
  await writeNodeConfig(dir, config);
}

function encodingFrom(ctx: CommandContext): {
  sharesNeeded?: number;
  sharesHappy?: number;
  sharesTotal?: number;
} {
  const v = ctx.values;
  const count = (key: string): number | undefined =>
    typeof v[key] === 'string'
      ? parseCount(v[key], `--${key}`, key === 'shares-happy' ? 0 : 1, 256)
      : undefined;
  const e = {
    sharesNeeded: count('shares-needed'),
    sharesHappy: count('shares-happy'),
    sharesTotal: count('shares-total'),
  };
  const k = e.sharesNeeded ?? 3;
  const n = e.sharesTotal ?? 10;
  if (k > n)
    throw new UsageError(`Cannot use ${k}-of-${n}: --shares-needed is more than --shares-total`);
  if ((e.sharesHappy ?? 0) > n)
    throw new UsageError('Cannot use --shares-happy above --shares-total');
  return e;
}

function baseConfig(role: NodeRole, ctx: CommandContext): NodeConfig {
  const listen = list(ctx.values.listen);
  const announce = list(ctx.values.announce);
  listen.forEach((a) => checkMultiaddr(a, '--listen', false));
  announce.forEach((a) => checkMultiaddr(a, '--announce', false));
  const introducers = list(ctx.values.introducer);
  introducers.forEach((a) => checkMultiaddr(a, '--introducer', true));
  const nickname = typeof ctx.values.nickname === 'string' ? ctx.values.nickname : '';
  return {
    version: 1,
    role,
    nickname,
    listen: listen.length > 0 ? listen : role === 'client' ? [] : [DEFAULT_LISTEN],
    announce,
    introducers,
  };
}

async function finish(ctx: CommandContext, dir: string, role: NodeRole): Promise<void> {
  const key = await loadOrCreateNodeKey(join(dir, ...NODE_KEY_PATH));
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id');
  const peerId = peerIdFromPrivateKey(key).toString();
  ctx.stdout.write(
    ctx.json
      ? `${JSON.stringify({ dir, role, peerId })}\n`
      : `Created ${role} node in ${dir} (peer id ${peerId})\n`,
  );
}

const listenHelp = [
  '--listen MULTIADDR      address to listen on (default /ip4/127.0.0.1/tcp/0; repeatable)',
  '--announce MULTIADDR    address to announce instead (repeatable)',
];

export const createIntroducer: Command = {
  name: 'create-introducer',
  summary: 'Create an introducer node directory',
  usage: 'tessera create-introducer DIR [--listen MULTIADDR]... [--announce MULTIADDR]...',
  optionHelp: [
    ...listenHelp,
    '--shares-needed K       the k it recommends to clients (default 3)',
    '--shares-happy H        the happy it recommends (default 7)',
    '--shares-total N        the N it recommends (default 10)',
  ],
  options: {
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    nickname: { type: 'string' },
    'shares-needed': { type: 'string' },
    'shares-happy': { type: 'string' },
    'shares-total': { type: 'string' },
  },
  positionals: [1, 1],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0]);
    const config = baseConfig('introducer', ctx);
    config.introducer = encodingFrom(ctx);
    await createNodeDir(dir, config);
    await finish(ctx, dir, 'introducer');
  },
};

export const createNode: Command = {
  name: 'create-node',
  summary: 'Create a storage node directory',
  usage:
    'tessera create-node DIR --introducer ADDR [--introducer ADDR]... [--listen MULTIADDR]... [--announce MULTIADDR]... [--nickname NAME] [--reserved-space SIZE] [--readonly] [--quota SIZE]',
  optionHelp: [
    '--introducer ADDR       an introducer multiaddr ending in /p2p/<peer id> (repeatable)',
    ...listenHelp,
    '--nickname NAME         a name shown to clients',
    '--reserved-space SIZE   keep this much disk free (default 0)',
    '--readonly              accept no new shares',
    '--quota SIZE            the most each client may store here',
    '--lease-duration SECS   lease lifetime in seconds (default 31 days)',
  ],
  options: {
    introducer: { type: 'string', multiple: true },
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    nickname: { type: 'string' },
    'reserved-space': { type: 'string' },
    readonly: { type: 'boolean' },
    quota: { type: 'string' },
    'lease-duration': { type: 'string' },
  },
  positionals: [1, 1],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0]);
    const config = baseConfig('storage', ctx);
    if (config.introducers.length === 0)
      throw new UsageError('create-node needs at least one --introducer');
    const v = ctx.values;
    config.storage = {
      reservedSpace:
        typeof v['reserved-space'] === 'string'
          ? parseSize(v['reserved-space'], '--reserved-space')
          : 0,
      readOnly: v.readonly === true,
      quota: typeof v.quota === 'string' ? parseSize(v.quota, '--quota') : undefined,
      leaseDurationSeconds:
        typeof v['lease-duration'] === 'string'
          ? parseCount(v['lease-duration'], '--lease-duration', 1, 2 ** 31)
          : undefined,
    };
    await createNodeDir(dir, config);
    await finish(ctx, dir, 'storage');
  },
};

export const createClient: Command = {
  name: 'create-client',
  summary: 'Create a client node directory',
  usage:
    'tessera create-client DIR --introducer ADDR [--introducer ADDR]... [--shares-needed K] [--shares-happy H] [--shares-total N]',
  optionHelp: [
    '--introducer ADDR       an introducer multiaddr ending in /p2p/<peer id> (repeatable)',
    "--shares-needed K       shares needed to read a file (default: the introducer's, else 3)",
    "--shares-happy H        servers an upload must reach (default: the introducer's, else 7)",
    "--shares-total N        shares written (default: the introducer's, else 10)",
    '--max-segment-size SIZE maximum segment size (default 1MiB)',
  ],
  options: {
    introducer: { type: 'string', multiple: true },
    nickname: { type: 'string' },
    'shares-needed': { type: 'string' },
    'shares-happy': { type: 'string' },
    'shares-total': { type: 'string' },
    'max-segment-size': { type: 'string' },
  },
  positionals: [1, 1],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0]);
    const config = baseConfig('client', ctx);
    if (config.introducers.length === 0)
      throw new UsageError('create-client needs at least one --introducer');
    const mss = ctx.values['max-segment-size'];
    config.client = {
      ...encodingFrom(ctx),
      maxSegmentSize: typeof mss === 'string' ? parseSize(mss, '--max-segment-size') : undefined,
    };
    await createNodeDir(dir, config);
    await finish(ctx, dir, 'client');
  },
};
