import { afterAll, expect, it } from 'vitest';
import { createTesseraNode, generateNodeKey, type TesseraNode } from '../src/index.ts';

const nodes: TesseraNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

it('accepts a burst of new connections from one host (libp2p limits it to 5 a second by default)', async () => {
  const server = await createTesseraNode({
    privateKey: await generateNodeKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
  });
  nodes.push(server);
  const clients = await Promise.all(
    Array.from({ length: 12 }, async () =>
      createTesseraNode({ privateKey: await generateNodeKey(), listen: [] }),
    ),
  );
  nodes.push(...clients);
  const results = await Promise.allSettled(clients.map((c) => c.dial(server.getMultiaddrs()[0])));
  expect(results.map((r) => r.status)).toEqual(Array(12).fill('fulfilled'));
});
