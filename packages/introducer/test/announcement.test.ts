import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateNodeKey } from '@tessera/protocol';
import type { Announcement, SignedAnnouncement } from '@tessera/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ANNOUNCEMENT_TTL_MS,
  announcementSigningBytes,
  permutationSeedOf,
  sameSignedAnnouncement,
  signAnnouncement,
  verifyAnnouncement,
} from '../src/index.ts';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { BASE_FIELDS, signedBy } from './helpers.ts';

const NOW = BASE_FIELDS.issuedAt ?? 0;

function clone(s: SignedAnnouncement, change: Partial<Announcement> = {}): SignedAnnouncement {
  return {
    announcement: { ...s.announcement, ...change },
    signature: new Uint8Array(s.signature),
  };
}

describe('the signed announcement layout', () => {
  it('is the documented netstring concatenation (vector)', () => {
    const bytes = announcementSigningBytes({
      peerId: '12D3KooWExample',
      addrs: ['/ip4/10.0.0.1/tcp/1/p2p/12D3KooWExample', '/ip6/::1/tcp/2/p2p/12D3KooWExample'],
      nickname: 'héllo',
      version: 'tessera/0.1.0',
      availableSpace: 1234,
      readOnly: true,
      seqnum: 7,
      permutationSeed: new Uint8Array([0, 1, 0x2c, 0xff]),
      issuedAt: 1700000000000,
    });
    const expected = Buffer.concat([
      Buffer.from('34:tessera-introducer-announcement-v1,15:12D3KooWExample,4:'),
      Buffer.from([0, 1, 0x2c, 0xff]),
      Buffer.from(',1:7,13:1700000000000,6:héllo,13:tessera/0.1.0,4:1234,1:1,1:2,'),
      Buffer.from(
        '39:/ip4/10.0.0.1/tcp/1/p2p/12D3KooWExample,34:/ip6/::1/tcp/2/p2p/12D3KooWExample,',
      ),
    ]);
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('refuses numbers it cannot lay out', () => {
    expect(() =>
      announcementSigningBytes({
        peerId: 'x',
        addrs: [],
        nickname: '',
        version: '',
        availableSpace: -1,
        readOnly: false,
        seqnum: 0,
        permutationSeed: new Uint8Array(1),
        issuedAt: 0,
      }),
    ).toThrow(RangeError);
  });
});

describe('signing and verifying announcements', () => {
  let key: Ed25519PrivateKey;
  let other: Ed25519PrivateKey;
  let signed: SignedAnnouncement;

  beforeAll(async () => {
    key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(7));
    other = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(8));
    signed = await signedBy(key);
  });

  it('signs with the node key over the layout (checked with noble)', () => {
    const a = signed.announcement;
    const id = peerIdFromPrivateKey(key).toString();
    expect(a.peerId).toBe(id);
    expect(a.addrs).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${id}`]);
    expect(a.permutationSeed).toEqual(peerIdFromPrivateKey(key).toMultihash().bytes);
    expect(permutationSeedOf(id)).toEqual(a.permutationSeed);
    expect(a.readOnly).toBe(false);
    expect(ed25519.verify(signed.signature, announcementSigningBytes(a), key.publicKey.raw)).toBe(
      true,
    );
  });

  it('verifies a genuine announcement', async () => {
    await expect(verifyAnnouncement(signed, { now: NOW })).resolves.toEqual(signed.announcement);
    await expect(
      verifyAnnouncement(signed, { now: NOW, publisher: signed.announcement.peerId }),
    ).resolves.toBeDefined();
    expect(sameSignedAnnouncement(signed, clone(signed))).toBe(true);
  });

  it('rejects every changed field', async () => {
    const changes: Array<Partial<Announcement>> = [
      { nickname: 'mallory' },
      { version: 'tessera/9' },
      { availableSpace: 1 },
      { readOnly: true },
      { seqnum: 2 },
      { issuedAt: NOW + 1 },
      { addrs: [] },
    ];
    for (const change of changes) {
      const forged = clone(signed, change);
      expect(sameSignedAnnouncement(signed, forged)).toBe(false);
      await expect(verifyAnnouncement(forged, { now: NOW })).rejects.toMatchObject({
        code: 'INTRODUCER_BAD_SIGNATURE',
      });
    }
  });

  it('rejects a flipped signature bit and an all-zero signature', async () => {
    const flipped = clone(signed);
    flipped.signature[5] ^= 1;
    await expect(verifyAnnouncement(flipped, { now: NOW })).rejects.toMatchObject({
      code: 'INTRODUCER_BAD_SIGNATURE',
    });
    const zero = { ...clone(signed), signature: new Uint8Array(64) };
    await expect(verifyAnnouncement(zero, { now: NOW })).rejects.toMatchObject({
      code: 'INTRODUCER_BAD_SIGNATURE',
    });
  });

  it("rejects another key's signature over a peer id that is not its own", async () => {
    const byOther = await signedBy(other);
    const forged = { announcement: signed.announcement, signature: byOther.signature };
    await expect(verifyAnnouncement(forged, { now: NOW })).rejects.toMatchObject({
      code: 'INTRODUCER_BAD_SIGNATURE',
    });
    // the other key signing a layout that names our peer id
    const fakeSig = await other.sign(announcementSigningBytes(signed.announcement));
    await expect(
      verifyAnnouncement({ announcement: signed.announcement, signature: fakeSig }, { now: NOW }),
    ).rejects.toMatchObject({ code: 'INTRODUCER_BAD_SIGNATURE' });
  });

  it('rejects a publisher that is not the announced peer', async () => {
    const publisher = peerIdFromPrivateKey(other).toString();
    await expect(verifyAnnouncement(signed, { now: NOW, publisher })).rejects.toMatchObject({
      code: 'INTRODUCER_WRONG_PUBLISHER',
      publisher,
    });
  });

  it('rejects a permutation seed that is not the peer id', async () => {
    const seed = new Uint8Array(signed.announcement.permutationSeed);
    seed[seed.length - 1] ^= 1;
    await expect(
      verifyAnnouncement(clone(signed, { permutationSeed: seed }), { now: NOW }),
    ).rejects.toMatchObject({ code: 'INTRODUCER_INVALID_ANNOUNCEMENT' });
  });

  it('rejects peer ids that are not canonical ed25519 ids', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString();
    const cid = peerIdFromPrivateKey(key).toCID().toString();
    for (const peerId of ['notAPeerId', secp, cid]) {
      await expect(
        verifyAnnouncement(clone(signed, { peerId }), { now: NOW }),
      ).rejects.toMatchObject({ code: 'INTRODUCER_INVALID_ANNOUNCEMENT' });
    }
  });

  it("rejects addresses that are not this peer's canonical multiaddrs", async () => {
    const id = signed.announcement.peerId;
    const otherId = peerIdFromPrivateKey(other).toString();
    const bad = [
      ['/ip4/127.0.0.1/tcp/1'],
      [`/ip4/127.0.0.1/tcp/1/p2p/${otherId}`],
      [`/ip4/999.0.0.1/tcp/1/p2p/${id}`],
      [`/ip4/127.0.0.1/tcp/01/p2p/${id}`],
      [`/ip4/127.0.0.1/tcp/1/p2p/${id}`, `/ip4/127.0.0.1/tcp/1/p2p/${id}`],
    ];
    for (const addrs of bad) {
      await expect(
        verifyAnnouncement(clone(signed, { addrs }), { now: NOW }),
      ).rejects.toMatchObject({ code: 'INTRODUCER_INVALID_ANNOUNCEMENT' });
    }
  });

  it('refuses to sign an address of another peer', async () => {
    const otherId = peerIdFromPrivateKey(other).toString();
    await expect(signedBy(key, { addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${otherId}`] })).rejects.toThrow(
      RangeError,
    );
    await expect(signedBy(key, { addrs: ['not a multiaddr'] })).rejects.toThrow(RangeError);
  });

  it('expires announcements after the TTL and refuses ones from the future', async () => {
    const ttlMs = DEFAULT_ANNOUNCEMENT_TTL_MS;
    await expect(verifyAnnouncement(signed, { now: NOW + ttlMs - 1 })).resolves.toBeDefined();
    await expect(verifyAnnouncement(signed, { now: NOW + ttlMs })).rejects.toMatchObject({
      code: 'INTRODUCER_ANNOUNCEMENT_EXPIRED',
    });
    await expect(
      verifyAnnouncement(signed, { now: NOW + 10 * ttlMs, ttlMs: Number.POSITIVE_INFINITY }),
    ).resolves.toBeDefined();
    await expect(
      verifyAnnouncement(signed, { now: NOW - 2_000, maxClockSkewMs: 1_000 }),
    ).rejects.toMatchObject({ code: 'INTRODUCER_ANNOUNCEMENT_FROM_FUTURE' });
  });

  it('works with a key from generateNodeKey and the current time', async () => {
    const nodeKey = await generateNodeKey();
    const s = await signAnnouncement(nodeKey, { ...BASE_FIELDS, issuedAt: undefined });
    await expect(verifyAnnouncement(s)).resolves.toBeDefined();
  });
});
