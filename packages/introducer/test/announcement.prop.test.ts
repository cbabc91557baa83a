import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import {
  InvalidMessageError,
  decodeValue,
  encodeValue,
  validateAnnouncementsNotification,
  validateIntroducerSubscribe,
  validatePublishReply,
  validateRecommendedEncoding,
  validateSignedAnnouncement,
} from '@tessera/protocol';
import type { Announcement, SignedAnnouncement } from '@tessera/protocol';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IntroducerError,
  InvalidSeqnumFileError,
  InvalidServerCacheError,
  announcementSigningBytes,
  encodeServerCache,
  parseSeqnum,
  parseServerCache,
  signAnnouncement,
  verifyAnnouncement,
} from '../src/index.ts';
import { decodedLike as decodedLikeValues } from '../../protocol/test/arbitraries.ts';

/** Values as MessagePack decoding can produce them, with the keys the validators look for. */
const decodedLike = decodedLikeValues(
  [
    'announcement',
    'announcements',
    'signature',
    'peerId',
    'addrs',
    'nickname',
    'version',
    'availableSpace',
    'readOnly',
    'seqnum',
    'permutationSeed',
    'issuedAt',
    'status',
    'sharesNeeded',
    'sharesHappy',
    'sharesTotal',
    '__proto__',
  ],
  { maxBytes: 80, maxArray: 4, maxKeys: 8 },
);

/** Throws the error unless `ok(err)`; passes when `run` returns. */
function onlyItsOwnErrors(run: () => unknown, ok: (err: unknown) => boolean): void {
  try {
    run();
  } catch (err) {
    if (!ok(err)) throw err;
  }
}

const isInvalidMessage = (err: unknown): boolean => err instanceof InvalidMessageError;

describe('introducer message validators on random input', () => {
  it('throw only InvalidMessageError', () => {
    const validators = [
      validateSignedAnnouncement,
      validateAnnouncementsNotification,
      validatePublishReply,
      validateRecommendedEncoding,
      validateIntroducerSubscribe,
    ];
    fc.assert(
      fc.property(decodedLike, (value) => {
        for (const v of validators) onlyItsOwnErrors(() => v(value), isInvalidMessage);
      }),
      { numRuns: 500 },
    );
  });

  it('throw only InvalidMessageError on random MessagePack bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyItsOwnErrors(() => validateSignedAnnouncement(decodeValue(bytes)), isInvalidMessage);
      }),
      { numRuns: 500 },
    );
  });
});

const text = (maxLength: number) => fc.string({ maxLength, unit: 'grapheme' });

/** Announcements of the right shape with arbitrary contents. */
const shapedAnnouncement: fc.Arbitrary<Announcement> = fc.record({
  peerId: fc.oneof(
    fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{1,60}$/),
    fc.constant('12D3KooWGKTupaaKZRb6wxDdHnBNQMKoQPVnyD2ZgkymHPusYiwK'),
  ),
  addrs: fc.array(
    fc.oneof(
      fc.constant('/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGKTupaaKZRb6wxDdHnBNQMKoQPVnyD2ZgkymHPusYiwK'),
      fc.string({ maxLength: 40 }).map((s) => `/${s}`),
    ),
    { maxLength: 4 },
  ),
  nickname: text(20),
  version: text(20),
  availableSpace: fc.nat(),
  readOnly: fc.boolean(),
  seqnum: fc.nat(),
  permutationSeed: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  issuedAt: fc.nat(),
});

describe('verifyAnnouncement on random announcements', () => {
  it('throws only its own errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapedAnnouncement,
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        async (a, signature) => {
          try {
            await verifyAnnouncement({ announcement: a, signature }, { now: 0 });
            throw new Error('a random announcement verified');
          } catch (err) {
            if (!(err instanceof IntroducerError)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('genuine announcements', () => {
  let key: Ed25519PrivateKey;
  let genuine: SignedAnnouncement;

  beforeAll(async () => {
    key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(1));
    genuine = await signAnnouncement(key, {
      addrs: ['/ip4/10.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'],
      nickname: 'ünïcode ✓',
      version: 'tessera/0.1.0',
      availableSpace: 123456789,
      seqnum: 99,
      issuedAt: 1_700_000_000_000,
    });
  });

  it('round-trip through MessagePack, and verify with any fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          nickname: text(30),
          version: text(30),
          availableSpace: fc.nat(),
          readOnly: fc.boolean(),
          seqnum: fc.nat(),
          issuedAt: fc.nat({ max: 2 ** 45 }),
          port: fc.integer({ min: 1, max: 65535 }),
        }),
        async (f) => {
          const signed = await signAnnouncement(key, {
            ...f,
            addrs: [`/ip4/192.168.0.1/tcp/${f.port}`],
          });
          const back = validateSignedAnnouncement(decodeValue(encodeValue(signed)));
          await expect(
            verifyAnnouncement(back, { now: f.issuedAt, ttlMs: 1 }),
          ).resolves.toBeDefined();
          expect(announcementSigningBytes(back.announcement)).toEqual(
            announcementSigningBytes(signed.announcement),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never verify once a byte of their encoding changed, unless the content is the same', async () => {
    const bytes = encodeValue(genuine);
    const original = announcementSigningBytes(genuine.announcement);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const mutated = new Uint8Array(bytes);
          mutated[at] ^= xor;
          let signed: SignedAnnouncement;
          try {
            signed = validateSignedAnnouncement(decodeValue(mutated));
          } catch (err) {
            if (err instanceof InvalidMessageError) return;
            throw err;
          }
          try {
            const a = await verifyAnnouncement(signed, { now: 1_700_000_000_000 });
            // a mutation can only pass by leaving what is signed unchanged (a map key's case?)
            expect(announcementSigningBytes(a)).toEqual(original);
          } catch (err) {
            if (!(err instanceof IntroducerError)) throw err;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('parseServerCache reads back what encodeServerCache wrote', () => {
    const doc = encodeServerCache({ announcements: [genuine], encodings: new Map() });
    expect(parseServerCache(doc).announcements).toEqual([genuine]);
  });

  it('lay out different announcements as different bytes', () => {
    fc.assert(
      fc.property(shapedAnnouncement, shapedAnnouncement, (a, b) => {
        const same =
          JSON.stringify({ ...a, permutationSeed: [...a.permutationSeed] }) ===
          JSON.stringify({ ...b, permutationSeed: [...b.permutationSeed] });
        const bytesA = Buffer.from(announcementSigningBytes(a));
        const bytesB = Buffer.from(announcementSigningBytes(b));
        expect(bytesA.equals(bytesB)).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});

describe('file parsers on random input', () => {
  it('parseSeqnum returns a number or throws InvalidSeqnumFileError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat().map(String)), (s) => {
        onlyItsOwnErrors(
          () => parseSeqnum(s),
          (err) => err instanceof InvalidSeqnumFileError,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('parseServerCache throws only InvalidServerCacheError', () => {
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    const cacheLike = fc
      .record({
        version: fc.oneof(fc.constant(1), fc.jsonValue()),
        announcements: fc.oneof(
          fc.array(
            fc.record({
              announcement: decodedLike.map((v) => v ?? null),
              signature: fc.jsonValue(),
            }),
            { maxLength: 3 },
          ),
          fc.jsonValue(),
        ),
        encodings: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      })
      .map((o) => {
        try {
          return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
        } catch {
          return '{}';
        }
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), json, cacheLike), (s) => {
        onlyItsOwnErrors(
          () => parseServerCache(s),
          (err) => err instanceof InvalidServerCacheError,
        );
      }),
      { numRuns: 500 },
    );
  });
});
