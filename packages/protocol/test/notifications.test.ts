import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireError, rpcClient, rpcServer } from '../src/index.ts';
import type { Notification, RpcClient, RpcServer, TesseraNode } from '../src/index.ts';
import { startNode, testService } from './fixtures.ts';

type M = (typeof testService)['messages'];

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('server notifications to subscribed clients', () => {
  let server: TesseraNode;
  let client: TesseraNode;
  let rpc: RpcServer<M, { topic: string }>;
  let api: RpcClient<M, { topic: string }>;
  const topics: string[] = [];

  beforeAll(async () => {
    server = await startNode();
    client = await startNode(false);
    rpc = rpcServer(server, { service: testService, maxQueuedNotifications: 8 });
    rpc.onSubscribe((body, sub) => {
      if (body.topic === 'forbidden')
        throw new WireError('TEST_REFUSED', 'Cannot subscribe: forbidden topic');
      topics.push(body.topic);
      sub.notify('tick', { n: 0 }); // queued before the confirmation is even sent
    });
    await rpc.start();
    api = rpcClient(client, server.getMultiaddrs(), { service: testService });
  });

  afterAll(async () => {
    await client.stop();
    await server.stop();
  });

  it('pushes notifications in order until the client leaves', async () => {
    const sub = await api.subscribe({ topic: 'time' });
    expect(topics).toContain('time');
    expect(rpc.notifyAll('tick', { n: 1 })).toBe(1);
    rpc.notifyAll('tick', { n: 2 });
    const seen: Array<Notification<M>> = [];
    for await (const n of sub) {
      seen.push(n);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      { type: 'tick', body: { n: 0 } },
      { type: 'tick', body: { n: 1 } },
      { type: 'tick', body: { n: 2 } },
    ]);
    await until(() => rpc.subscriptions.size === 0);
  });

  it('refuses a subscription with the handler code', async () => {
    await expect(api.subscribe({ topic: 'forbidden' })).rejects.toMatchObject({
      code: 'TEST_REFUSED',
    });
  });

  it('refuses an invalid subscription body locally', async () => {
    await expect(api.subscribe({ topic: '' })).rejects.toMatchObject({
      code: 'PROTOCOL_INVALID_MESSAGE',
    });
  });

  it('drops a subscriber that does not read, and the client sees the stream end badly', async () => {
    const sub = await api.subscribe({ topic: 'flood' });
    await until(() => rpc.subscriptions.size === 1);
    const [serverSide] = [...rpc.subscriptions];
    if (serverSide === undefined) throw new Error('no subscription');
    const big = { n: 1 };
    // the stream takes frames until yamux's window and buffers are full; the queue caps at 8
    let accepted = 0;
    for (let i = 0; i < 200_000 && !serverSide.signal.aborted; i++)
      if (rpc.notifyAll('tick', big) > 0) accepted++;
    expect(accepted).toBeGreaterThan(0);
    await until(() => rpc.subscriptions.size === 0);
    await expect(
      (async () => {
        for await (const _ of sub) void _;
      })(),
    ).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
  });

  it('ends the iteration cleanly when the server stops, and close() is idempotent', async () => {
    const sub = await api.subscribe({ topic: 'bye' });
    const done = (async () => {
      const got: number[] = [];
      for await (const n of sub) got.push(n.body.n);
      return got;
    })();
    await until(() => rpc.subscriptions.size === 1);
    await rpc.stop();
    expect(await done).toEqual([0]);
    await sub.close();
    await sub.close();
  });
});
