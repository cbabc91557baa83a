// Hostile input over the wire: malformed, oversized and out-of-range messages sent on raw
// streams (bypassing the client's own validators). Each gets an error code, the server keeps
// serving, and not one byte under the storage directory changes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FrameReader,
  MAX_MESSAGE_BYTES_LIMIT,
  STORAGE_PROTOCOL,
  encodeMessage,
  frameBytes,
  readHeader,
  writeBytes,
} from '@tessera/protocol';
import type { Header } from '@tessera/protocol';
import type { Stream } from '@libp2p/interface';
import {
  bytes,
  collect,
  digest,
  pattern,
  sdmf,
  snapshot,
  startClient,
  startServer,
  uploadSecrets,
} from './service-helpers.ts';
import type { TestClient, TestServer, UploadSecrets } from './service-helpers.ts';

/** One raw session stream: send any bytes, read what comes back. */
class RawSession {
  readonly stream: Stream;
  readonly reader: FrameReader;
  #nextId = 1;

  constructor(stream: Stream) {
    this.stream = stream;
    this.reader = new FrameReader(stream);
  }

  static async open(client: TestClient, server: TestServer): Promise<RawSession> {
    return new RawSession(
      await client.node.dialProtocol(server.node.getMultiaddrs(), STORAGE_PROTOCOL),
    );
  }

  async send(bytes: Parameters<typeof writeBytes>[1]): Promise<void> {
    await writeBytes(this.stream, bytes);
  }

  /** Sends `value` as a request of `type` with no local checks; returns the answer's header. */
  async request(type: string, value: unknown): Promise<{ header: Header; body?: unknown }> {
    const id = this.#nextId++;
    await this.send(
      encodeMessage({ kind: 'request', id, type }, { value, maxBytes: MAX_MESSAGE_BYTES_LIMIT }),
    );
    return this.answer(id);
  }

  async answer(id: number): Promise<{ header: Header; body?: unknown }> {
    const header = await readHeader(this.reader, { signal: AbortSignal.timeout(10_000) });
    expect('id' in header ? header.id : undefined).toBe(id);
    if (header.kind !== 'reply') return { header };
    return { header, body: await this.reader.read(MAX_MESSAGE_BYTES_LIMIT) };
  }

  /** The code of the error answering a request of `type` with `value`. */
  async code(type: string, value: unknown): Promise<string> {
    const { header } = await this.request(type, value);
    return header.kind === 'error' ? header.code : `no error: ${header.kind}`;
  }

  /** Resolves once the server ended the stream; returns the error codes it sent first. */
  async ended(): Promise<string[]> {
    const codes: string[] = [];
    try {
      while (!(await this.reader.atEnd({ signal: AbortSignal.timeout(10_000) }))) {
        const header = await readHeader(this.reader);
        if (header.kind === 'error') codes.push(header.code);
      }
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'PROTOCOL_CONNECTION_LOST'))
        throw err;
    }
    return codes;
  }
}

let server: TestServer;
let owner: TestClient;
let attacker: TestClient;
let s: UploadSecrets;
const data = pattern(100_000, 5);
let before: Map<string, string>;

beforeAll(async () => {
  server = await startServer();
  owner = await startClient(server);
  attacker = await startClient(server);
  // A closed share, an upload in progress, and a mutable slot, all owned by `owner`.
  s = uploadSecrets();
  await owner.api.allocateBuckets({ ...s, shareNums: [0, 1], allocatedSize: data.length });
  await owner.api.writeShare({ ...s, shareNum: 0 }, data);
  await owner.api.close({ ...s, shareNum: 0 });
  await owner.api.write({ ...s, shareNum: 1, offset: 0, data: data.subarray(0, 1000) });
  await owner.api.slotTestAndWrite({
    storageIndex: s.storageIndex.map((b) => b ^ 0xff),
    writeEnabler: s.uploadSecret,
    renewSecret: s.renewSecret,
    cancelSecret: s.cancelSecret,
    vectors: [{ shareNum: 0, test: [], write: [{ offset: 0, data: sdmf(1, 1) }] }],
    readVector: [],
  });
  await new Promise((r) => setTimeout(r, 600)); // let the upload's progress reach the disk
  before = await snapshot(server.dir);
});

