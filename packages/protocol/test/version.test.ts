import type { PeerId } from '@libp2p/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IncompatibleVersionError,
  PROTOCOL_VERSION,
  isCompatibleVersion,
  validateVersionInfo,
  versionExchange,
} from '../src/index.ts';
import type { TesseraNode, VersionExchange, VersionInfo } from '../src/index.ts';
import { startNode } from './fixtures.ts';

const serverInfo: VersionInfo = {
  protocolVersion: PROTOCOL_VERSION,
  maxImmutableShareSize: 2 ** 40,
  availableSpace: 123_456_789_012,
  readOnly: false,
  features: ['immutable', 'leases'],
  appVersion: 'tessera/0.1.0',
};

const clientInfo: VersionInfo = {
  ...serverInfo,
  maxImmutableShareSize: 0,
  availableSpace: 0,
  readOnly: true,
  features: [],
};

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('version exchange', () => {
  let server: TesseraNode;
  let client: TesseraNode;
  let future: TesseraNode;
  let serverVersions: VersionExchange;
  let clientVersions: VersionExchange;
  let futureVersions: VersionExchange;
  const incompatible: Array<{ peer: PeerId; err: IncompatibleVersionError }> = [];
  let space = serverInfo.availableSpace;

  beforeAll(async () => {
    [server, client, future] = await Promise.all([startNode(), startNode(false), startNode()]);
    serverVersions = versionExchange(server, {
      local: () => ({ ...serverInfo, availableSpace: space }),
      onIncompatible: (peer, err) => incompatible.push({ peer, err }),
    });
    clientVersions = versionExchange(client, {
      local: clientInfo,
      onConnect: true,
      onIncompatible: () => {},
    });
    futureVersions = versionExchange(future, {
      local: { ...serverInfo, protocolVersion: '2.3' },
      onIncompatible: () => {},
    });
    await Promise.all([serverVersions.start(), clientVersions.start(), futureVersions.start()]);
  });

  afterAll(async () => {
    await Promise.all([serverVersions.stop(), clientVersions.stop(), futureVersions.stop()]);
    await Promise.all([server.stop(), client.stop(), future.stop()]);
  });

  it('exchanges version info, both sides learn the other', async () => {
    const info = await clientVersions.exchange(server.getMultiaddrs());
    expect(info).toEqual(serverInfo);
    expect(serverVersions.remote(client.peerId)).toEqual(clientInfo);
    expect(clientVersions.remote(server.peerId)).toEqual(serverInfo);
  });

  it('runs once per connection unless refreshed', async () => {
    space = 42;
    expect((await clientVersions.exchange(server.peerId)).availableSpace).toBe(
      serverInfo.availableSpace,
    );
    expect((await clientVersions.exchange(server.peerId, { refresh: true })).availableSpace).toBe(
      42,
    );
  });

  it('gives a clear PROTOCOL_INCOMPATIBLE_VERSION error to both sides of a major mismatch', async () => {
    const err: unknown = await clientVersions
      .exchange(future.getMultiaddrs())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompatibleVersionError);
    expect(err).toMatchObject({
      code: 'PROTOCOL_INCOMPATIBLE_VERSION',
      local: PROTOCOL_VERSION,
      remote: '2.3',
    });
    expect(String(err)).toContain('"2.3"');

    const err2: unknown = await futureVersions
      .exchange(server.getMultiaddrs())
      .catch((e: unknown) => e);
    expect(err2).toMatchObject({
      code: 'PROTOCOL_INCOMPATIBLE_VERSION',
      local: '2.3',
      remote: PROTOCOL_VERSION,
    });
    expect(incompatible.map((i) => i.peer.toString())).toContain(future.peerId.toString());
  });

  it('exchanges on connect', async () => {
    const fresh = await startNode();
    const freshVersions = versionExchange(fresh, { local: serverInfo });
    await freshVersions.start();
    try {
      await client.dial(fresh.getMultiaddrs());
      await until(() => clientVersions.remote(fresh.peerId) !== undefined);
      expect(clientVersions.remote(fresh.peerId)).toEqual(serverInfo);
    } finally {
      await freshVersions.stop();
      await fresh.stop();
    }
  });

  it('validates version info and compares majors', () => {
    expect(() => validateVersionInfo({ ...serverInfo, protocolVersion: '1' })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_MESSAGE' }),
    );
    expect(() => validateVersionInfo({ ...serverInfo, availableSpace: -1 })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_MESSAGE' }),
    );
    expect(() => validateVersionInfo({ ...serverInfo, features: ['Bad Feature'] })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_MESSAGE' }),
    );
    expect(validateVersionInfo({ ...serverInfo, extra: 'ignored' })).toEqual(serverInfo);
    expect(isCompatibleVersion('1.0', '1.9')).toBe(true);
    expect(isCompatibleVersion('1.0', '2.0')).toBe(false);
  });
});
