/**
 * Attached commands (docs/ARCHITECTURE.md "Attached commands"): with `tessera run CLIENTDIR`
 * running, `put`, `get` and `servers` on CLIENTDIR run inside that node, on its connections,
 * and the command line relays bytes. Real processes: an introducer, 5 storage nodes and the
 * client node, shared by the file's tests. The node's log names each command it ran, which
 * is how these tests tell an attached command from one run in-process (TESSERA_NO_ATTACH=1).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess, startGrid, TESSERA_BIN, tessera, type Grid } from '../src/index.ts';

let grid: Grid;
let alice: string;
let node: NodeProcess;
const IN_PROCESS = { TESSERA_NO_ATTACH: '1' };

beforeAll(async () => {
  grid = await startGrid({ nodes: 5 });
  alice = await grid.createClient('alice', [
    '--shares-needed',
    '2',
    '--shares-happy',
    '4',
    '--shares-total',
    '5',
  ]);
  node = new NodeProcess(alice);
  const ready = await node.start();
  expect(ready.role).toBe('client');
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await grid?.stop();
});

const socketPath = (): string => join(alice, 'private', 'cli.sock');

/** How many attached runs of `command` the client node has logged as ended. */
async function attachedRuns(command: string): Promise<string[]> {
  const log = await readFile(join(alice, 'logs', 'node.log'), 'utf8').catch(() => '');
  return log.split('\n').filter((l) => l.includes(`attached command "${command}" ended`));
}

/** Runs `tessera -d alice ARGS` and says whether the client node ran it. */
async function runCounted(
  args: string[],
  options: Parameters<Grid['client']>[2] = {},
): Promise<Awaited<ReturnType<Grid['client']>> & { attached: boolean }> {
  const before = (await attachedRuns(args[0])).length;
  const r = await grid.client(alice, args, options);
  return { ...r, attached: (await attachedRuns(args[0])).length > before };
}

async function file(name: string, data: Uint8Array): Promise<string> {
  const path = join(grid.root, name);
  await writeFile(path, data);
  return path;
}

