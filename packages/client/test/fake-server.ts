/** An in-memory storage server for unit tests of the uploader and downloader. */
import { createHash } from 'node:crypto';
import { chkStorageIndex, parseCap, type ChkCap } from '@tessera/caps';
import { downloadImmutable, type BucketRef, type StorageServerHandle } from '../src/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface FakeServerOptions {
  /** Refuse allocations of shares this large or larger. */
  maxShareSize?: number;
  /** Every call fails while true. */
  offline?: boolean;
  /** Writes fail after this many succeed. */
  failAfterWrites?: number;
}

export class FakeServer implements StorageServerHandle {
  readonly id: string;
  readonly nickname: string;
  readonly permutationSeed: Uint8Array;
  readonly leaseSeed: Uint8Array;
  readonly maxShareSize: number;
  offline: boolean;
  failAfterWrites: number;
  writes = 0;
  bytesWritten = 0;
  /** The longest `write` request's data, bytes. */
  largestWrite = 0;
  /** `written-ranges` requests answered. */
  writtenRangesCalls = 0;
  /** `list-shares` (Tahoe's `get_buckets`) requests answered. */
  listSharesCalls = 0;
  /** `allocate-buckets` requests answered. */
  allocateCalls = 0;
  /** `abort` requests answered. */
  aborts = 0;
  /** Whether allocate replies list resumed uploads (servers of protocol 1.1 and later). */
  reportsResumed = true;
  /** Whether a write may close its upload (servers of protocol 1.2 and later). */
  closesOnWrite = true;
  /** `close` requests answered. */
  closes = 0;
  /** Writes that closed their upload. */
  closingWrites = 0;
  /** How long each write takes to land, ms, given whether it closes (default: at once). */
  writeDelay: ((closing: boolean) => number) | undefined;
  readonly shares = new Map<string, Uint8Array>();
  readonly incoming = new Map<
    string,
    { data: Uint8Array; secret: string; written: [number, number][] }
  >();
  readonly advisories: { shareNum: number; reason: string }[] = [];

  constructor(name: string, options: FakeServerOptions = {}) {
    this.id = name;
    this.nickname = name;
    this.permutationSeed = createHash('sha256').update(name).digest();
    this.leaseSeed = this.permutationSeed.subarray(0, 20);
    this.maxShareSize = options.maxShareSize ?? Number.POSITIVE_INFINITY;
    this.offline = options.offline ?? false;
    this.failAfterWrites = options.failAfterWrites ?? Number.POSITIVE_INFINITY;
  }

  private check(): void {
    if (this.offline) throw new Error(`${this.id} is offline`);
  }

  private key(si: Uint8Array, n: number): string {
    return `${hex(si)}/${n}`;
  }

  held(si: Uint8Array): number[] {
    return [...this.shares.keys()]
      .filter((k) => k.startsWith(hex(si)))
      .map((k) => Number(k.split('/')[1]));
  }

  /** Delay of `listShares` answers, to order servers by speed. */
  latencyMs = 0;

  async listShares(si: Uint8Array): Promise<number[]> {
    this.check();
    this.listSharesCalls++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    return this.held(si);
  }

  allocateBuckets(req: Parameters<StorageServerHandle['allocateBuckets']>[0]) {
    this.check();
    this.allocateCalls++;
    const alreadyHave = this.held(req.storageIndex);
    const allocated: number[] = [];
    const resumed: number[] = [];
    if (req.allocatedSize < this.maxShareSize) {
      for (const n of req.shareNums) {
        const k = this.key(req.storageIndex, n);
        if (this.shares.has(k)) continue;
        const inc = this.incoming.get(k);
        if (inc !== undefined && inc.secret !== hex(req.uploadSecret)) continue;
        if (inc === undefined) {
          this.incoming.set(k, {
            data: new Uint8Array(req.allocatedSize),
            secret: hex(req.uploadSecret),
            written: [],
          });
        } else resumed.push(n);
        allocated.push(n);
      }
    }
    return Promise.resolve({
      alreadyHave,
      allocated,
      ...(this.reportsResumed ? { resumed } : {}),
    });
  }

  private bucket(b: BucketRef) {
    const inc = this.incoming.get(this.key(b.storageIndex, b.shareNum));
    if (inc === undefined || inc.secret !== hex(b.uploadSecret)) throw new Error('no such bucket');
    return inc;
  }

  writtenRanges(b: BucketRef): Promise<[number, number][]> {
    this.check();
    this.writtenRangesCalls++;
    return Promise.resolve(this.bucket(b).written.map(([s, e]): [number, number] => [s, e]));
  }

  async write(
    b: BucketRef,
    offset: number,
    pieces: Uint8Array | readonly Uint8Array[],
    options?: { close?: boolean },
  ): Promise<boolean> {
    const delay = this.writeDelay?.(options?.close === true) ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    await this.#write(b, offset, pieces);
    if (options?.close !== true || !this.closesOnWrite) return false;
    await this.#close(b);
    this.closingWrites++;
    return true;
  }

  #write(b: BucketRef, offset: number, pieces: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.check();
    const data = pieces instanceof Uint8Array ? pieces : new Uint8Array(Buffer.concat(pieces));
    if (this.writes >= this.failAfterWrites) return Promise.reject(new Error(`${this.id} broke`));
    const inc = this.bucket(b);
    if (offset + data.length > inc.data.length) return Promise.reject(new Error('write past end'));
    inc.data.set(data, offset);
    inc.written.push([offset, offset + data.length]);
    this.writes++;
    this.bytesWritten += data.length;
    this.largestWrite = Math.max(this.largestWrite, data.length);
    return Promise.resolve();
  }

  close(b: BucketRef): Promise<void> {
    this.closes++;
    return this.#close(b);
  }

  #close(b: BucketRef): Promise<void> {
    this.check();
    const inc = this.bucket(b);
    const covered = inc.written.reduce((n, [s, e]) => n + (e - s), 0);
    if (covered < inc.data.length) return Promise.reject(new Error('incomplete share'));
    const k = this.key(b.storageIndex, b.shareNum);
    this.incoming.delete(k);
    this.shares.set(k, inc.data);
    return Promise.resolve();
  }

  abort(b: BucketRef): Promise<void> {
    this.aborts++;
    this.incoming.delete(this.key(b.storageIndex, b.shareNum));
    return Promise.resolve();
  }

  read(si: Uint8Array, n: number, offset: number, length: number): Promise<Uint8Array> {
    this.check();
    const data = this.shares.get(this.key(si, n));
    if (data === undefined) return Promise.reject(new Error('no such share'));
    return Promise.resolve(data.slice(offset, offset + length));
  }

  adviseCorruptShare(_si: Uint8Array, shareNum: number, reason: string): void {
    this.advisories.push({ shareNum, reason });
  }
}

/** `n` fake servers named `server-0`…. */
export function grid(n: number): FakeServer[] {
  return Array.from({ length: n }, (_, i) => new FakeServer(`server-${i}`));
}

/** The whole plaintext (or `range` of it) of the CHK file `cap`, read from `servers`. */
export async function download(
  cap: string,
  servers: FakeServer[],
  range?: { start: number; end: number },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of downloadImmutable(parseCap(cap) as ChkCap, { servers, range }))
    parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** The storage index of the CHK file `cap`. */
export function storageIndexOf(cap: string): Uint8Array {
  return chkStorageIndex((parseCap(cap) as ChkCap).key);
}
