// An introducer, storage servers and clients as real libp2p nodes on 127.0.0.1, in-process.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  createTesseraNode,
  generateNodeKey,
  introducerServiceDefinition,
  rpcClient,
  rpcServer,
} from '@tessera/protocol';
import type { SignedAnnouncement, TesseraNode } from '@tessera/protocol';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SEQNUM_FILE,
  announcer,
  serverDirectory,
  signAnnouncement,
  startIntroducerNode,
  writeServerCache,
} from '../src/index.ts';
import type { IntroducerNode, ServerDirectoryChange } from '../src/index.ts';
import { FAST_RETRY, loopbackNode, memoryLogger, tempDir, until } from './helpers.ts';

const ENCODING = { sharesNeeded: 2, sharesHappy: 3, sharesTotal: 4 };

let dir: Awaited<ReturnType<typeof tempDir>>;
const cleanups: Array<() => Promise<void>> = [];

function later<T extends { stop(): Promise<void> | void }>(thing: T): T {
  cleanups.push(async () => {
    await thing.stop();
  });
  return thing;
}

async function introducerOn(key: PrivateKey, listen: string, encoding = ENCODING) {
  return later(
    await startIntroducerNode({
      dir: dir.path,
      privateKey: key,
      listen: [listen],
      announce: [],
      nickname: 'introducer',
      encoding,
      logger: memoryLogger(),
    }),
  );
}

async function storageServer(name: string, introducers: string[]) {
  const key = await generateNodeKey();
  const node = later(await loopbackNode(key));
  const ann = later(
    announcer({
      node,
      privateKey: key,
      introducers,
      seqnumPath: join(dir.path, name, SEQNUM_FILE),
      nickname: name,
      availableSpace: () => 1_000_000,
      retry: FAST_RETRY,
      logger: memoryLogger(),
    }),
  );
  await ann.start();
  return { key, node, ann, id: node.peerId.toString() };
}

async function client(introducers: string[], cachePath?: string, listen = false) {
  const node = later(await loopbackNode(undefined, listen));
  const directory = later(
    serverDirectory({ node, introducers, cachePath, retry: FAST_RETRY, logger: memoryLogger() }),
  );
  await directory.start();
  return { node, directory };
}

async function publishFrom(node: TesseraNode, to: IntroducerNode, signed: SignedAnnouncement) {
  const api = rpcClient(
    node,
    to.addrs.map((a) => multiaddr(a)),
    {
      service: introducerServiceDefinition,
      timeoutMs: 5_000,
    },
  );
  try {
    return await api.request('publish', signed);
  } finally {
    await api.close();
  }
}

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  for (const stop of cleanups.reverse()) await stop().catch(() => {});
  await dir.remove();
});

