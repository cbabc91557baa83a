import { once } from 'node:events';
import net from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireError, rpcClient, rpcServer } from '../src/index.ts';
import type { RpcClient, RpcServer, TesseraNode } from '../src/index.ts';
import { startNode, testService } from './fixtures.ts';

type M = (typeof testService)['messages'];

/** A TCP peer that accepts and never speaks: a dial to it (and so a session) hangs. */
async function silentPeer(): Promise<{ addr: ReturnType<typeof multiaddr>; close(): void }> {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as net.AddressInfo;
  return {
    addr: multiaddr(`/ip4/127.0.0.1/tcp/${port}`),
    close() {
      sockets.forEach((s) => s.destroy());
      silent.close();
    },
  };
}

describe('RPC over libp2p streams', () => {
  let server: TesseraNode;
  let client: TesseraNode;
  let rpc: RpcServer<M, { topic: string }>;
  let api: RpcClient<M, { topic: string }>;
  const notes: string[] = [];
  const slowAborted: string[] = [];

  beforeAll(async () => {
    server = await startNode();
    client = await startNode(false);
    rpc = rpcServer(server, { service: testService, handlerTimeoutMs: 300 });
    rpc.handle('echo', (body) => ({ text: body.text }));
    rpc.handle('big', (body) => ({ text: body.text.toUpperCase() }));
    rpc.handle('fail', (body) => {
      if (body.text === 'refuse') throw new WireError('TEST_REFUSED', 'Cannot do it: refused');
      if (body.text === 'unknown') throw new WireError('TEST_SECRET', 'secret code');
      throw new Error('boom: internal detail');
    });
    rpc.handle('slow', async (_body, ctx) => {
      ctx.signal.addEventListener('abort', () => slowAborted.push(ctx.type), { once: true });
      await new Promise((resolve) => setTimeout(resolve, 2_000).unref());
      return { text: ctx.type };
    });
    rpc.handle('note', (body) => {
      notes.push(body.text);
    });
    await rpc.start();
    api = rpcClient(client, server.getMultiaddrs(), { service: testService, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await rpc.stop();
    await client.stop();
    await server.stop();
  });

  it('answers a request with its reply', async () => {
    expect(await api.request('echo', { text: 'hello' })).toEqual({ text: 'hello' });
  });

  it('runs many requests at once on one connection, more than its concurrency limit', async () => {
    const replies = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => api.request('echo', { text: `n${i}` })),
    );
    expect(replies.map((r) => r.text)).toEqual(Array.from({ length: 300 }, (_, i) => `n${i}`));
    expect(client.getConnections().length).toBe(1);
  });

  it('reopens its session after the connection is lost', async () => {
    await api.request('echo', { text: 'before' });
    await client.hangUp(server.peerId);
    expect(await api.request('echo', { text: 'after' })).toEqual({ text: 'after' });
  });

  it('connects ahead of the first request, once, and requests then use that session', async () => {
    const other = await startNode(false);
    try {
      const early = rpcClient(other, server.getMultiaddrs(), { service: testService });
      expect(other.getConnections().length).toBe(0);
      await Promise.all([early.connect(), early.connect()]);
      expect(other.getConnections().length).toBe(1);
      const streams = other.getConnections()[0].streams.length;
      await early.connect(); // open already: nothing new
      expect(await early.request('echo', { text: 'warm' })).toEqual({ text: 'warm' });
      expect(other.getConnections()[0].streams.length).toBe(streams);
      await early.close();
    } finally {
      await other.stop();
    }
  });

  it('fails connect with PROTOCOL_REQUEST_TIMEOUT when the peer never answers', async () => {
    const peer = await silentPeer();
    const stuck = rpcClient(client, [peer.addr], { service: testService });
    try {
      await expect(stuck.connect({ timeoutMs: 200 })).rejects.toMatchObject({
        code: 'PROTOCOL_REQUEST_TIMEOUT',
      });
    } finally {
      peer.close();
    }
  });

  it('carries bodies larger than one yamux window', async () => {
    const text = 'x'.repeat(5_000_000);
    expect((await api.request('big', { text })).text).toBe('X'.repeat(5_000_000));
  });

  it('delivers one-way messages', async () => {
    await api.send('note', { text: 'noted' });
    for (let i = 0; i < 100 && !notes.includes('noted'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(notes).toContain('noted');
  });

  it('sends a declared code from a handler', async () => {
    await expect(api.request('fail', { text: 'refuse' })).rejects.toMatchObject({
      code: 'TEST_REFUSED',
      message: 'Cannot do it: refused',
    });
  });

  it('hides undeclared errors behind PROTOCOL_INTERNAL_ERROR and keeps serving', async () => {
    const err: unknown = await api.request('fail', { text: 'crash' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROTOCOL_INTERNAL_ERROR' });
    expect(String(err)).not.toContain('internal detail');
    await expect(api.request('fail', { text: 'unknown' })).rejects.toMatchObject({
      code: 'PROTOCOL_INTERNAL_ERROR',
    });
    expect(await api.request('echo', { text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('times out a slow handler on the server with PROTOCOL_HANDLER_TIMEOUT', async () => {
    await expect(api.request('slow', { text: '' })).rejects.toMatchObject({
      code: 'PROTOCOL_HANDLER_TIMEOUT',
    });
  });

  it('times out on the client with PROTOCOL_REQUEST_TIMEOUT and cancels the handler', async () => {
    slowAborted.length = 0;
    await expect(api.request('slow', { text: '' }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'PROTOCOL_REQUEST_TIMEOUT',
    });
    for (let i = 0; i < 100 && slowAborted.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(slowAborted).toEqual(['slow']);
    expect(await api.request('echo', { text: 'next' })).toEqual({ text: 'next' });
  });

  it('lets each request waiting for the session give up at its own deadline', async () => {
    const peer = await silentPeer();
    const stuck = rpcClient(client, [peer.addr], { service: testService });
    try {
      const first = stuck
        .request('echo', { text: 'a' }, { timeoutMs: 3_000 })
        .catch((e: unknown) => e);
      const t0 = Date.now();
      await expect(stuck.request('echo', { text: 'b' }, { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'PROTOCOL_REQUEST_TIMEOUT',
      });
      expect(Date.now() - t0).toBeLessThan(1_500); // not the first request's 3 s
      expect(await first).toMatchObject({ code: 'PROTOCOL_REQUEST_TIMEOUT' });
    } finally {
      peer.close();
    }
  });

  it('aborts with PROTOCOL_ABORTED', async () => {
    const controller = new AbortController();
    const pending = api.request('slow', { text: '' }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'PROTOCOL_ABORTED' });
  });

  it('refuses an outgoing body over its cap before sending', async () => {
    await expect(api.request('echo', { text: 'y'.repeat(2000) })).rejects.toMatchObject({
      code: 'PROTOCOL_FRAME_TOO_LARGE',
    });
  });

  it('answers requests in flight with PROTOCOL_SHUTTING_DOWN when the server stops', async () => {
    const pending = api.request('slow', { text: '' });
    await new Promise((r) => setTimeout(r, 50)); // the handler is running
    await rpc.stop();
    await expect(pending).rejects.toMatchObject({ code: 'PROTOCOL_SHUTTING_DOWN' });
    await rpc.start();
    expect(await api.request('echo', { text: 'back' })).toEqual({ text: 'back' });
  });
});
