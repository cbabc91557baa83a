import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateNodeKey } from '@tessera/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeServerCache,
  parseSeqnum,
  parseServerCache,
  readSeqnum,
  readServerCache,
  writeSeqnum,
  writeServerCache,
} from '../src/index.ts';
import { signedBy, tempDir } from './helpers.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.remove());

describe('the seqnum file', () => {
  it('round-trips and is absent before the first write', async () => {
    const path = join(dir.path, 'sub', 'announcement-seqnum');
    expect(await readSeqnum(path)).toBeUndefined();
    await writeSeqnum(path, 42);
    expect(await readFile(path, 'utf8')).toBe('42\n');
    expect(await readSeqnum(path)).toBe(42);
    await expect(writeSeqnum(path, -1)).rejects.toThrow(RangeError);
  });

  it('refuses anything but one decimal number', async () => {
    for (const text of ['', 'x', '-1', '1.5', '007', '1 2', '99999999999999999']) {
      expect(() => parseSeqnum(text)).toThrow(
        expect.objectContaining({ code: 'INTRODUCER_BAD_SEQNUM_FILE' }),
      );
    }
    expect(parseSeqnum(' 12\n')).toBe(12);
    const path = join(dir.path, 'big-seqnum');
    await writeFile(path, '1'.repeat(100));
    await expect(readSeqnum(path)).rejects.toMatchObject({ code: 'INTRODUCER_BAD_SEQNUM_FILE' });
  });
});

describe('the server cache file', () => {
  it('round-trips announcements and encodings, mode 0600', async () => {
    const a = await signedBy(await generateNodeKey());
    const b = await signedBy(await generateNodeKey(), { readOnly: true, addrs: [] });
    const path = join(dir.path, 'private', 'introducer-cache.json');
    await writeServerCache(path, {
      announcements: [a, b],
      encodings: new Map([['12D3KooWIntro', { sharesNeeded: 2, sharesTotal: 4 }]]),
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const back = await readServerCache(path);
    expect(back?.dropped).toBe(0);
    expect(back?.announcements).toEqual([a, b]);
    expect(back?.encodings.get('12D3KooWIntro')).toEqual({ sharesNeeded: 2, sharesTotal: 4 });
    expect(await readServerCache(join(dir.path, 'none.json'))).toBeUndefined();
  });

  it('drops malformed entries and refuses files that are not caches', async () => {
    const a = await signedBy(await generateNodeKey());
    const doc = JSON.parse(encodeServerCache({ announcements: [a], encodings: new Map() })) as {
      announcements: unknown[];
      encodings: Record<string, unknown>;
    };
    doc.announcements.push({ announcement: { peerId: 'x' }, signature: '!!' }, 3, null);
    doc.encodings.bad = { sharesNeeded: 0 };
    const parsed = parseServerCache(JSON.stringify(doc));
    expect(parsed.announcements).toEqual([a]);
    expect(parsed.dropped).toBe(4);
    for (const text of ['', '[]', '{"version":2}', '{"version":1,"announcements":{}}', 'null']) {
      expect(() => parseServerCache(text)).toThrow(
        expect.objectContaining({ code: 'INTRODUCER_BAD_CACHE' }),
      );
    }
  });
});