describe('one introducer', () => {
  let introducerKey: PrivateKey;
  let introducer: IntroducerNode;
  let server: Awaited<ReturnType<typeof storageServer>>;
  let c: Awaited<ReturnType<typeof client>>;
  let cachePath: string;

  beforeAll(async () => {
    introducerKey = await generateNodeKey();
    introducer = await introducerOn(introducerKey, '/ip4/127.0.0.1/tcp/0');
    server = await storageServer('s1', introducer.addrs);
    cachePath = join(dir.path, 'c1', 'private', 'introducer-cache.json');
    c = await client(introducer.addrs, cachePath);
  });

  it('gives out dialable addresses ending in its peer id', () => {
    expect(introducer.addrs.length).toBeGreaterThan(0);
    for (const a of introducer.addrs) expect(a).toMatch(new RegExp(`/p2p/${introducer.peerId}$`));
    expect(introducer.peerId).toBe(peerIdFromPrivateKey(introducerKey).toString());
  });

  it('passes a server announcement to a subscribed client, with the encoding', async () => {
    const [seen] = await c.directory.ready({ minServers: 1, timeoutMs: 10_000 });
    expect(seen.peerId).toBe(server.id);
    expect(seen.nickname).toBe('s1');
    expect(seen.availableSpace).toBe(1_000_000);
    expect(seen.addrs).toEqual(server.node.getMultiaddrs().map(String));
    expect(c.directory.recommendedEncoding()).toEqual(ENCODING);
    await server.ann.published();
    const seqnum = server.ann.current()?.announcement.seqnum;
    expect(seen.seqnum).toBe(seqnum);
    expect(await readFile(join(dir.path, 's1', SEQNUM_FILE), 'utf8')).toBe(`${seqnum}\n`);
    expect(c.directory.status()).toEqual([
      { introducer: introducer.peerId, subscribed: true, lastError: undefined },
    ]);
  });

  it('replaces an announcement by one with a higher seqnum and ignores a lower one', async () => {
    const old = server.ann.current();
    if (old === undefined) throw new Error('not started');
    const changes: ServerDirectoryChange[] = [];
    const off = c.directory.onChange((change) => changes.push(change));
    await server.ann.update({ nickname: 's1-renamed', availableSpace: 500 });
    await until(() => c.directory.server(server.id)?.nickname === 's1-renamed');
    off();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'updated', previous: { nickname: 's1' } });
    expect(c.directory.server(server.id)?.availableSpace).toBe(500);
    const current = server.ann.current()?.announcement.seqnum ?? 0;
    expect(current).toBeGreaterThan(old.announcement.seqnum);

    // a replay of the older announcement (by its own server) changes nothing
    expect(await publishFrom(server.node, introducer, old)).toEqual({
      status: 'stale',
      seqnum: current,
    });
    expect(await publishFrom(server.node, introducer, server.ann.current() ?? old)).toEqual({
      status: 'unchanged',
      seqnum: current,
    });
    expect(introducer.service.announcements().map((s) => s.announcement.nickname)).toEqual([
      's1-renamed',
    ]);
    expect(c.directory.server(server.id)?.nickname).toBe('s1-renamed');
  });

  it('refuses forged, foreign and mismatched announcements', async () => {
    const genuine = server.ann.current();
    if (genuine === undefined) throw new Error('not started');
    const next = genuine.announcement.seqnum + 1000;
    const tampered: SignedAnnouncement = {
      announcement: { ...genuine.announcement, seqnum: next, nickname: 'mallory' },
      signature: genuine.signature,
    };
    await expect(publishFrom(server.node, introducer, tampered)).rejects.toMatchObject({
      code: 'INTRODUCER_BAD_SIGNATURE',
    });
    const other = await generateNodeKey();
    const foreign = await signAnnouncement(other, {
      addrs: [],
      nickname: 'other',
      version: 'x',
      availableSpace: 1,
      seqnum: next,
    });
    await expect(publishFrom(server.node, introducer, foreign)).rejects.toMatchObject({
      code: 'INTRODUCER_WRONG_PUBLISHER',
    });
    // another key's signature over an announcement naming this server
    const stolen: SignedAnnouncement = {
      announcement: { ...foreign.announcement, ...genuine.announcement, seqnum: next },
      signature: foreign.signature,
    };
    await expect(publishFrom(server.node, introducer, stolen)).rejects.toMatchObject({
      code: 'INTRODUCER_BAD_SIGNATURE',
    });
    const badSeed = await signAnnouncement(server.key, {
      addrs: [],
      nickname: 'x',
      version: 'x',
      availableSpace: 1,
      seqnum: next,
    });
    badSeed.announcement.permutationSeed = new Uint8Array(34);
    await expect(publishFrom(server.node, introducer, badSeed)).rejects.toMatchObject({
      code: 'INTRODUCER_INVALID_ANNOUNCEMENT',
    });
    const expired = await signAnnouncement(server.key, {
      addrs: [],
      nickname: 'x',
      version: 'x',
      availableSpace: 1,
      seqnum: next,
      issuedAt: 1,
    });
    await expect(publishFrom(server.node, introducer, expired)).rejects.toMatchObject({
      code: 'INTRODUCER_ANNOUNCEMENT_EXPIRED',
    });
    expect(introducer.service.announcements()).toHaveLength(1);
    expect(introducer.service.announcements()[0].announcement.nickname).toBe('s1-renamed');
    expect(c.directory.servers().map((s) => s.nickname)).toEqual(['s1-renamed']);
  });

  it('loses nothing that matters in a restart: servers re-announce, clients resubscribe', async () => {
    const port = /\/tcp\/(\d+)\//.exec(introducer.addrs[0])?.[1];
    await introducer.stop();
    await until(() => !c.directory.status()[0].subscribed);
    introducer = await introducerOn(introducerKey, `/ip4/127.0.0.1/tcp/${port}`);
    expect(introducer.addrs).toContain(
      `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(introducerKey).toString()}`,
    );
    await until(() => introducer.service.announcements().length === 1);
    expect(introducer.service.announcements()[0].announcement.peerId).toBe(server.id);
    await until(() => c.directory.status()[0].subscribed);
    // the new subscription carries news
    await server.ann.update({ nickname: 's1-after-restart' });
    await until(() => c.directory.server(server.id)?.nickname === 's1-after-restart');
  });

  it('lets a client with a cache file find servers while every introducer is down', async () => {
    await c.directory.stop();
    await introducer.stop();
    const offline = await client(introducer.addrs, cachePath);
    const servers = await offline.directory.ready({ minServers: 1, timeoutMs: 1_000 });
    expect(servers.map((s) => [s.peerId, s.nickname])).toEqual([[server.id, 's1-after-restart']]);
    expect(offline.directory.recommendedEncoding()).toEqual(ENCODING);
    expect(offline.directory.status()[0].subscribed).toBe(false);

    // an edited cache entry no longer verifies and is dropped
    const edited = join(dir.path, 'edited-cache.json');
    const text = await readFile(cachePath, 'utf8');
    await writeFile(edited, text.replace('s1-after-restart', 's1-edited!!!!!!!'));
    const suspicious = await client([], edited);
    expect(suspicious.directory.servers()).toEqual([]);
    await expect(
      suspicious.directory.ready({ minServers: 1, timeoutMs: 50 }),
    ).rejects.toMatchObject({ code: 'INTRODUCER_NOT_ENOUGH_SERVERS', have: 0, need: 1 });
  });
});

