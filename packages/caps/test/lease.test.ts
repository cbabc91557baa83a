import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  bucketCancelSecret,
  bucketRenewSecret,
  clientCancelSecret,
  clientRenewSecret,
  fileCancelSecret,
  fileRenewSecret,
  leaseSecrets,
  netstring,
  serverSeed20,
  sha256d,
  taggedHash,
  taggedPairHash,
  TAG,
} from '../src/index.ts';
import { describeVectors, LEASE_VECTORS_FILE, loadLeaseVectors } from './vectors.ts';

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describeVectors('lease renewal vectors (derive_renewal_secret.py)', [LEASE_VECTORS_FILE], () => {
  it('has the 4 vectors', () => {
    expect(loadLeaseVectors()).toHaveLength(4);
  });

  it.each([0, 1, 2, 3])('vector %i', (i) => {
    const v = loadLeaseVectors()[i];
    const secret = base32Decode(v.leaseSecretB32);
    const si = base32Decode(v.storageIndexB32);
    const seed = base32Decode(v.leaseSeedTubidB32);
    expect([secret.length, si.length, seed.length]).toEqual([32, 16, 20]);
    expect(base32Encode(bucketRenewSecret(secret, si, seed))).toBe(v.expectedRenewalSecretB32);
    expect(base32Encode(leaseSecrets(secret, si, seed).renewSecret)).toBe(
      v.expectedRenewalSecretB32,
    );
  });
});

describe('lease secrets', () => {
  const secret = new Uint8Array(32).map((_, i) => i);
  const si = new Uint8Array(16).fill(0xab);
  const seed = new Uint8Array(20).fill(0x5a);

  it('spec §3.3 example', () => {
    const renew = bucketRenewSecret(
      base32Decode('boity2cdh7jvl3ltaeebuiobbspjmbuopnwbde2yeh4k6x7jioga'),
      base32Decode('vrttmwlicrzbt7gh5qsooogr7u'),
      base32Decode('v67jiisoty6ooyxlql5fuucitqiok2ic'),
    );
    expect(base32Encode(renew)).toBe('osd6wmc5vz4g3ukg64sitmzlfiaaordutrez7oxdp5kkze7zp5zq');
  });

  it('uses the lease secret as the tag at the first step (the order swap)', () => {
    const manual = sha256d(
      concat(netstring(secret), new TextEncoder().encode(TAG.CLIENT_RENEWAL_SECRET)),
    );
    expect(clientRenewSecret(secret)).toEqual(manual);
    expect(clientRenewSecret(secret)).not.toEqual(taggedHash(TAG.CLIENT_RENEWAL_SECRET, secret));
    expect(clientCancelSecret(secret)).toEqual(taggedHash(secret, TAG.CLIENT_CANCEL_SECRET));
  });

  it('chains file and bucket secrets with H2', () => {
    const fr = taggedPairHash(TAG.FILE_RENEWAL_SECRET, clientRenewSecret(secret), si);
    const fc_ = taggedPairHash(TAG.FILE_CANCEL_SECRET, clientCancelSecret(secret), si);
    expect(fileRenewSecret(secret, si)).toEqual(fr);
    expect(fileCancelSecret(secret, si)).toEqual(fc_);
    expect(bucketRenewSecret(secret, si, seed)).toEqual(
      taggedPairHash(TAG.BUCKET_RENEWAL_SECRET, fr, seed),
    );
    expect(bucketCancelSecret(secret, si, seed)).toEqual(
      taggedPairHash(TAG.BUCKET_CANCEL_SECRET, fc_, seed),
    );
    const both = leaseSecrets(secret, si, seed);
    expect(both.renewSecret).not.toEqual(both.cancelSecret);
  });

  it('checks lengths (RangeError)', () => {
    expect(() => clientRenewSecret(new Uint8Array(31))).toThrow(RangeError);
    expect(() => fileRenewSecret(secret, new Uint8Array(20))).toThrow(RangeError);
    expect(() => bucketRenewSecret(secret, si, new Uint8Array(32))).toThrow(RangeError);
    expect(() => bucketCancelSecret(secret, si, new Uint8Array(0))).toThrow(RangeError);
    expect(() => serverSeed20(new Uint8Array(0))).toThrow(RangeError);
  });

  it('serverSeed20 is the first 20 bytes of SHA-256 of the peer id bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (peerId) => {
        const seed20 = serverSeed20(peerId);
        expect(seed20.length).toBe(20);
        expect(seed20).toEqual(
          new Uint8Array(createHash('sha256').update(peerId).digest().subarray(0, 20)),
        );
      }),
      { numRuns: 100 },
    );
  });
});
