/** Shared fixtures for the share-store tests: temp dirs, secrets, a fake clock and statfs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShareStore, type ShareStore, type ShareStoreInit } from '../src/index.ts';

export function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

export interface Secrets {
  storageIndex: Uint8Array;
  renewSecret: Uint8Array;
  cancelSecret: Uint8Array;
  uploadSecret: Uint8Array;
}

export function secrets(): Secrets {
  return {
    storageIndex: bytes(16),
    renewSecret: bytes(32),
    cancelSecret: bytes(32),
    uploadSecret: bytes(20),
  };
}

/** A controllable clock (Unix ms) and free-space figure. */
export interface Fakes {
  nowMs: number;
  freeBytes: number;
}

export interface Harness {
  dir: string;
  fakes: Fakes;
  store: ShareStore;
  /** Stops the current store and starts a new one over the same directory. */
  restart(overrides?: Partial<ShareStoreInit>): Promise<ShareStore>;
  open(overrides?: Partial<ShareStoreInit>): ShareStore;
  cleanup(): Promise<void>;
}

export async function harness(overrides: Partial<ShareStoreInit> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-store-'));
  const fakes: Fakes = { nowMs: 1_700_000_000_000, freeBytes: 1e12 };
  const open = (more: Partial<ShareStoreInit> = {}) =>
    createShareStore({
      dir,
      sweepIntervalSeconds: 0,
      clock: () => fakes.nowMs,
      statfs: () => Promise.resolve({ bavail: fakes.freeBytes, bsize: 1 }),
      ...overrides,
      ...more,
    });
  const h: Harness = {
    dir,
    fakes,
    store: open(),
    open,
    async restart(more = {}) {
      await h.store.stop();
      h.store = open(more);
      await h.store.start();
      return h.store;
    },
    async cleanup() {
      await h.store.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await h.store.start();
  return h;
}

/** Allocates, writes in one go and closes one immutable share; returns its bucket ref. */
export async function putShare(
  store: ShareStore,
  s: Secrets,
  shareNum: number,
  data: Uint8Array,
  clientId?: string,
): Promise<void> {
  const { allocated } = await store.allocateBuckets({
    ...s,
    shareNums: [shareNum],
    allocatedSize: data.length,
    clientId,
  });
  if (!allocated.includes(shareNum)) throw new Error(`share ${shareNum} not allocated`);
  const bucket = { storageIndex: s.storageIndex, shareNum, uploadSecret: s.uploadSecret };
  await store.writeBucket(bucket, { offset: 0, data });
  await store.closeBucket(bucket);
}

/** Resolves to the rejection's `code`, or fails if the promise resolves. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error && 'code' in e && typeof e.code === 'string'
      ? e.code
      : `no code: ${String(e)}`;
  }
  throw new Error('expected a rejection');
}
