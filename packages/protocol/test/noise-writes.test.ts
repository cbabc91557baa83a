// corkTcpWrites over a real loopback socket pair, and corkedNoise between two real nodes.
import { once } from 'node:events';
import net from 'node:net';
import type { MessageStream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { Uint8ArrayList } from 'uint8arraylist';
import { afterEach, describe, expect, it } from 'vitest';
import {
  corkTcpWrites,
  createTesseraNode,
  generateNodeKey,
  type TesseraNode,
} from '../src/index.ts';

/** A connected client/server socket pair on 127.0.0.1. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close(): void }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [server] = (await accepted) as [net.Socket];
  return {
    client,
    server,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

/** `@libp2p/tcp`'s connection as far as the patch is concerned: a socket and its send loop. */
function tcpLike(socket: net.Socket) {
  return {
    socket,
    sendData(data: Uint8ArrayList) {
      let canSendMore = true;
      for (const buf of data) canSendMore = socket.write(buf);
      return { sentBytes: data.byteLength, canSendMore };
    },
  };
}

describe('corkTcpWrites', () => {
  it('writes a batch of parts with one writev, bytes in order', async () => {
    const pair = await socketPair();
    const { client, server } = pair;
    try {
      const conn = tcpLike(client);
      expect(corkTcpWrites(conn as unknown as MessageStream)).toBe(true);
      let writev = 0;
      let write = 0;
      const sock = client as unknown as { _writev: unknown; _write: unknown };
      const [origWritev, origWrite] = [sock._writev, sock._write] as [
        (...a: unknown[]) => unknown,
        (...a: unknown[]) => unknown,
      ];
      sock._writev = function (...a: unknown[]) {
        writev++;
        return origWritev.apply(this, a);
      };
      sock._write = function (...a: unknown[]) {
        write++;
        return origWrite.apply(this, a);
      };
      // A Noise-shaped batch: length, ciphertext, tag, twice.
      const parts = [2, 65_535, 16, 2, 40_000, 16].map((n, i) =>
        Uint8Array.from({ length: n }, (_, j) => (i * 31 + j) & 0xff),
      );
      const total = parts.reduce((a, p) => a + p.length, 0);
      const got: Buffer[] = [];
      let n = 0;
      const all = new Promise<void>((resolve) =>
        server.on('data', (d: Buffer) => {
          got.push(d);
          if ((n += d.length) === total) resolve();
        }),
      );
      const result = conn.sendData(new Uint8ArrayList(...parts));
      expect(result.sentBytes).toBe(total);
      await all;
      expect(Buffer.compare(Buffer.concat(got), Buffer.concat(parts))).toBe(0);
      expect(writev).toBe(1);
      expect(write).toBe(0);
    } finally {
      pair.close();
    }
  });

  it('leaves a stream of another shape alone', () => {
    expect(corkTcpWrites({} as MessageStream)).toBe(false);
  });
});

describe('corkedNoise between nodes', () => {
  const nodes: TesseraNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async (n) => n.stop()));
  });

  it('carries a stream of 3 MiB intact both ways', async () => {
    const [a, b] = await Promise.all([
      createTesseraNode({ privateKey: await generateNodeKey(), listen: ['/ip4/127.0.0.1/tcp/0'] }),
      createTesseraNode({ privateKey: await generateNodeKey() }),
    ]);
    nodes.push(a, b);
    await a.handle('/tessera-test/echo/1', (stream) => {
      stream.addEventListener('message', (e) => stream.send(e.data));
      stream.addEventListener('remoteCloseWrite', () => void stream.close());
    });
    const stream = await b.dialProtocol(
      multiaddr(a.getMultiaddrs()[0].toString()),
      '/tessera-test/echo/1',
    );
    const data = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 13 + 7) & 0xff);
    const got: Uint8Array[] = [];
    let received = 0;
    const done = new Promise<void>((resolve) =>
      stream.addEventListener('message', (e) => {
        got.push(e.data.subarray());
        if ((received += e.data.byteLength) === data.length) resolve();
      }),
    );
    for (let at = 0; at < data.length; at += 256 * 1024) {
      if (!stream.send(data.subarray(at, at + 256 * 1024))) await once(stream, 'drain');
    }
    await done;
    // Buffer.compare: toEqual walks 3 MiB element by element for seconds.
    expect(Buffer.compare(Buffer.concat(got), data)).toBe(0);
    await stream.close();
  });
});
