// Refusals a client must be able to tell apart: read-only, quota and reserved space, each with
// its own code on the client's side, and the version info that warns of them beforehand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_WIRE_ERROR_CODES,
  STORAGE_WIRE_ERROR_CODES,
  isStorageRemoteError,
  storageServiceDefinition,
} from '@tessera/protocol';
import {
  STORAGE_ERROR_CODES,
  STORAGE_WIRE_CODES,
  StorageError,
  storageErrorToWire,
} from '../src/index.ts';
import {
  bytes,
  codeOf,
  sdmf,
  startClient,
  startServer,
  uploadSecrets,
  versionOf,
} from './service-helpers.ts';
import type { TestClient, TestServer } from './service-helpers.ts';

function slotWrite(data: Uint8Array) {
  return {
    storageIndex: bytes(16),
    writeEnabler: bytes(32),
    renewSecret: bytes(32),
    cancelSecret: bytes(32),
    vectors: [{ shareNum: 0, test: [], write: [{ offset: 0, data }] }],
    readVector: [],
  };
}

describe('wire error codes', () => {
  it('maps every store error code to a code the client knows', () => {
    const known = new Set<string>([...STORAGE_WIRE_ERROR_CODES, ...PROTOCOL_WIRE_ERROR_CODES]);
    for (const code of STORAGE_ERROR_CODES) expect(known.has(STORAGE_WIRE_CODES[code])).toBe(true);
    for (const code of STORAGE_WIRE_ERROR_CODES) {
      expect(storageServiceDefinition.errorCodes.has(code)).toBe(true);
      expect(STORAGE_WIRE_CODES[code]).toBe(code); // the client sees the store's own code
    }
  });

  it('hides internal conditions and keeps client ones', () => {
    const internal = storageErrorToWire(new StorageError('STORAGE_CORRUPT_INDEX', 'secret path'));
    expect(internal).toMatchObject({ code: 'PROTOCOL_INTERNAL_ERROR' });
    expect(String(internal)).not.toContain('secret path');
    expect(storageErrorToWire(new StorageError('STORAGE_READ_ONLY', 'm'))).toMatchObject({
      code: 'STORAGE_READ_ONLY',
      message: 'm',
    });
  });

  it('reports a full disk as no space, not as an internal error', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
    });
    expect(storageErrorToWire(full)).toMatchObject({ code: 'STORAGE_NO_SPACE' });
  });
});

describe('refusals carry their codes to the client', () => {
  let readOnly: TestServer;
  let quota: TestServer;
  let full: TestServer;
  let clients: TestClient[];

  beforeAll(async () => {
    [readOnly, quota, full] = await Promise.all([
      startServer({ readOnly: true }),
      startServer({ quota: 1000 }),
      startServer({ reservedSpace: Number.MAX_SAFE_INTEGER }),
    ]);
    clients = await Promise.all([readOnly, quota, full].map(startClient));
  });

  afterAll(async () => {
    await Promise.all((clients ?? []).map((c) => c.stop()));
    await Promise.all([readOnly, quota, full].map((s) => s?.cleanup()));
  });

  it('read-only: STORAGE_READ_ONLY, and the version info says so', async () => {
    const { api } = clients[0];
    const err: unknown = await api
      .allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 10 })
      .catch((e: unknown) => e);
    expect(isStorageRemoteError(err, 'STORAGE_READ_ONLY')).toBe(true);
    expect(await codeOf(api.slotTestAndWrite(slotWrite(sdmf(1, 1))))).toBe('STORAGE_READ_ONLY');
    expect(
      await codeOf(
        api.addLease({ storageIndex: bytes(16), renewSecret: bytes(32), cancelSecret: bytes(32) }),
      ),
    ).toBe('STORAGE_READ_ONLY');
    // reads still work
    expect(await api.listShares(bytes(16))).toEqual([]);
    const info = await versionOf(clients[0], readOnly);
    expect(info).toMatchObject({ readOnly: true, availableSpace: 0, maxImmutableShareSize: 0 });
    expect((await api.stats()).readOnly).toBe(true);
  });

  it('quota: STORAGE_QUOTA_EXCEEDED past the client limit', async () => {
    const { api } = clients[1];
    expect(
      await codeOf(
        api.allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 1001 }),
      ),
    ).toBe('STORAGE_QUOTA_EXCEEDED');
    const s = uploadSecrets();
    expect(await api.allocateBuckets({ ...s, shareNums: [0], allocatedSize: 600 })).toEqual({
      alreadyHave: [],
      allocated: [0],
      resumed: [],
    });
    expect(
      await codeOf(api.allocateBuckets({ ...uploadSecrets(), shareNums: [0], allocatedSize: 600 })),
    ).toBe('STORAGE_QUOTA_EXCEEDED');
    expect(await codeOf(api.slotTestAndWrite(slotWrite(sdmf(1, 1, 500))))).toBe(
      'STORAGE_QUOTA_EXCEEDED',
    );
    const stats = await api.stats();
    expect(stats).toMatchObject({ clientUsed: 600, clientLimit: 1000 });
    // another client has its own quota
    const other = await startClient(quota);
    try {
      expect(
        (
          await other.api.allocateBuckets({
            ...uploadSecrets(),
            shareNums: [1],
            allocatedSize: 900,
          })
        ).allocated,
      ).toEqual([1]);
    } finally {
      await other.stop();
    }
  });

  it('reserved space: shares left out (Tahoe), STORAGE_NO_SPACE for slots, 0 advertised', async () => {
    const { api } = clients[2];
    expect(
      await api.allocateBuckets({ ...uploadSecrets(), shareNums: [0, 1], allocatedSize: 10 }),
    ).toEqual({
      alreadyHave: [],
      allocated: [],
      resumed: [],
    });
    expect(await codeOf(api.slotTestAndWrite(slotWrite(sdmf(1, 1))))).toBe('STORAGE_NO_SPACE');
    const info = await versionOf(clients[2], full);
    expect(info).toMatchObject({ readOnly: false, availableSpace: 0, maxImmutableShareSize: 0 });
  });
});
