// coalescedNoise: the library's Noise over an in-memory connection pair, with the transport's
// `send` recorded, so the test sees exactly what would reach the socket.
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { MessageStream, Upgrader } from '@libp2p/interface';
import { defaultLogger } from '@libp2p/logger';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddrConnectionPair } from '@libp2p/utils';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { coalesceNoiseWrites, coalescedNoise, nodeNoiseCrypto } from '../src/index.ts';

async function components() {
  const privateKey = await generateKeyPair('Ed25519');
  return {
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey),
    logger: defaultLogger(),
    upgrader: { getStreamMuxers: () => new Map() } as unknown as Upgrader,
  };
}

/** Records what the encrypted stream hands to the transport. */
function recordSends(conn: MessageStream): unknown[] {
  const sent: unknown[] = [];
  const send = conn.send.bind(conn);
  conn.send = (data) => {
    sent.push(data);
    return send(data);
  };
  return sent;
}

function received(conn: MessageStream): Uint8ArrayList {
  const got = new Uint8ArrayList();
  conn.addEventListener('message', (e) => got.append(e.data));
  return got;
}

describe('coalescedNoise', () => {
  it('hands each batch of Noise messages to the transport as one buffer; bytes arrive intact', async () => {
    const [outbound, inbound] = multiaddrConnectionPair();
    const [a, b] = await Promise.all([components(), components()]);
    const options = { skipStreamMuxerNegotiation: true };
    const [client, server] = await Promise.all([
      coalescedNoise({ crypto: nodeNoiseCrypto })(a).secureOutbound(outbound, options),
      coalescedNoise({ crypto: nodeNoiseCrypto })(b).secureInbound(inbound, options),
    ]);
    expect(server.remotePeer.equals(a.peerId)).toBe(true);
    const sent = recordSends(outbound);
    const got = received(server.connection);
    // 300 000 bytes: five Noise messages, each a length prefix, ciphertext and tag.
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    client.connection.send(data);
    await expect.poll(() => got.byteLength).toBe(data.length);
    expect(got.subarray()).toEqual(data);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(Uint8Array);
    expect((sent[0] as Uint8Array).length).toBe(data.length + 5 * (2 + 16));
    await Promise.all([client.connection.close(), server.connection.close()]);
  });

  it('leaves a stream of another shape alone', () => {
    expect(coalesceNoiseWrites({} as MessageStream)).toBe(false);
  });
});
