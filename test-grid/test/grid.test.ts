/**
 * Grid tests: real `tessera` processes (an introducer and 10 storage nodes) on 127.0.0.1,
 * driven through the built CLI. One grid serves the whole file; tests that stop nodes restart
 * them before they end.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode, chkStorageIndex, parseCap, type ChkCap } from '@tessera/caps';
import { startGrid, tessera, type Grid } from '../src/index.ts';

let grid: Grid;
let alice: string;
let bob: string;

beforeAll(async () => {
  grid = await startGrid({ nodes: 10 });
  alice = await grid.createClient('alice');
  bob = await grid.createClient('bob');
}, 60_000);

afterAll(async () => {
  await grid?.stop();
});

async function put(dir: string, data: Uint8Array, extra: string[] = []): Promise<string> {
  const file = join(grid.root, `upload-${randomBytes(4).toString('hex')}`);
  await writeFile(file, data);
  const r = await grid.client(dir, ['put', file, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.toString().trim();
}

async function get(dir: string, cap: string, extra: string[] = []): Promise<Buffer> {
  const r = await grid.client(dir, ['get', cap, ...extra]);
  if (r.code !== 0) throw new Error(`get failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Paths of the share files of a storage index on every storage node. */
async function shareFiles(cap: string): Promise<{ node: number; path: string }[]> {
  const si = base32Encode(chkStorageIndex((parseCap(cap) as ChkCap).key));
  const out: { node: number; path: string }[] = [];
  for (let i = 0; i < grid.storage.length; i++) {
    const dir = join(grid.storage[i].dir, 'storage', 'shares', si.slice(0, 2), si);
    const names = await readdir(dir).catch(() => []);
    for (const n of names) if (/^\d+$/.test(n)) out.push({ node: i, path: join(dir, n) });
  }
  return out;
}