describe('commands attached to a running client node', () => {
  it('find the node connected to the storage servers before their first command', async () => {
    const deadline = Date.now() + 20_000;
    let log = '';
    const connected = (): number =>
      new Set(
        log.split('\n').flatMap((l) => /connected to storage server (\S+)/.exec(l)?.[1] ?? []),
      ).size;
    while (Date.now() < deadline) {
      log = await readFile(join(alice, 'logs', 'node.log'), 'utf8').catch(() => '');
      if (connected() >= 5) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(connected()).toBe(5);
  });

  it('run put, get and servers in the node, with the in-process results', async () => {
    const data = randomBytes(100_000);
    const path = await file('same.bin', data);
    const put = await runCounted(['put', path]);
    expect([put.code, put.stderr, put.attached]).toEqual([0, '', true]);
    const local = await runCounted(['put', path], { env: IN_PROCESS });
    expect([local.code, local.stderr, local.attached]).toEqual([0, '', false]);
    const cap = put.stdout.toString();
    expect(cap).toMatch(/^URI:CHK:.*:2:5:100000\n$/);
    expect(local.stdout.toString()).toBe(cap);

    const get = await runCounted(['get', cap.trim()]);
    expect(get.attached).toBe(true);
    expect(get.stdout.equals(data)).toBe(true);
    const getLocal = await runCounted(['get', cap.trim()], { env: IN_PROCESS });
    expect(getLocal.attached).toBe(false);
    expect(getLocal.stdout.equals(data)).toBe(true);

    const ids = (out: Buffer): string[] =>
      out
        .toString()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { peerId: string }).peerId)
        .sort();
    const servers = await runCounted(['servers', '--json', '--wait', '0']);
    expect(servers.attached).toBe(true);
    const serversLocal = await runCounted(['servers', '--json'], { env: IN_PROCESS });
    expect(ids(servers.stdout)).toHaveLength(5);
    expect(ids(servers.stdout)).toEqual(ids(serversLocal.stdout));
  });

  it("resolve relative paths and -d against the command line's working directory", async () => {
    const work = join(grid.root, 'work');
    await mkdir(join(work, 'out'), { recursive: true });
    const data = randomBytes(20_000);
    await writeFile(join(work, 'rel.bin'), data);
    const put = await tessera(['-d', '../alice', 'put', 'rel.bin'], { cwd: work });
    expect([put.code, put.stderr]).toEqual([0, '']);
    const get = await tessera(
      ['get', put.stdout.toString().trim(), 'out/copy.bin', '--node-dir=../alice'],
      { cwd: work },
    );
    expect([get.code, get.stderr]).toEqual([0, '']);
    expect((await readFile(join(work, 'out', 'copy.bin'))).equals(data)).toBe(true);
    expect(await readdir(join(work, 'out'))).toEqual(['copy.bin']); // no partial file left
    expect(await attachedRuns('get')).not.toHaveLength(0);
  });

  it('read stdin with "put -" and write stdout with "get CAP -"', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const put = await runCounted(['put', '-'], { input: data });
    expect([put.code, put.stderr, put.attached]).toEqual([0, '', true]);
    const get = await runCounted(['get', put.stdout.toString().trim(), '-']);
    expect(get.attached).toBe(true);
    expect(get.stdout.equals(data)).toBe(true);
  });

  it('fail with the in-process exit code and error line', async () => {
    const cases = [
      ['put', join(grid.root, 'missing.bin')],
      ['get', 'not-a-cap'],
      ['get', 'URI:CHK:nonsense'],
      ['put', 'a', 'b', 'c'],
    ];
    for (const args of cases) {
      const attached = await runCounted(args);
      const local = await runCounted(args, { env: IN_PROCESS });
      expect(attached.attached).toBe(true);
      expect(local.attached).toBe(false);
      expect([attached.code, attached.stderr]).toEqual([local.code, local.stderr]);
      expect(attached.stderr).toMatch(/^tessera: .* \([A-Z_]+\)\n/);
    }
  });

  it("abort the node's upload when the command line is killed; the node keeps serving", async () => {
    const data = randomBytes(32 * 1024 * 1024);
    const path = await file('big.bin', data);
    const child = spawn(process.execPath, [TESSERA_BIN, '-d', alice, 'put', path], {
      stdio: 'ignore',
    });
    const incoming = async (): Promise<number> => {
      let n = 0;
      for (const s of grid.storage) {
        const dir = join(s.dir, 'storage', 'shares', 'incoming');
        for (const e of await readdir(dir, { recursive: true }).catch(() => [])) {
          n += await stat(join(dir, e)).then(
            (st) => (st.isFile() ? st.size : 0),
            () => 0,
          );
        }
      }
      return n;
    };
    const deadline = Date.now() + 30_000;
    while ((await incoming()) < 1_000_000 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(child.exitCode).toBe(null);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await expect
      .poll(async () => (await attachedRuns('put')).at(-1) ?? '', { timeout: 20_000 })
      .toMatch(/exit 1 in \d+ ms \(the command line went away\)$/);
    expect(node.running).toBe(true);
    // The next put of the same file is attached, resumes, and gives the offline cap.
    const expected = (await tessera(['-d', alice, 'debug', 'chk-cap', path])).stdout.toString();
    const again = await runCounted(['put', path]);
    expect([again.code, again.attached]).toEqual([0, true]);
    expect(again.stdout.toString()).toBe(expected);
  });

  it('survive garbage on the socket', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const s = createConnection(socketPath());
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.resume();
        s.end(randomBytes(1 + i * 997));
      });
    }
    expect(node.running).toBe(true);
    const put = await runCounted(['put', '-'], { input: randomBytes(1000) });
    expect([put.code, put.attached]).toEqual([0, true]);
  });

  it('refuse a second node on the same directory, clearly', async () => {
    const second = await tessera(['run', alice], { timeoutMs: 30_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /^tessera: Cannot run ".*alice": another client node runs there \(it answers on ".*cli\.sock"\) \(CLI_NODE_RUNNING\)\n$/,
    );
    expect(node.running).toBe(true);
    const servers = await runCounted(['servers', '--wait', '0']);
    expect([servers.code, servers.attached]).toEqual([0, true]);
  });

  it('run in-process beside a stale socket, and the restarted node replaces it', async () => {
    await node.kill();
    expect(existsSync(socketPath())).toBe(true);
    const put = await runCounted(['put', '-'], { input: randomBytes(2000) });
    expect([put.code, put.stderr, put.attached]).toEqual([0, '', false]);
    await node.start();
    const again = await runCounted(['put', '-'], { input: randomBytes(2000) });
    expect([again.code, again.attached]).toEqual([0, true]);
    const log = await readFile(join(alice, 'logs', 'node.log'), 'utf8');
    expect(log).toContain('removed the stale socket');
  });

  it('remove the socket on a clean stop', async () => {
    expect(await node.stop()).toBe(0);
    expect(existsSync(socketPath())).toBe(false);
    const put = await runCounted(['put', '-'], { input: randomBytes(2000) });
    expect([put.code, put.attached]).toEqual([0, false]);
  });
});
