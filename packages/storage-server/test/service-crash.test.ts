/**
 * A storage node in a child process is SIGKILLed in the middle of an upload, restarted on the
 * same directory, and the upload is resumed over the protocol from what the node says it holds.
 * The child runs the built `dist/` (built here if older than `src/`).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTesseraNode,
  generateNodeKey,
  rpcClient,
  storageClient,
  storageServiceDefinition,
} from '@tessera/protocol';
import type { StorageClient, TesseraNode } from '@tessera/protocol';
import { collect, digest, pattern, uploadSecrets } from './service-helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const MiB = 1024 * 1024;

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

async function ensureBuilt(): Promise<void> {
  const fresh = async () =>
    (await newestMtime(join(pkg, 'dist')).catch(() => 0)) >= (await newestMtime(join(pkg, 'src')));
  if (await fresh()) return;
  const tsc = join(pkg, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [tsc, '--build', pkg], { stdio: 'ignore' });
  if (!(await fresh())) throw new Error('Cannot build packages/storage-server for the crash test');
}

interface Child {
  process: ChildProcess;
  addrs: string[];
  exited: Promise<number | null>;
}

async function startChild(dir: string): Promise<Child> {
  const child = spawn(process.execPath, [join(here, 'fixtures', 'storage-node-child.mjs'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const first = await lines.next();
  clearTimeout(timer);
  if (first.done === true) throw new Error('the storage node exited before it was ready');
  const ready: unknown = JSON.parse(String(first.value));
  if (
    typeof ready !== 'object' ||
    ready === null ||
    !('addrs' in ready) ||
    !Array.isArray(ready.addrs)
  ) {
    throw new Error(`unexpected ready line ${String(first.value)}`);
  }
  return { process: child, addrs: ready.addrs.map(String), exited };
}

let dir: string;
let clientNode: TesseraNode;
const children: Child[] = [];

function connect(child: Child): StorageClient {
  return storageClient(
    rpcClient(
      clientNode,
      child.addrs.map((a) => multiaddr(a)),
      {
        service: storageServiceDefinition,
        timeoutMs: 15_000,
      },
    ),
  );
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'tessera-service-crash-'));
  clientNode = await createTesseraNode({ privateKey: await generateNodeKey() });
});

afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
  await clientNode?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a storage node killed mid-upload', () => {
  it('keeps closed shares, and resumes the open upload after a restart', async () => {
    const s = uploadSecrets();
    const closed = pattern(MiB, 1);
    const open = pattern(4 * MiB, 2);
    const first = await startChild(dir);
    children.push(first);
    let api = connect(first);
    await api.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: 4 * MiB });
    await api.writeShare({ ...s, shareNum: 1 }, closed);
    await expect(api.close({ ...s, shareNum: 1 })).rejects.toMatchObject({
      code: 'STORAGE_INCOMPLETE_SHARE',
    });
    await api.writeShare({ ...s, shareNum: 1 }, pattern(3 * MiB, 3), { offset: MiB });
    await api.close({ ...s, shareNum: 1 });
    await api.writeShare({ ...s, shareNum: 0 }, open.subarray(0, 2 * MiB));
    await new Promise((r) => setTimeout(r, 500)); // the node records progress within 250 ms
    await api.write({ ...s, shareNum: 0, offset: 2 * MiB, data: open.subarray(2 * MiB, 3 * MiB) });
    first.process.kill('SIGKILL');
    await first.exited;
    await api.rpc.close();

    const second = await startChild(dir);
    children.push(second);
    api = connect(second);
    expect(await api.listShares(s.storageIndex)).toEqual([1]);
    const whole = new Uint8Array(4 * MiB);
    whole.set(closed);
    whole.set(pattern(3 * MiB, 3), MiB);
    expect(
      digest(await collect(api.readShare({ storageIndex: s.storageIndex, shareNum: 1 }))),
    ).toBe(digest(whole));
    const reopened = await api.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: 4 * MiB });
    expect(reopened).toEqual({ alreadyHave: [1], allocated: [0], resumed: [0] });
    const bucket = { ...s, shareNum: 0 };
    const ranges = await api.writtenRanges(bucket);
    // at least what was recorded before the kill; never more than was sent
    expect(ranges.written[0]).toMatchObject({ offset: 0 });
    expect(ranges.written[0].length).toBeGreaterThanOrEqual(2 * MiB);
    for (const gap of ranges.missing) {
      await api.writeShare(bucket, open.subarray(gap.offset, gap.offset + gap.length), {
        offset: gap.offset,
      });
    }
    await api.close(bucket);
    expect(
      digest(await collect(api.readShare({ storageIndex: s.storageIndex, shareNum: 0 }))),
    ).toBe(digest(open));
    await api.rpc.close();
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