describe('put and get on a local grid', () => {
  const segment = 1_048_578; // 1 MiB adjusted to a multiple of k = 3
  it.each([0, 1, 55, 56, segment - 1, segment, segment + 1, 20 * 1024 * 1024])(
    'round-trips %i bytes, and the cap works from another client',
    async (size) => {
      const data = randomBytes(size);
      const cap = await put(alice, data);
      expect(cap).toMatch(size <= 55 ? /^URI:LIT:/ : /^URI:CHK:/);
      expect((await get(alice, cap)).equals(data)).toBe(true);
      // Out-of-band sharing: bob has another convergence secret and only the cap.
      expect((await get(bob, cap)).equals(data)).toBe(true);
    },
  );

  it('reads byte ranges', async () => {
    const data = randomBytes(3 * segment + 100);
    const cap = await put(alice, data);
    expect(
      (await get(alice, cap, ['--range', '1048000-2100000'])).equals(
        data.subarray(1048000, 2100001),
      ),
    ).toBe(true);
    expect(
      (await get(alice, cap, ['--range', `${data.length - 10}-`])).equals(
        data.subarray(data.length - 10),
      ),
    ).toBe(true);
  });

  it('gives the same cap for the same file and secret, and spreads one share per server', async () => {
    const data = randomBytes(100_000);
    const a = await put(alice, data);
    expect(await put(alice, data)).toBe(a);
    const files = await shareFiles(a);
    expect(files).toHaveLength(10);
    expect(new Set(files.map((f) => f.node)).size).toBe(10);
  });

  it('reads from stdin and writes to a file', async () => {
    const data = randomBytes(70_000);
    const r = await grid.client(alice, ['put', '-'], { input: data });
    expect(r.code).toBe(0);
    const cap = r.stdout.toString().trim();
    const out = join(grid.root, 'out.bin');
    const g = await grid.client(alice, ['get', cap, out]);
    expect(g.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it('returns the right bytes from corrupted shares and tells their servers', async () => {
    const data = randomBytes(200_000);
    const cap = await put(alice, data);
    const files = await shareFiles(cap);
    // Flip a byte in the first block of the shares on 7 of the 10 servers (container header
    // is 12 bytes, share header 0x24): 3 good shares remain.
    const victims = files.slice(0, 7);
    for (const f of victims) {
      const bytes = await readFile(f.path);
      bytes[12 + 0x24 + 5] ^= 0xff;
      await writeFile(f.path, bytes);
    }
    const advised = async (): Promise<number[]> => {
      const nodes: number[] = [];
      for (let i = 0; i < grid.storage.length; i++) {
        const names = await readdir(
          join(grid.storage[i].dir, 'storage', 'corruption-advisories'),
        ).catch(() => []);
        if (names.length > 0) nodes.push(i);
      }
      return nodes;
    };
    // The decoder tries the fastest servers first, so it may take a few downloads to meet a
    // corrupt share; every download must return the right bytes.
    for (let attempt = 0; attempt < 5 && (await advised()).length === 0; attempt++) {
      expect((await get(alice, cap)).equals(data)).toBe(true);
    }
    const nodes = await advised();
    expect(nodes.length).toBeGreaterThan(0);
    const victimNodes = new Set(victims.map((v) => v.node));
    expect(nodes.every((n) => victimNodes.has(n))).toBe(true);
  });

  it('resumes a put killed mid-upload, giving the same cap as a clean upload', async () => {
    const data = randomBytes(48 * 1024 * 1024);
    const file = join(grid.root, 'big.bin');
    await writeFile(file, data);
    // Kill the client once some share bytes have reached the servers.
    const { spawn } = await import('node:child_process');
    const { TESSERA_BIN } = await import('../src/index.ts');
    const child = spawn(process.execPath, [TESSERA_BIN, '-d', alice, 'put', file], {
      stdio: 'ignore',
    });
    const incomingBytes = async (): Promise<number> => {
      let n = 0;
      for (const s of grid.storage) {
        const walk = async (d: string): Promise<void> => {
          for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
            if (e.isDirectory()) await walk(join(d, e.name));
            else if (!e.name.endsWith('.state'))
              n += (await readFile(join(d, e.name)).catch(() => Buffer.alloc(0))).length;
          }
        };
        await walk(join(s.dir, 'storage', 'shares', 'incoming'));
      }
      return n;
    };
    const deadline = Date.now() + 30_000;
    while (
      (await incomingBytes()) < 1_000_000 &&
      Date.now() < deadline &&
      child.exitCode === null
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const expected = (await tessera(['-d', alice, 'debug', 'chk-cap', file])).stdout
      .toString()
      .trim();
    const cap = await put(alice, data);
    expect(cap).toBe(expected);
    expect((await get(bob, cap)).equals(data)).toBe(true);
  });

  it('keeps working from the server cache while the introducer is down', async () => {
    await grid.introducer.stop();
    try {
      const data = randomBytes(10_000);
      const cap = await put(alice, data);
      expect((await get(alice, cap)).equals(data)).toBe(true);
    } finally {
      await grid.introducer.start();
    }
  });

  it('downloads with 7 of 10 storage nodes stopped, fails cleanly with 8, and refuses an unhappy upload', async () => {
    const data = randomBytes(300_000);
    const cap = await put(alice, data);
    const stopped = grid.storage.slice(0, 7);
    await Promise.all(stopped.map((s) => s.stop()));
    try {
      expect((await get(alice, cap)).equals(data)).toBe(true);
      // Only 3 servers are up: an upload needing happy = 7 fails with a clear error.
      const file = join(grid.root, 'unhappy.bin');
      await writeFile(file, randomBytes(10_000));
      const u = await grid.client(alice, ['put', file]);
      expect(u.code).toBe(1);
      expect(u.stderr).toMatch(
        /^tessera: Cannot upload: .*need 7 \(happy\) \(CLIENT_UPLOAD_UNHAPPY\)\n$/,
      );
      await grid.storage[7].stop();
      const t0 = Date.now();
      const r = await grid.client(alice, ['get', cap], { timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toMatch(/^tessera: .*not enough shares.*\(IMMUTABLE_NOT_ENOUGH_SHARES\)\n$/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    } finally {
      await Promise.all([...stopped, grid.storage[7]].map((s) => s.start()));
    }
  });
});
