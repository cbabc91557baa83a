/**
 * Kills a child process that is writing to a store (SIGKILL at a random moment), restarts
 * the store and checks: no partial share is visible, every closed share is intact, the slot
 * is wholly at one version, and every interrupted upload can be resumed and closed. The child
 * runs the built `dist/` (built here if older than `src/`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStorageIndexName } from '../src/layout.ts';
import { createShareStore, type ShareStore } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const child = join(here, 'fixtures', 'crash-child.mjs');

// The same deterministic generators as fixtures/crash-child.mjs.
const sha = (s: string | Uint8Array) => new Uint8Array(createHash('sha256').update(s).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sizeFor = (si: Uint8Array) => 1 + ((si[0] << 8) | si[1]) * 2;
function contentFor(si: Uint8Array): Uint8Array {
  const size = sizeFor(si);
  const out = new Uint8Array(size);
  for (let block = 0; block * 32 < size; block++) {
    const h = sha(Buffer.concat([si, Buffer.from(String(block))]));
    out.set(h.subarray(0, Math.min(32, size - block * 32)), block * 32);
  }
  return out;
}
const secretsFor = (si: Uint8Array) => ({
  renewSecret: sha(`renew:${hex(si)}`),
  cancelSecret: sha(`cancel:${hex(si)}`),
  uploadSecret: sha(`upload:${hex(si)}`).subarray(0, 20),
});
const SLOT_SI = sha('crash-slot').subarray(0, 16);

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const name of await readdir(dir))
    newest = Math.max(newest, (await stat(join(dir, name))).mtimeMs);
  return newest;
}

async function ensureBuilt(): Promise<void> {
  const fresh = async () =>
    (await newestMtime(join(pkg, 'dist')).catch(() => 0)) >= (await newestMtime(join(pkg, 'src')));
  if (await fresh()) return;
  const tsc = join(pkg, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  // Errors in other packages of the build graph do not stop this package's emit.
  spawnSync(process.execPath, [tsc, '--build', pkg], { stdio: 'ignore' });
  if (!(await fresh())) throw new Error('Cannot build packages/storage-server for the crash test');
}

/** Runs the child until it has printed `minLines` lines, waits `delayMs` more, SIGKILLs it. */
function runAndKill(
  dir: string,
  round: number,
  minLines: number,
  delayMs: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let armed = false;
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!armed && out.split('\n').length - 1 >= minLines) {
        armed = true;
        setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own: ${err}`));
      else resolve(out.split('\n').filter((l) => l !== ''));
    });
  });
}

/** Every final immutable share on disk, by storage-index bytes. */
async function visibleShares(dir: string): Promise<Array<[Uint8Array, number[]]>> {
  const out: Array<[Uint8Array, number[]]> = [];
  const shares = join(dir, 'shares');
  for (const prefix of await readdir(shares)) {
    if (prefix === 'incoming') continue;
    for (const name of await readdir(join(shares, prefix))) {
      const si = parseStorageIndexName(name)!;
      out.push([si, (await readdir(join(shares, prefix, name))).map(Number)]);
    }
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'tessera-crash-'));
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('crash safety (SIGKILL)', () => {
  it('leaves only complete shares and whole slot versions, and resumable uploads', async () => {
    let lastSlot = 0;
    let closedTotal = 0;
    for (let round = 1; round <= 4; round++) {
      const lines = await runAndKill(dir, round, 2 + round * 2, 5 + Math.floor(Math.random() * 60));
      expect(lines[0]).toBe('ready');
      const store: ShareStore = createShareStore({ dir, sweepIntervalSeconds: 0 });
      await store.start();
      try {
        // Every share the child saw closed is intact.
        for (const line of lines.filter((l) => l.startsWith('closed '))) {
          const [, siHex, n] = line.split(' ');
          const si = new Uint8Array(Buffer.from(siHex, 'hex'));
          const [got] = await store.readShare({ storageIndex: si, shareNum: Number(n) }, [
            { offset: 0, length: 1e6 },
          ]);
          expect(hex(sha(got))).toBe(hex(sha(contentFor(si))));
          closedTotal += 1;
        }
        // Every visible share is complete (the slot aside), and the index agrees with the disk.
        let visible = 0;
        for (const [si, nums] of await visibleShares(dir)) {
          if (hex(si) === hex(SLOT_SI)) continue;
          for (const n of nums) {
            const [got] = await store.readShare({ storageIndex: si, shareNum: n }, [
              { offset: 0, length: 1e6 },
            ]);
            expect(got.length).toBe(sizeFor(si));
            expect(hex(sha(got))).toBe(hex(sha(contentFor(si))));
            visible += 1;
          }
        }
        expect(store.stats().immutableShareCount).toBe(visible);
        // The slot's two shares hold one and the same version, not older than the last reported.
        const slot = await store.slotRead({
          storageIndex: SLOT_SI,
          shareNums: [],
          ranges: [{ offset: 0, length: 1e6 }],
        });
        const reported = lines
          .filter((l) => l.startsWith('slot '))
          .map((l) => Number(l.split(' ')[1]));
        if (reported.length > 0) lastSlot = reported[reported.length - 1];
        if (slot.size > 0) {
          const [a] = slot.get(0)!;
          const [b] = slot.get(1)!;
          expect(hex(a)).toBe(hex(b));
          const v = Number(new DataView(a.buffer, a.byteOffset).getBigUint64(1));
          expect(v).toBeGreaterThanOrEqual(lastSlot);
          expect(a.length).toBe(100 + ((v * 37) % 3000));
        } else {
          expect(lastSlot).toBe(0);
        }
        // Interrupted uploads came back and can be finished.
        const incoming = join(dir, 'shares', 'incoming');
        for (const prefix of await readdir(incoming)) {
          for (const name of await readdir(join(incoming, prefix))) {
            const si = parseStorageIndexName(name)!;
            const s = secretsFor(si);
            const data = contentFor(si);
            const { allocated } = await store.allocateBuckets({
              storageIndex: si,
              ...s,
              shareNums: [0, 1],
              allocatedSize: data.length,
            });
            for (const shareNum of allocated) {
              const bucket = { storageIndex: si, shareNum, uploadSecret: s.uploadSecret };
              for (const r of (await store.writtenRanges(bucket)).missing) {
                await store.writeBucket(bucket, {
                  offset: r.offset,
                  data: data.subarray(r.offset, r.offset + r.length),
                });
              }
              await store.closeBucket(bucket);
              const [got] = await store.readShare(bucket, [{ offset: 0, length: 1e6 }]);
              expect(hex(sha(got))).toBe(hex(sha(data)));
            }
          }
        }
      } finally {
        await store.stop();
      }
    }
    expect(closedTotal).toBeGreaterThan(0);
  });
});