afterAll(async () => {
  await attacker?.stop();
  await owner?.stop();
  await server?.cleanup();
});

describe('hostile input', () => {
  it('refuses malformed bodies with PROTOCOL_INVALID_MESSAGE and keeps the session', async () => {
    const raw = await RawSession.open(attacker, server);
    const si = s.storageIndex;
    const bucket = { storageIndex: si, shareNum: 1, uploadSecret: s.uploadSecret };
    const cases: Array<[string, unknown]> = [
      ['allocate-buckets', { ...s, storageIndex: 'abc', shareNums: [0], allocatedSize: 1 }],
      ['allocate-buckets', { ...s, shareNums: [1, 1], allocatedSize: 1 }],
      ['allocate-buckets', { ...s, shareNums: [256], allocatedSize: 1 }],
      ['allocate-buckets', { ...s, shareNums: [0], allocatedSize: -1 }],
      ['allocate-buckets', { ...s, shareNums: [0], allocatedSize: 1.5 }],
      ['allocate-buckets', { ...s, renewSecret: bytes(31), shareNums: [0], allocatedSize: 1 }],
      ['allocate-buckets', [1, 2, 3]],
      ['allocate-buckets', null],
      ['write', { ...bucket, offset: Number.MAX_SAFE_INTEGER - 5, data: bytes(10) }],
      ['write', { ...bucket, offset: (1n << 64n) - 1n, data: bytes(10) }],
      ['write', { ...bucket, offset: -5, data: bytes(10) }],
      ['write', { ...bucket, offset: 0, data: 'not bytes' }],
      ['write', { ...bucket, shareNum: -1, offset: 0, data: bytes(1) }],
      ['read', { storageIndex: si, shareNum: 0, ranges: [{ offset: 0, length: 9 * 1024 * 1024 }] }],
      ['read', { storageIndex: si, shareNum: 0, ranges: Array(65).fill({ offset: 0, length: 1 }) }],
      ['read', { storageIndex: si, shareNum: 0, ranges: [{ offset: 2 ** 53 - 1, length: 2 }] }],
      ['slot-test-and-write', { storageIndex: si, vectors: [], readVector: [] }],
      [
        'slot-test-and-write',
        {
          storageIndex: si,
          writeEnabler: bytes(32),
          renewSecret: bytes(32),
          cancelSecret: bytes(32),
          vectors: [
            {
              shareNum: 0,
              test: [{ offset: 0, length: 1, op: 'lt', specimen: bytes(1) }],
              write: [],
            },
          ],
          readVector: [],
        },
      ],
      ['slot-read', { storageIndex: si, shareNums: [0, 0], ranges: [] }],
      ['cancel-lease', { storageIndex: si, cancelSecret: 42 }],
    ];
    for (const [type, value] of cases) {
      expect([type, await raw.code(type, value)]).toEqual([type, 'PROTOCOL_INVALID_MESSAGE']);
    }
    expect(await raw.code('format-disk', {})).toBe('PROTOCOL_UNKNOWN_MESSAGE_TYPE');
    // A body that is not one MessagePack value (an array missing its item) is refused alone.
    await raw.send(encodeMessage({ kind: 'request', id: 100, type: 'stats' }));
    await raw.send(frameBytes([Uint8Array.of(0x91)]));
    const broken = await raw.answer(100);
    expect(broken.header).toMatchObject({ kind: 'error', code: 'PROTOCOL_INVALID_MESSAGE' });
    // A body over the type's cap is skipped, refused, and the session goes on.
    expect(
      await raw.code('write', { ...bucket, offset: 0, data: new Uint8Array(5 * 1024 * 1024) }),
    ).toBe('PROTOCOL_FRAME_TOO_LARGE');
    const { header, body } = await raw.request('list-shares', { storageIndex: si });
    expect(header.kind).toBe('reply');
    expect(body).toEqual({ shareNums: [0] });
    await raw.stream.close();
  });

  it('refuses well-formed but wrong requests with storage codes', async () => {
    const raw = await RawSession.open(attacker, server);
    const si = s.storageIndex;
    const bucket = { storageIndex: si, shareNum: 1, uploadSecret: s.uploadSecret };
    const stranger = { ...bucket, uploadSecret: bytes(32) };
    expect(await raw.code('write', { ...bucket, offset: data.length - 5, data: bytes(10) })).toBe(
      'STORAGE_WRITE_PAST_END',
    );
    expect(await raw.code('write', { ...bucket, offset: 0, data: new Uint8Array(10) })).toBe(
      'STORAGE_CONFLICTING_WRITE',
    );
    for (const type of ['write', 'written-ranges', 'close', 'abort']) {
      expect(await raw.code(type, { ...stranger, offset: 2000, data: bytes(1) })).toBe(
        'STORAGE_BAD_UPLOAD_SECRET',
      );
    }
    expect(await raw.code('close', bucket)).toBe('STORAGE_INCOMPLETE_SHARE');
    expect(await raw.code('cancel-lease', { storageIndex: si, cancelSecret: bytes(32) })).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(await raw.code('renew-lease', { storageIndex: si, renewSecret: bytes(32) })).toBe(
      'STORAGE_NO_SUCH_LEASE',
    );
    expect(
      await raw.code('slot-test-and-write', {
        storageIndex: si.map((b) => b ^ 0xff),
        writeEnabler: bytes(32),
        renewSecret: bytes(32),
        cancelSecret: bytes(32),
        vectors: [{ shareNum: 0, test: [], write: [{ offset: 0, data: bytes(10) }] }],
        readVector: [],
      }),
    ).toBe('STORAGE_BAD_WRITE_ENABLER');
    // reading far past the end is short, not an error
    const far = await raw.request('read', {
      storageIndex: si,
      shareNum: 0,
      ranges: [{ offset: 2 ** 53 - 2, length: 1 }],
    });
    expect(far.body).toMatchObject({ data: [{ length: 0 }] });
    await raw.stream.close();
  });

  it('ends a session whose frames cannot be parsed, and only that session', async () => {
    // random bytes
    const garbage = await RawSession.open(attacker, server);
    await garbage.send(new Uint8Array(randomBytes(4096)));
    await garbage.ended();
    // a header frame announcing 100 MiB
    const huge = await RawSession.open(attacker, server);
    await huge.send(Uint8Array.of(0x80, 0x80, 0x80, 0x32));
    expect(await huge.ended()).toEqual(['PROTOCOL_FRAME_TOO_LARGE']);
    // a length prefix longer than 5 bytes
    const prefix = await RawSession.open(attacker, server);
    await prefix.send(new Uint8Array(8).fill(0x80));
    expect(await prefix.ended()).toEqual(['PROTOCOL_INVALID_MESSAGE']);
  });

  it('keeps serving other clients, logs no internal error, and changes nothing on disk', async () => {
    const other = await startClient(server);
    try {
      const read = await collect(
        other.api.readShare({ storageIndex: s.storageIndex, shareNum: 0 }),
      );
      expect(digest(read)).toBe(digest(data));
      expect(await owner.api.writtenRanges({ ...s, shareNum: 1 })).toMatchObject({
        written: [{ offset: 0, length: 1000 }],
      });
    } finally {
      await other.stop();
    }
    expect(server.errors).toEqual([]);
    expect(await snapshot(server.dir)).toEqual(before);
  });
});
