/** Fixtures for the storage protocol tests: in-process storage nodes and clients on 127.0.0.1. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTesseraNode,
  generateNodeKey,
  rpcClient,
  storageClient,
  storageServiceDefinition,
  versionExchange,
} from '@tessera/protocol';
import type { StorageClient, TesseraNode, VersionInfo } from '@tessera/protocol';
import { startStorageNode } from '../src/index.ts';
import type { StorageNode, StorageNodeInit } from '../src/index.ts';

export function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

export interface UploadSecrets {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  uploadSecret: Uint8Array;
}

export function uploadSecrets(): UploadSecrets {
  return {
    storageIndex: bytes(16),
    renewSecret: bytes(32),
    cancelSecret: bytes(32),
    uploadSecret: bytes(32),
  };
}

/** An SDMF-like share: version 0, seqnum at 1, a root hash of `fill` at 9..41, then filler. */
export function sdmf(seqnum: number, fill: number, length = 100): Uint8Array {
  const out = new Uint8Array(length).fill(fill);
  out[0] = 0;
  new DataView(out.buffer).setBigUint64(1, BigInt(seqnum));
  return out;
}

export interface TestServer extends StorageNode {
  dir: string;
  /** Messages logged at `error` level (an internal failure). */
  errors: string[];
  cleanup(): Promise<void>;
}

export async function startServer(overrides: Partial<StorageNodeInit> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-service-'));
  const errors: string[] = [];
  const node = await startStorageNode({
    dir,
    privateKey: await generateNodeKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    announce: [],
    nickname: 'test',
    reservedSpace: 0,
    readOnly: false,
    logger: {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m) => errors.push(m),
    },
    ...overrides,
  });
  return Object.assign(node, {
    dir,
    errors,
    async cleanup() {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

export interface TestClient {
  node: TesseraNode;
  api: StorageClient;
  stop(): Promise<void>;
}

/** The version info `server` gives `client` in the version exchange (as a read-only 1.0 peer). */
export async function versionOf(client: TestClient, server: StorageNode): Promise<VersionInfo> {
  const versions = versionExchange(client.node, {
    local: {
      protocolVersion: '1.0',
      maxImmutableShareSize: 0,
      availableSpace: 0,
      readOnly: true,
      features: [],
      appVersion: 'test',
    },
  });
  return versions.exchange(server.node.getMultiaddrs());
}

export async function startClient(server: StorageNode): Promise<TestClient> {
  const node = await createTesseraNode({ privateKey: await generateNodeKey(), listen: [] });
  const api = storageClient(
    rpcClient(node, server.node.getMultiaddrs(), {
      service: storageServiceDefinition,
      timeoutMs: 15_000,
    }),
  );
  return {
    node,
    api,
    async stop() {
      await api.rpc.close();
      await node.stop();
    },
  };
}

export { codeOf } from './helpers.ts';

/** Every file under `dir` with the SHA-256 of its contents, for "nothing changed" checks. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(`${p}/`, 'dir');
        await walk(p);
      } else
        out.set(
          p,
          createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
        );
    }
  }
  await walk(dir);
  return out;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return concat(chunks);
}

/** Hex of bytes (Buffer or Uint8Array alike), for comparing small values. */
export function hex(data: Uint8Array | undefined): string {
  return data === undefined ? 'undefined' : Buffer.from(data).toString('hex');
}

/** SHA-256 of bytes, for comparing large values cheaply. */
export function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
