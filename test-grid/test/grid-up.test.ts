/** `tessera grid up`, the README's main job: a grid in one command that really works. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { TESSERA_BIN, tessera } from '../src/index.ts';

let root: string | undefined;
afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function gridUp(
  dir: string,
): Promise<{ ready: { cap: string; client: string }; stop: () => Promise<number | null> }> {
  // The executable itself, as `npm run grid` and npm's bin link run it: its #! line (with the
  // Node flags it sets) must work.
  const child = spawn(TESSERA_BIN, ['grid', 'up', dir, '--nodes', '4', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr.on('data', (c: Buffer) => errors.push(c.toString()));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<{ cap: string; client: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`grid up: no ready line in 45 s: ${errors.join('')}`)),
      45_000,
    );
    child.once('exit', (code) => reject(new Error(`grid up exited (${code}): ${errors.join('')}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { event?: string; cap: string; client: string };
      if (parsed.event === 'grid-ready') {
        clearTimeout(timer);
        resolve(parsed);
      }
    });
  });
  const stop = async (): Promise<number | null> => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { ready, stop };
}

it('brings up a grid, verifies a sample upload, runs commands on its client, stops on Ctrl-C, and restarts', async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-grid-up-'));
  const dir = join(root, 'grid');
  const first = await gridUp(dir);
  expect(first.ready.cap).toMatch(/^URI:CHK:/);
  const file = join(dir, 'sample.bin');
  const got = await tessera(['-d', first.ready.client, 'get', first.ready.cap]);
  expect(got.code).toBe(0);
  const { readFile } = await import('node:fs/promises');
  expect(got.stdout.equals(await readFile(file))).toBe(true);
  // grid up's client ran it (docs/ARCHITECTURE.md "Attached commands").
  const clientLog = await readFile(join(first.ready.client, 'logs', 'client.log'), 'utf8');
  expect(clientLog).toMatch(/attached command "get" ended: exit 0/);
  expect(await first.stop()).toBe(0);
  const { existsSync } = await import('node:fs');
  expect(existsSync(join(first.ready.client, 'private', 'cli.sock'))).toBe(false);

  // The directory is reused: same nodes, same ports, so the first sample is still readable.
  const second = await gridUp(dir);
  const again = await tessera(['-d', second.ready.client, 'get', first.ready.cap]);
  expect(again.code).toBe(0);
  expect(await second.stop()).toBe(0);
});