describe('several introducers', () => {
  it('publishes to each, and a client keeps its servers when one introducer goes', async () => {
    const i2 = await introducerOn(await generateNodeKey(), '/ip4/127.0.0.1/tcp/0', {
      sharesNeeded: 1,
      sharesHappy: 1,
      sharesTotal: 2,
    });
    const i3 = await introducerOn(await generateNodeKey(), '/ip4/127.0.0.1/tcp/0', ENCODING);
    const server = await storageServer('s2', [...i2.addrs, ...i3.addrs]);
    const only2 = await storageServer('s3', i2.addrs);
    const c = await client([i3.addrs[0], i2.addrs[0]]);
    await server.ann.published({ minIntroducers: 2 });
    expect(server.ann.status().map((s) => [s.introducer, s.upToDate])).toEqual([
      [i2.peerId, true],
      [i3.peerId, true],
    ]);
    const servers = await c.directory.ready({ minServers: 2, timeoutMs: 10_000 });
    expect(servers.map((s) => s.peerId).sort()).toEqual([server.id, only2.id].sort());
    // the first configured introducer that recommends an encoding wins
    expect(c.directory.recommendedEncoding()).toEqual(ENCODING);

    await i2.stop();
    await server.ann.update({ nickname: 's2-via-i3' });
    await until(() => c.directory.server(server.id)?.nickname === 's2-via-i3');
    expect(c.directory.server(only2.id)?.nickname).toBe('s3'); // kept, not forgotten
    expect(c.directory.status().map((s) => s.subscribed)).toEqual([true, false]);
  });
});

describe('announcing', () => {
  it('announces interface addresses for 0.0.0.0, and --announce overrides them', async () => {
    const key = await generateNodeKey();
    const node = later(
      await createTesseraNode({ privateKey: key, listen: ['/ip4/0.0.0.0/tcp/0'] }),
    );
    const id = node.peerId.toString();
    const plain = later(
      announcer({
        node,
        privateKey: key,
        introducers: [],
        seqnumPath: join(dir.path, 'w', SEQNUM_FILE),
        nickname: 'w',
        availableSpace: 0,
      }),
    );
    await plain.start();
    const addrs = plain.current()?.announcement.addrs ?? [];
    expect(addrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true);
    expect(addrs.every((a) => !a.includes('0.0.0.0') && a.endsWith(`/p2p/${id}`))).toBe(true);
    const overridden = later(
      announcer({
        node,
        privateKey: key,
        introducers: [],
        seqnumPath: join(dir.path, 'w', SEQNUM_FILE),
        nickname: 'w',
        availableSpace: 0,
        announce: ['/dns4/grid.example.org/tcp/4001'],
      }),
    );
    await overridden.start();
    expect(overridden.current()?.announcement.addrs).toEqual([
      `/dns4/grid.example.org/tcp/4001/p2p/${id}`,
    ]);
    // both share the seqnum file: every signing is above the last one
    expect(overridden.current()?.announcement.seqnum).toBeGreaterThan(
      plain.current()?.announcement.seqnum ?? 0,
    );
  });

  it('keeps retrying introducers that are down, without failing, and stops promptly', async () => {
    const nobody = peerIdFromPrivateKey(await generateNodeKey()).toString();
    const down = `/ip4/127.0.0.1/tcp/1/p2p/${nobody}`;
    const server = await storageServer('s-lonely', [down]);
    const c = await client([down]);
    await until(() => server.ann.status()[0].lastError !== undefined);
    await until(() => c.directory.status()[0].lastError !== undefined);
    const controller = new AbortController();
    const waiting = server.ann.published({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'PROTOCOL_ABORTED' });
    const started = Date.now();
    await server.ann.stop();
    await c.directory.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses bad introducer addresses and a key that is not the node key', async () => {
    const node = later(await loopbackNode());
    const foreignKey = await generateNodeKey();
    expect(() => serverDirectory({ node, introducers: ['/ip4/127.0.0.1/tcp/1'] })).toThrow(
      expect.objectContaining({ code: 'INTRODUCER_BAD_ADDRESS' }),
    );
    expect(() =>
      announcer({
        node,
        privateKey: foreignKey,
        introducers: [],
        seqnumPath: join(dir.path, 'x'),
        nickname: 'x',
        availableSpace: 0,
      }),
    ).toThrow(RangeError);
  });
});

