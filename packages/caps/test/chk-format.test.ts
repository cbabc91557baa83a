import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  chkParams,
  chkShareLayout,
  chkStorageIndex,
  chkUebLength,
  decodeChkShareHeader,
  decodeChkUeb,
  decodeShareHashChain,
  encodeChkShareHeader,
  encodeShareHashChain,
  encodeUeb,
  headerMatchesLayout,
  uebHash,
} from '../src/index.ts';
import {
  DERIVED_INTERMEDIATES_FILE,
  describeVectors,
  loadDerivedIntermediates,
  type DerivedChk,
} from './vectors.ts';

describe('CHK parameters (spec §2.2)', () => {
  it('adjusts the segment size to a multiple of k', () => {
    const p = chkParams(10 * 1024 * 1024, 3, 10, 1024 * 1024);
    expect(p.segmentSize).toBe(1_048_578);
    expect(p.blockSize).toBe(349_526);
  });

  it('matches the spec worked example (4096 bytes, 3-of-10, 128 KiB)', () => {
    const p = chkParams(4096, 3, 10, 131072);
    expect(p).toMatchObject({
      segmentSize: 4098,
      blockSize: 1366,
      numSegments: 1,
      shareDataLength: 1366,
    });
    const layout = chkShareLayout(p, 316);
    expect(layout.offsets.uriExtension).toBe(1668);
    expect(layout.allocatedSize).toBe(1988);
    expect(layout.shareHashChainEntries).toBe(5);
  });

  it('rejects impossible parameters', () => {
    expect(() => chkParams(100, 0, 10, 4096)).toThrow(RangeError);
    expect(() => chkParams(100, 11, 10, 4096)).toThrow(RangeError);
    expect(() => chkParams(100, 3, 257, 4096)).toThrow(RangeError);
    expect(() => chkParams(0, 3, 10, 4096)).toThrow(RangeError);
  });
});

describe('share layout (spec §2.9)', () => {
  it('round-trips v1 and v2 headers', () => {
    const p = chkParams(1_000_000, 3, 10, 65536);
    for (const forceV2 of [false, true]) {
      const layout = chkShareLayout(p, chkUebLength(p), { forceV2 });
      const header = decodeChkShareHeader(encodeChkShareHeader(layout));
      expect(header.version).toBe(forceV2 ? 2 : 1);
      expect(header.blockSize).toBe(p.blockSize);
      expect(header.shareDataLength).toBe(p.shareDataLength);
      expect(headerMatchesLayout(header, layout)).toBe(true);
    }
  });

  it('switches to v2 when an offset would not fit in 32 bits', () => {
    const p = chkParams(13 * 2 ** 30, 3, 10, 2 ** 20);
    expect(chkShareLayout(p, chkUebLength(p)).version).toBe(2);
    const small = chkParams(11 * 2 ** 30, 3, 10, 2 ** 20);
    expect(chkShareLayout(small, chkUebLength(small)).version).toBe(1);
  });

  it('rejects unknown versions, short headers and out-of-order offsets', () => {
    const p = chkParams(5000, 3, 10, 4096);
    const bytes = encodeChkShareHeader(chkShareLayout(p, chkUebLength(p)));
    const bad = (b: Uint8Array): unknown => {
      try {
        decodeChkShareHeader(b);
        return undefined;
      } catch (err) {
        return err;
      }
    };
    const v3 = bytes.slice();
    v3[3] = 3;
    expect(bad(v3)).toMatchObject({ code: 'CAPS_MALFORMED_SHARE' });
    expect(bad(bytes.subarray(0, 20))).toMatchObject({ code: 'CAPS_MALFORMED_SHARE' });
    const swapped = bytes.slice();
    new DataView(swapped.buffer).setUint32(0x14, 0);
    expect(bad(swapped)).toMatchObject({ code: 'CAPS_MALFORMED_SHARE' });
  });

  it('round-trips share hash chains', () => {
    const entries: [number, Uint8Array][] = [
      [256, new Uint8Array(32).fill(1)],
      [3, new Uint8Array(32).fill(2)],
    ];
    expect(decodeShareHashChain(encodeShareHashChain(entries))).toEqual(entries);
    expect(() => decodeShareHashChain(new Uint8Array(33))).toThrow(
      expect.objectContaining({ code: 'CAPS_MALFORMED_SHARE' }),
    );
  });
});

describe('URI extension block (spec §2.8)', () => {
  it('sorts keys and netstring-wraps values', () => {
    expect(new TextDecoder().decode(encodeUeb({ b: 'xy', a: 12 }))).toBe('a:2:12,b:2:xy,');
    expect(() => encodeUeb({ 'bad key': 1 })).toThrow(RangeError);
  });

  it('rejects missing fields and inconsistent parameters', () => {
    const zero = new Uint8Array(32);
    const fields = {
      codec_name: 'crs',
      codec_params: '4098-3-10',
      tail_codec_params: '4098-3-10',
      size: 4096,
      segment_size: 4098,
      num_segments: 1,
      needed_shares: 3,
      total_shares: 10,
      crypttext_hash: zero,
      crypttext_root_hash: zero,
      share_root_hash: zero,
    };
    expect(decodeChkUeb(encodeUeb(fields)).size).toBe(4096);
    for (const change of [
      { size: 9000 },
      { codec_params: '4098-3-11' },
      { num_segments: 2 },
      { needed_shares: '03' },
      { crypttext_hash: new Uint8Array(31) },
      { codec_name: 'zfec' },
    ]) {
      expect(
        () => decodeChkUeb(encodeUeb({ ...fields, ...change })),
        JSON.stringify(change),
      ).toThrow(expect.objectContaining({ code: 'CAPS_MALFORMED_UEB' }));
    }
    const withoutSize: Partial<typeof fields> = { ...fields };
    delete withoutSize.size;
    expect(() => decodeChkUeb(encodeUeb(withoutSize))).toThrow(
      expect.objectContaining({ code: 'CAPS_MALFORMED_UEB' }),
    );
  });
});

describeVectors(
  'CHK intermediates (derived-intermediates.json)',
  [DERIVED_INTERMEDIATES_FILE],
  () => {
    it("computes every vector's sizes, storage index, UEB length and UEB hash", () => {
      const chk = loadDerivedIntermediates().filter((d): d is DerivedChk => d.kind === 'chk');
      expect(chk).toHaveLength(120);
      for (const d of chk) {
        const p = chkParams(d.size, d.k, d.n, 131072);
        expect(p).toMatchObject({
          segmentSize: d.segmentSize,
          numSegments: d.numSegments,
          tailSize: d.tailSegmentSize,
          paddedTailSize: d.paddedTailSize,
          blockSize: d.blockSize,
          tailBlockSize: d.tailBlockSize,
          shareDataLength: d.shareDataSize,
        });
        const ueb = new Uint8Array(Buffer.from(d.uebHex, 'hex'));
        expect(chkUebLength(p)).toBe(ueb.length);
        expect(base32Encode(uebHash(ueb))).toBe(d.uebHashB32);
        expect(base32Encode(chkStorageIndex(base32Decode(d.encryptionKeyB32)))).toBe(
          d.storageIndexB32,
        );
        const parsed = decodeChkUeb(ueb);
        expect(parsed).toMatchObject({
          size: d.size,
          neededShares: d.k,
          totalShares: d.n,
          segmentSize: d.segmentSize,
        });
      }
    });
  },
);
