import { mkdtemp, readFile, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIRECT_PAGE,
  STAGING_SLOT_SIZE,
  openContainerFile,
  probeDirectWrites,
} from '../src/container-file.ts';
import { CorruptContainerError } from '../src/errors.ts';
import { pattern } from './helpers.ts';

let dir: string;
let direct: boolean;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-container-'));
  direct = await probeDirectWrites(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// statfs f_type of file systems that take O_DIRECT: ext2-4, xfs, btrfs.
const DIRECT_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e]);

describe('probeDirectWrites', () => {
  it('says yes on ext4, xfs and btrfs, where O_DIRECT works', async () => {
    const { type } = await statfs(dir);
    if (DIRECT_FILE_SYSTEMS.has(type)) expect(direct).toBe(true);
    else expect(typeof direct).toBe('boolean');
  });

  it('says no where the probe file cannot be written', async () => {
    expect(await probeDirectWrites(join(dir, 'missing', 'dir'))).toBe(false);
  });
});

/** Writes of a file of `size`: runs in order with jumps, some rewriting bytes already written. */
const writesOf = (size: number) =>
  fc.array(
    fc.record({
      jump: fc.option(fc.nat(size - 1), { freq: 4, nil: undefined }),
      length: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 600_000 })),
    }),
    { minLength: 1, maxLength: 12 },
  );

describe.each([
  ['direct', true],
  ['buffered', false],
])('a %s container', (_, wantDirect) => {
  const mode = () => ({ direct: wantDirect && direct });

  it('holds exactly what was written, whatever the offsets and lengths', async () => {
    const size = 3 * STAGING_SLOT_SIZE + 1234;
    const content = pattern(size, 7);
    await fc.assert(
      fc.asyncProperty(writesOf(size), fc.nat(size), async (writes, cut) => {
        const path = join(dir, 'prop');
        const file = await openContainerFile(path, { create: true, ...mode() });
        const model = new Uint8Array(size);
        let written = 0; // model bytes [0, written) cover every write so far
        try {
          expect(file.direct).toBe(mode().direct);
          let at = 0;
          for (const w of writes) {
            if (w.jump !== undefined) at = w.jump;
            const end = Math.min(size, at + w.length);
            await file.write(content.subarray(at, end), at);
            model.set(content.subarray(at, end), at);
            written = Math.max(written, end);
            // The bytes just written read back, across page and slot boundaries.
            const back = new Uint8Array(end - at);
            await file.read(back, at);
            expect(Buffer.from(back).equals(content.subarray(at, end))).toBe(true);
            at = end === size ? 0 : end;
          }
          const length = Math.min(written, cut);
          await file.truncate(length);
          await file.sync();
        } finally {
          await file.close();
        }
        const onDisk = await readFile(path);
        expect(onDisk.length).toBe(Math.min(written, cut));
        expect(onDisk.equals(model.subarray(0, onDisk.length))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps concurrent writers to many files apart (more writers than staging slots)', async () => {
    const files = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        openContainerFile(join(dir, `many-${i}`), { create: true, ...mode() }),
      ),
    );
    const size = STAGING_SLOT_SIZE + 3 * DIRECT_PAGE + 5;
    await Promise.all(
      files.map(async (file, i) => {
        const data = pattern(size, i + 1);
        for (let at = 0; at < size; at += 10_001) {
          await file.write(data.subarray(at, at + 10_001), at);
        }
        await file.truncate(size);
        await file.close();
      }),
    );
    for (let i = 0; i < files.length; i++) {
      const onDisk = await readFile(join(dir, `many-${i}`));
      expect(onDisk.equals(pattern(size, i + 1))).toBe(true);
    }
  });

  it('refuses a read past the end of the file', async () => {
    const file = await openContainerFile(join(dir, 'short'), { create: true, ...mode() });
    try {
      await file.write(pattern(100), 0);
      await file.truncate(100);
      await expect(file.read(new Uint8Array(50), 60)).rejects.toThrow(CorruptContainerError);
      const back = new Uint8Array(40);
      await file.read(back, 60);
      expect(back).toEqual(pattern(100).subarray(60));
    } finally {
      await file.close();
    }
  });
});