describe('expiry', () => {
  it('drops announcements older than the TTL, in the introducer and in a directory', async () => {
    let clock = 1_800_000_000_000;
    const now = (): number => clock;
    const intro = later(
      await startIntroducerNode({
        dir: dir.path,
        privateKey: await generateNodeKey(),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        announce: [],
        nickname: 'i',
        service: { now, ttlMs: 60_000 },
      }),
    );
    const key = await generateNodeKey();
    const node = later(await loopbackNode(key));
    const signed = await signAnnouncement(key, {
      addrs: [],
      nickname: 'e',
      version: 'v',
      availableSpace: 1,
      seqnum: 1,
      issuedAt: clock,
    });
    expect(await publishFrom(node, intro, signed)).toMatchObject({ status: 'stored' });
    clock += 59_999;
    expect(intro.service.announcements()).toHaveLength(1);
    clock += 1;
    expect(intro.service.announcements()).toHaveLength(0);

    // a directory fed from a cache drops it on its sweep
    clock = signed.announcement.issuedAt;
    const cachePath = join(dir.path, 'expiry-cache.json');
    await writeServerCache(cachePath, { announcements: [signed], encodings: new Map() });
    const directory = later(
      serverDirectory({
        node,
        introducers: [],
        cachePath,
        ttlMs: 60_000,
        now,
        sweepIntervalMs: 10,
      }),
    );
    const removed: string[] = [];
    directory.onChange((change) => {
      if (change.kind === 'removed') removed.push(change.server.peerId);
    });
    await directory.start();
    expect(directory.servers()).toHaveLength(1);
    clock += 60_000;
    await until(() => removed.length === 1);
    expect(directory.servers()).toEqual([]);
  });
});

describe('seqnums', () => {
  it('persist across announcer restarts, and climb above what an introducer holds', async () => {
    const intro = await introducerOn(await generateNodeKey(), '/ip4/127.0.0.1/tcp/0');
    const key = await generateNodeKey();
    const node = later(await loopbackNode(key));
    const seqnumPath = join(dir.path, 'seq', SEQNUM_FILE);
    const base = Date.now();
    const make = (now: number) =>
      later(
        announcer({
          node,
          privateKey: key,
          introducers: intro.addrs,
          seqnumPath,
          nickname: 'seq',
          availableSpace: 1,
          retry: FAST_RETRY,
          now: () => now,
        }),
      );
    const first = make(base);
    await first.start();
    await first.update({ nickname: 'seq-2' });
    await first.published();
    expect(first.current()?.announcement.seqnum).toBe(base + 1);
    await first.stop();

    // same clock, restarted: the file keeps seqnums growing
    const second = make(base);
    await second.start();
    expect(second.current()?.announcement.seqnum).toBe(base + 2);
    await second.published();
    await second.stop();

    // the file is lost and the clock is behind: the introducer answers "stale", the announcer
    // signs again above the introducer's seqnum
    await rm(seqnumPath);
    const third = make(base - 10_000);
    await third.start();
    expect(third.current()?.announcement.seqnum).toBe(base - 10_000);
    await third.published();
    expect(third.current()?.announcement.seqnum).toBe(base + 3);
    expect(intro.service.announcements()[0].announcement.seqnum).toBe(base + 3);
  });
});

describe('a lying introducer', () => {
  it('cannot make a client accept forged or altered announcements', async () => {
    const key = await generateNodeKey();
    const genuine = await signAnnouncement(key, {
      addrs: ['/ip4/127.0.0.1/tcp/9'],
      nickname: 'honest',
      version: 'v',
      availableSpace: 1,
      seqnum: 5,
    });
    const altered: SignedAnnouncement = {
      announcement: { ...genuine.announcement, seqnum: 6, addrs: [] },
      signature: genuine.signature,
    };
    const liarKey = await generateNodeKey();
    const liarNode = later(await loopbackNode(liarKey));
    const liar = later(rpcServer(liarNode, { service: introducerServiceDefinition }));
    liar.onSubscribe((_body, sub) => {
      sub.notify('announcements', { announcements: [altered, genuine, altered] });
    });
    await liar.start();
    const c = await client(liarNode.getMultiaddrs().map(String));
    await c.directory.ready({ minServers: 1, timeoutMs: 5_000 });
    await until(() => c.directory.status()[0].subscribed);
    expect(c.directory.servers()).toEqual([genuine.announcement]);
  });
});
