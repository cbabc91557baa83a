// The server facing a misbehaving peer that writes raw frames.
import type { Stream } from '@libp2p/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FrameReader,
  encodeValue,
  frameBytes,
  readHeader,
  rpcClient,
  rpcServer,
  validateHeader,
} from '../src/index.ts';
import type { Header, RpcServer, TesseraNode } from '../src/index.ts';
import { startNode, testService } from './fixtures.ts';

type M = (typeof testService)['messages'];

describe('RPC server on the wire', () => {
  let server: TesseraNode;
  let client: TesseraNode;
  let rpc: RpcServer<M, { topic: string }>;

  beforeAll(async () => {
    server = await startNode();
    client = await startNode(false);
    rpc = rpcServer(server, { service: testService, readTimeoutMs: 300 });
    rpc.handle('echo', (body) => body);
    await rpc.start();
  });

  afterAll(async () => {
    await rpc.stop();
    await client.stop();
    await server.stop();
  });

  async function exchange(bytes: Uint8Array, closeWrite = true): Promise<Header> {
    const stream: Stream = await client.dialProtocol(server.getMultiaddrs(), testService.protocol);
    const reader = new FrameReader(stream);
    stream.send(bytes);
    if (closeWrite) await stream.close();
    try {
      return await readHeader(reader);
    } finally {
      reader.release();
      stream.abort(new Error('done'));
    }
  }

  it('answers a well-formed raw request', async () => {
    const header = await exchange(
      frameBytes([
        encodeValue({ kind: 'request', id: 7, type: 'echo' }),
        encodeValue({ text: 'raw' }),
      ]),
    );
    expect(header).toEqual({ kind: 'reply', id: 7 });
  });

  it('refuses an oversized body with PROTOCOL_FRAME_TOO_LARGE', async () => {
    const body = encodeValue({ text: 'o'.repeat(1100) }); // echo's cap is 1024
    const header = await exchange(
      frameBytes([encodeValue({ kind: 'request', id: 8, type: 'echo' }), body]),
    );
    expect(header).toMatchObject({ kind: 'error', id: 8, code: 'PROTOCOL_FRAME_TOO_LARGE' });
  });

  it('refuses an oversized header with PROTOCOL_FRAME_TOO_LARGE', async () => {
    const header = await exchange(
      frameBytes([encodeValue({ kind: 'request', id: 9, type: 'echo', pad: 'p'.repeat(3000) })]),
    );
    expect(header).toMatchObject({ kind: 'error', code: 'PROTOCOL_FRAME_TOO_LARGE' });
  });

  it('refuses an unknown type with PROTOCOL_UNKNOWN_MESSAGE_TYPE', async () => {
    const header = await exchange(
      frameBytes([encodeValue({ kind: 'request', id: 10, type: 'nope' }), encodeValue(null)]),
    );
    expect(header).toMatchObject({ kind: 'error', id: 10, code: 'PROTOCOL_UNKNOWN_MESSAGE_TYPE' });
  });

  it('refuses a type without a handler and a kind mismatch with PROTOCOL_UNKNOWN_MESSAGE_TYPE', async () => {
    for (const [kind, type] of [
      ['request', 'fail'],
      ['request', 'note'],
      ['request', 'tick'],
    ]) {
      const header = await exchange(
        frameBytes([encodeValue({ kind, id: 11, type }), encodeValue({ text: '' })]),
      );
      expect(header).toMatchObject({ kind: 'error', code: 'PROTOCOL_UNKNOWN_MESSAGE_TYPE' });
    }
  });

  it('refuses a body that fails its validator with PROTOCOL_INVALID_MESSAGE', async () => {
    const header = await exchange(
      frameBytes([
        encodeValue({ kind: 'request', id: 12, type: 'echo' }),
        encodeValue({ text: 5 }),
      ]),
    );
    expect(header).toMatchObject({ kind: 'error', id: 12, code: 'PROTOCOL_INVALID_MESSAGE' });
  });

  it('refuses garbage and bad headers with PROTOCOL_INVALID_MESSAGE', async () => {
    for (const bytes of [
      new Uint8Array([0x03, 0xc1, 0xc1, 0xc1]),
      frameBytes([encodeValue('hello')]),
      frameBytes([encodeValue({ kind: 'reply', id: 1 })]),
      frameBytes([encodeValue({ kind: 'request', id: -1, type: 'echo' })]),
    ]) {
      expect(await exchange(bytes)).toMatchObject({
        kind: 'error',
        code: 'PROTOCOL_INVALID_MESSAGE',
      });
    }
  });

  it('gives up on a peer that sends half a request with PROTOCOL_READ_TIMEOUT', async () => {
    const partial = frameBytes([encodeValue({ kind: 'request', id: 13, type: 'echo' })]);
    const header = await exchange(partial, false);
    expect(header).toMatchObject({ kind: 'error', code: 'PROTOCOL_READ_TIMEOUT' });
  });

  it('refuses single messages and keeps the session going', async () => {
    const stream: Stream = await client.dialProtocol(server.getMultiaddrs(), testService.protocol);
    const reader = new FrameReader(stream);
    stream.send(
      frameBytes([
        encodeValue({ kind: 'request', id: 1, type: 'echo' }),
        encodeValue({ text: 'o'.repeat(5000) }), // over echo's cap: skipped, not buffered
        encodeValue({ kind: 'request', id: 2, type: 'not-a-type' }),
        encodeValue([1, 2, 3]), // the body of an unknown type: skipped
        encodeValue({ kind: 'request', id: 3, type: 'echo' }),
        encodeValue({ text: 3 }),
        encodeValue({ kind: 'cancel', id: 99 }),
        encodeValue({ kind: 'request', id: 5, type: 'echo' }),
        new Uint8Array([0xc1]), // a body frame that is not MessagePack
        encodeValue({ kind: 'request', id: 4, type: 'echo' }),
        encodeValue({ text: 'fine' }),
      ]),
    );
    await stream.close();
    const got: Header[] = [];
    for (let i = 0; i < 5; i++) {
      const header = await readHeader(reader);
      got.push(header);
      if (header.kind === 'reply') expect(await reader.read(1024)).toEqual({ text: 'fine' });
    }
    expect(got).toMatchObject([
      { kind: 'error', id: 1, code: 'PROTOCOL_FRAME_TOO_LARGE' },
      { kind: 'error', id: 2, code: 'PROTOCOL_UNKNOWN_MESSAGE_TYPE' },
      { kind: 'error', id: 3, code: 'PROTOCOL_INVALID_MESSAGE' },
      { kind: 'error', id: 5, code: 'PROTOCOL_INVALID_MESSAGE' },
      { kind: 'reply', id: 4 },
    ]);
    expect(await reader.atEnd()).toBe(true);
    reader.release();
  });

  it('keeps serving after all of that', async () => {
    const api = rpcClient(client, server.getMultiaddrs(), { service: testService });
    expect(await api.request('echo', { text: 'ok' })).toEqual({ text: 'ok' });
    expect(validateHeader({ kind: 'reply', id: 1 })).toEqual({ kind: 'reply', id: 1 });
  });

  it('maps an unknown remote code to PROTOCOL_UNKNOWN_REMOTE_ERROR', async () => {
    const other = await startNode();
    try {
      await other.handle(testService.protocol, async (stream) => {
        const reader = new FrameReader(stream);
        const header = await readHeader(reader);
        const id = 'id' in header ? header.id : 0;
        stream.send(
          frameBytes([
            encodeValue({ kind: 'error', id, code: 'OTHER_THING', message: 'Cannot: x' }),
          ]),
        );
        await stream.close();
      });
      const api = rpcClient(client, other.getMultiaddrs(), { service: testService });
      await expect(api.request('echo', { text: '' })).rejects.toMatchObject({
        code: 'PROTOCOL_UNKNOWN_REMOTE_ERROR',
        remoteCode: 'OTHER_THING',
      });
    } finally {
      await other.stop();
    }
  });

  it('reports a peer without the protocol as PROTOCOL_CONNECTION_LOST', async () => {
    const other = await startNode();
    try {
      const api = rpcClient(client, other.getMultiaddrs(), { service: testService });
      await expect(api.request('echo', { text: '' })).rejects.toMatchObject({
        code: 'PROTOCOL_CONNECTION_LOST',
      });
    } finally {
      await other.stop();
    }
  });

  it('reports an unreachable address as PROTOCOL_DIAL_FAILED', async () => {
    const gone = await startNode();
    const addrs = gone.getMultiaddrs();
    await gone.stop();
    const api = rpcClient(client, addrs, { service: testService });
    await expect(api.request('echo', { text: '' })).rejects.toMatchObject({
      code: 'PROTOCOL_DIAL_FAILED',
    });
  });
});
