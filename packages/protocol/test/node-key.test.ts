import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNodeKey, loadOrCreateNodeKey } from '../src/index.ts';

describe('node key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an ed25519 key with mode 0600 and loads the same key again', async () => {
    const path = join(dir, 'node.key');
    const key = await loadOrCreateNodeKey(path);
    expect(key.type).toBe('Ed25519');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path)).toEqual(Buffer.from(privateKeyToProtobuf(key)));
    const again = await loadOrCreateNodeKey(path);
    expect(again.equals(key)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('agrees on one key when many callers race to create it', async () => {
    const path = join(dir, 'raced.key');
    const keys = await Promise.all(
      Array.from({ length: 8 }, async () => loadOrCreateNodeKey(path)),
    );
    for (const k of keys) expect(k.publicKey.equals(keys[0]?.publicKey)).toBe(true);
  });

  it('refuses a corrupt file or a non-ed25519 key with PROTOCOL_INVALID_NODE_KEY', async () => {
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'not a key');
    await expect(loadOrCreateNodeKey(bad)).rejects.toMatchObject({
      code: 'PROTOCOL_INVALID_NODE_KEY',
      path: bad,
    });
    const secp = privateKeyToProtobuf(await generateKeyPair('secp256k1'));
    expect(() => decodeNodeKey(secp)).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_NODE_KEY' }),
    );
  });

  it('passes file system errors through', async () => {
    await expect(loadOrCreateNodeKey(join(dir, 'missing-dir', 'node.key'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
