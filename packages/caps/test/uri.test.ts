import { describe, expect, it } from 'vitest';
import {
  base32Encode,
  CAP_PREFIX,
  CapsError,
  formatCap,
  isDirectory,
  isMutable,
  isReadOnly,
  isVerifier,
  parseAllegedCap,
  parseCap,
  readOnlyCap,
  readkeyFromWritekey,
  storageIndexFromReadkey,
  storageIndexOf,
  taggedHash,
  TAG,
  verifyCap,
  wrapDirectory,
  type Cap,
  type CapKind,
  type SskReadCap,
} from '../src/index.ts';
import {
  DERIVED_INTERMEDIATES_FILE,
  describeVectors,
  loadDerivedIntermediates,
} from './vectors.ts';

const bytes = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const KEY = bytes(16, 1);
const KEY_B32 = base32Encode(KEY);
const HASH = bytes(32, 2);
const HASH_B32 = base32Encode(HASH);

/** One valid cap text of every kind. */
const SAMPLES: Record<CapKind, string> = {
  chk: `URI:CHK:${KEY_B32}:${HASH_B32}:3:10:12345`,
  'chk-verifier': `URI:CHK-Verifier:${KEY_B32}:${HASH_B32}:3:10:12345`,
  lit: 'URI:LIT:nbswy3dp',
  ssk: `URI:SSK:${KEY_B32}:${HASH_B32}`,
  'ssk-ro': `URI:SSK-RO:${KEY_B32}:${HASH_B32}`,
  'ssk-verifier': `URI:SSK-Verifier:${KEY_B32}:${HASH_B32}`,
  mdmf: `URI:MDMF:${KEY_B32}:${HASH_B32}`,
  'mdmf-ro': `URI:MDMF-RO:${KEY_B32}:${HASH_B32}`,
  'mdmf-verifier': `URI:MDMF-Verifier:${KEY_B32}:${HASH_B32}`,
  dir2: `URI:DIR2:${KEY_B32}:${HASH_B32}`,
  'dir2-ro': `URI:DIR2-RO:${KEY_B32}:${HASH_B32}`,
  'dir2-verifier': `URI:DIR2-Verifier:${KEY_B32}:${HASH_B32}`,
  'dir2-mdmf': `URI:DIR2-MDMF:${KEY_B32}:${HASH_B32}`,
  'dir2-mdmf-ro': `URI:DIR2-MDMF-RO:${KEY_B32}:${HASH_B32}`,
  'dir2-mdmf-verifier': `URI:DIR2-MDMF-Verifier:${KEY_B32}:${HASH_B32}`,
  'dir2-chk': `URI:DIR2-CHK:${KEY_B32}:${HASH_B32}:1:1:56`,
  'dir2-chk-verifier': `URI:DIR2-CHK-Verifier:${KEY_B32}:${HASH_B32}:101:256:0`,
  'dir2-lit': 'URI:DIR2-LIT:',
};

function malformed(text: string): CapsError {
  try {
    parseAllegedCap(text);
  } catch (e) {
    expect(e).toBeInstanceOf(CapsError);
    const err = e as CapsError;
    expect(err.code).toBe('CAPS_MALFORMED_CAP');
    expect(err.name).toBe('MalformedCapError');
    return err;
  }
  throw new Error('expected the cap to be rejected');
}

describe('parseCap / formatCap', () => {
  it.each(Object.entries(SAMPLES))('parses and re-formats %s', (kind, text) => {
    const cap = parseCap(text);
    expect(cap.kind).toBe(kind);
    expect(formatCap(cap)).toBe(text);
    expect(text.startsWith(CAP_PREFIX[cap.kind])).toBe(true);
  });

  it('gives typed fields', () => {
    const chk = parseCap(SAMPLES.chk);
    expect(chk).toEqual({
      kind: 'chk',
      key: KEY,
      uebHash: HASH,
      neededShares: 3,
      totalShares: 10,
      size: 12345,
    });
    const dir = parseCap(SAMPLES['dir2-mdmf-ro']);
    expect(dir).toEqual({
      kind: 'dir2-mdmf-ro',
      file: { kind: 'mdmf-ro', readkey: KEY, fingerprint: HASH },
    });
  });

  it('reads LIT data; an empty LIT is the empty file', () => {
    const lit = parseCap('URI:LIT:nbswy3dp');
    expect(lit.kind === 'lit' && new TextDecoder().decode(lit.data)).toBe('hello');
    const empty = parseCap('URI:LIT:');
    expect(empty.kind === 'lit' && empty.data.length).toBe(0);
    expect(formatCap({ kind: 'lit', data: new Uint8Array(0) })).toBe('URI:LIT:');
  });

  it('accepts CHK sizes at or below the LIT threshold and size 0 (Tahoe does)', () => {
    const cap = parseCap(`URI:CHK:${KEY_B32}:${HASH_B32}:1:1:0`);
    expect(cap.kind === 'chk' && cap.size).toBe(0);
  });

  it('accepts 2^53-1 as a size', () => {
    const text = `URI:CHK:${KEY_B32}:${HASH_B32}:1:1:${Number.MAX_SAFE_INTEGER}`;
    expect(formatCap(parseCap(text))).toBe(text);
  });

  it('accepts and drops MDMF extension fields', () => {
    for (const prefix of ['URI:MDMF:', 'URI:MDMF-RO:', 'URI:MDMF-Verifier:', 'URI:DIR2-MDMF:']) {
      const canonical = `${prefix}${KEY_B32}:${HASH_B32}`;
      for (const ext of [':3:131073', ':', ':anything:at:all']) {
        expect(formatCap(parseCap(canonical + ext))).toBe(canonical);
      }
    }
  });

  it('rejects formatting of impossible values with RangeError/TypeError', () => {
    expect(() => formatCap({ kind: 'ssk', writekey: bytes(15, 0), fingerprint: HASH })).toThrow(
      RangeError,
    );
    expect(() =>
      formatCap({
        kind: 'chk',
        key: KEY,
        uebHash: HASH,
        neededShares: 4,
        totalShares: 3,
        size: 1,
      }),
    ).toThrow(RangeError);
    expect(() => formatCap({ kind: 'nope' } as unknown as Cap)).toThrow(TypeError);
    expect(() =>
      formatCap({ kind: 'dir2', file: { kind: 'lit', data: KEY } } as unknown as Cap),
    ).toThrow(TypeError);
  });
});

describe('malformed caps', () => {
  const chk = (k: string, n: string, size: string, key = KEY_B32, hash = HASH_B32): string =>
    `URI:CHK:${key}:${hash}:${k}:${n}:${size}`;
  const badTrailing = KEY_B32.slice(0, 25) + 'b'; // 16 bytes must end in one of "aeimquy4"

  const cases: [string, string, RegExp][] = [
    ['empty text', '', /does not start with "URI:"/],
    ['no URI: prefix', `${KEY_B32}:${HASH_B32}`, /does not start with "URI:"/],
    ['lower-case scheme', SAMPLES.chk.replace('URI:CHK', 'uri:chk'), /does not start/],
    ['unknown prefix', `URI:FOO:${KEY_B32}`, /unknown prefix "URI:FOO:"/],
    ['wrong-case prefix', `URI:chk:${KEY_B32}`, /unknown prefix "URI:chk:"/],
    [
      'missing colon',
      SAMPLES.ssk.replace('SSK:', 'SSK'),
      /starting with "URI:SSK" \(is a ":" missing/,
    ],
    ['glued secret', `URI:${KEY_B32}:${HASH_B32}`, /unknown prefix$/],
    ['no colon after the type', 'URI:CHK', /no ":" after the cap type/],
    ['non-ASCII', `${SAMPLES.ssk}é`, /non-ASCII/],
    ['trailing newline', `${SAMPLES.ssk}\n`, /whitespace/],
    ['inner space', SAMPLES.ssk.replace(':', ': '), /whitespace/],
    ['too few CHK fields', `URI:CHK:${KEY_B32}:${HASH_B32}:3:10`, /expected 5 fields.*got 4/],
    ['too many CHK fields', `${SAMPLES.chk}:7`, /expected 5 fields.*got 6/],
    ['CHK-Verifier trailing text', `${SAMPLES['chk-verifier']}:x`, /expected 5 fields/],
    ['too many SSK fields', `${SAMPLES.ssk}:3:131073`, /expected 2 fields.*got 4/],
    ['too few MDMF fields', `URI:MDMF:${KEY_B32}`, /expected at least 2 fields.*got 1/],
    ['LIT with a colon', 'URI:LIT:nbswy3dp:', /expected 1 field after the prefix, got 2/],
    ['short key', chk('3', '10', '1', KEY_B32.slice(1)), /field "key" has 25 characters/],
    ['long UEB hash', chk('3', '10', '1', KEY_B32, HASH_B32 + 'a'), /field "UEB hash" has 53/],
    ['upper-case key', chk('3', '10', '1', KEY_B32.toUpperCase()), /field "key" is not lower-case/],
    ['padding', `URI:LIT:nbswy3dp${'='.repeat(0)}e===`, /field "data" is not lower-case base32/],
    ['non-zero trailing bits', chk('3', '10', '1', badTrailing), /field "key" is not canonical/],
    ['impossible LIT length', 'URI:LIT:nbswy3', /field "data" has an impossible base32 length 6/],
    ['bad SI', SAMPLES['ssk-verifier'].replace(KEY_B32, badTrailing), /"storage index"/],
    ['bad writekey', SAMPLES.mdmf.replace(KEY_B32, badTrailing), /field "writekey"/],
    ['bad readkey', SAMPLES['ssk-ro'].replace(KEY_B32, badTrailing), /field "readkey"/],
    ['bad fingerprint', SAMPLES.ssk.replace(HASH_B32, HASH_B32.slice(2)), /field "fingerprint"/],
    ['leading zero in k', chk('03', '10', '1'), /field "k" has a leading zero/],
    ['leading zero in size', chk('3', '10', '0012'), /field "size" has a leading zero/],
    ['empty size', chk('3', '10', ''), /field "size" is empty/],
    ['sign in N', chk('3', '+10', '5'), /field "N" is not a decimal number/],
    ['hex size', chk('3', '10', '0x10'), /field "size" is not a decimal number/],
    ['k = 0', chk('0', '10', '5'), /k 0 is below 1/],
    ['k > N', chk('4', '3', '5'), /k 4 exceeds N 3/],
    ['N > 256', chk('3', '257', '5'), /N 257 exceeds 256/],
    ['size beyond 2^53-1', chk('3', '10', '9007199254740992'), /"size" exceeds .*2\^53-1/],
    ['huge size', chk('3', '10', '9'.repeat(40)), /"size" exceeds/],
    ['dir wrapping the wrong fields', `URI:DIR2:${SAMPLES.chk.slice(8)}`, /URI:DIR2 cap.*2 fields/],
    ['bad dir LIT', 'URI:DIR2-LIT:a', /URI:DIR2-LIT cap: field "data"/],
    ['write cap under ro.', `ro.${SAMPLES.ssk}`, /write cap is under an "ro\." prefix/],
    ['dir write cap under ro.', `ro.${SAMPLES['dir2-mdmf']}`, /"ro\." prefix/],
    ['mutable read cap under imm.', `imm.${SAMPLES['ssk-ro']}`, /immutable context/],
    ['mutable dir under imm.', `imm.${SAMPLES['dir2-ro']}`, /immutable context/],
    ['both prefixes', `ro.imm.${SAMPLES.chk}`, /does not start with "URI:"/],
  ];

  it.each(cases)('rejects %s', (_name, text, message) => {
    const err = malformed(text);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^Cannot (parse|use) /);
  });

  it('never quotes the secret fields in messages', () => {
    for (const [, text] of cases) {
      const err = malformed(text);
      expect(err.message).not.toContain(KEY_B32.slice(0, 8));
      expect(err.message).not.toContain(KEY_B32.toUpperCase().slice(0, 8));
      expect(err.message).not.toContain(HASH_B32.slice(0, 8));
    }
  });

  it('throws TypeError for a non-string (a programming error)', () => {
    expect(() => parseCap(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('parseAllegedCap', () => {
  it('strips ro. and imm. and reports them', () => {
    expect(parseAllegedCap(SAMPLES.chk).alleged).toBeUndefined();
    const ro = parseAllegedCap(`ro.${SAMPLES['ssk-ro']}`);
    expect(ro.alleged).toBe('ro');
    expect(formatCap(ro.cap)).toBe(SAMPLES['ssk-ro']);
    const imm = parseAllegedCap(`imm.${SAMPLES['dir2-chk']}`);
    expect(imm.alleged).toBe('imm');
    expect(imm.cap.kind).toBe('dir2-chk');
  });

  it('lets verify caps through either prefix, as Tahoe does', () => {
    expect(parseAllegedCap(`imm.${SAMPLES['ssk-verifier']}`).cap.kind).toBe('ssk-verifier');
    expect(parseAllegedCap(`ro.${SAMPLES['dir2-verifier']}`).cap.kind).toBe('dir2-verifier');
  });

  it('applies the deep-immutable constraint without a prefix', () => {
    expect(parseAllegedCap(SAMPLES.lit, { deepImmutable: true }).cap.kind).toBe('lit');
    for (const kind of ['ssk', 'mdmf-ro', 'dir2', 'dir2-mdmf-ro'] as const) {
      expect(() => parseAllegedCap(SAMPLES[kind], { deepImmutable: true })).toThrow(
        /immutable context/,
      );
    }
  });

  it('parseCap itself does not accept the prefixes', () => {
    expect(() => parseCap(`ro.${SAMPLES.chk}`)).toThrow(/does not start with "URI:"/);
  });
});

describe('cap classification', () => {
  const table: [CapKind, boolean, boolean, boolean, boolean][] = [
    // kind, mutable, directory, read-only, verifier
    ['chk', false, false, true, false],
    ['chk-verifier', false, false, true, true],
    ['lit', false, false, true, false],
    ['ssk', true, false, false, false],
    ['ssk-ro', true, false, true, false],
    ['ssk-verifier', true, false, true, true],
    ['mdmf', true, false, false, false],
    ['mdmf-ro', true, false, true, false],
    ['mdmf-verifier', true, false, true, true],
    ['dir2', true, true, false, false],
    ['dir2-ro', true, true, true, false],
    ['dir2-verifier', true, true, true, true],
    ['dir2-mdmf', true, true, false, false],
    ['dir2-mdmf-ro', true, true, true, false],
    ['dir2-mdmf-verifier', true, true, true, true],
    ['dir2-chk', false, true, true, false],
    ['dir2-chk-verifier', false, true, true, true],
    ['dir2-lit', false, true, true, false],
  ];
  it.each(table)('%s', (kind, mutable, directory, readOnly, verifier) => {
    const cap = parseCap(SAMPLES[kind]);
    expect(isMutable(cap)).toBe(mutable);
    expect(isDirectory(cap)).toBe(directory);
    expect(isReadOnly(cap)).toBe(readOnly);
    expect(isVerifier(cap)).toBe(verifier);
  });
});

describe('derived caps', () => {
  const chkSi = taggedHash(TAG.CHK_KEY_TO_STORAGE_INDEX, KEY, 16);
  const readkey = readkeyFromWritekey(KEY);
  const mutableSiFromWrite = storageIndexFromReadkey(readkey);
  const mutableSiFromRead = storageIndexFromReadkey(KEY);
  const b = base32Encode;

  it('readOnlyCap: write → read, read → itself, verifier → undefined', () => {
    const ssk = parseCap(SAMPLES.ssk);
    if (ssk.kind !== 'ssk') throw new Error('not an SSK cap');
    const ro: SskReadCap = readOnlyCap(ssk); // typed by overload
    expect(formatCap(ro)).toBe(`URI:SSK-RO:${b(readkey)}:${HASH_B32}`);
    expect(formatCap(readOnlyCap(parseCap(SAMPLES['dir2-mdmf'])) as Cap)).toBe(
      `URI:DIR2-MDMF-RO:${b(readkey)}:${HASH_B32}`,
    );
    for (const kind of ['chk', 'lit', 'ssk-ro', 'mdmf-ro', 'dir2-ro', 'dir2-chk'] as const) {
      const cap = parseCap(SAMPLES[kind]);
      expect(readOnlyCap(cap)).toBe(cap);
    }
    for (const kind of ['chk-verifier', 'ssk-verifier', 'dir2-chk-verifier'] as const) {
      expect(readOnlyCap(parseCap(SAMPLES[kind]))).toBeUndefined();
    }
  });

  it('verifyCap: CHK → CHK-Verifier with the hashed key', () => {
    expect(formatCap(verifyCap(parseCap(SAMPLES.chk)) as Cap)).toBe(
      `URI:CHK-Verifier:${b(chkSi)}:${HASH_B32}:3:10:12345`,
    );
    expect(formatCap(verifyCap(parseCap(SAMPLES['dir2-chk'])) as Cap)).toBe(
      `URI:DIR2-CHK-Verifier:${b(chkSi)}:${HASH_B32}:1:1:56`,
    );
  });

  it('verifyCap: mutable write and read → Verifier; verifier → itself; LIT → undefined', () => {
    expect(formatCap(verifyCap(parseCap(SAMPLES.mdmf)) as Cap)).toBe(
      `URI:MDMF-Verifier:${b(mutableSiFromWrite)}:${HASH_B32}`,
    );
    expect(formatCap(verifyCap(parseCap(SAMPLES['ssk-ro'])) as Cap)).toBe(
      `URI:SSK-Verifier:${b(mutableSiFromRead)}:${HASH_B32}`,
    );
    expect(formatCap(verifyCap(parseCap(SAMPLES['dir2'])) as Cap)).toBe(
      `URI:DIR2-Verifier:${b(mutableSiFromWrite)}:${HASH_B32}`,
    );
    const v = parseCap(SAMPLES['mdmf-verifier']);
    expect(verifyCap(v)).toBe(v);
    const dv = parseCap(SAMPLES['dir2-chk-verifier']);
    expect(verifyCap(dv)).toBe(dv);
    expect(verifyCap(parseCap(SAMPLES.lit))).toBeUndefined();
    expect(verifyCap(parseCap(SAMPLES['dir2-lit']))).toBeUndefined();
  });

  it('storageIndexOf agrees across write, read and verify caps', () => {
    expect(storageIndexOf(parseCap(SAMPLES.chk))).toEqual(chkSi);
    expect(storageIndexOf(parseCap(SAMPLES['chk-verifier']))).toEqual(KEY);
    expect(storageIndexOf(parseCap(SAMPLES.ssk))).toEqual(mutableSiFromWrite);
    expect(storageIndexOf(parseCap(SAMPLES['dir2-mdmf']))).toEqual(mutableSiFromWrite);
    expect(storageIndexOf(parseCap(SAMPLES['ssk-ro']))).toEqual(mutableSiFromRead);
    expect(storageIndexOf(parseCap(SAMPLES['dir2-verifier']))).toEqual(KEY);
    expect(storageIndexOf(parseCap(SAMPLES.lit))).toBeUndefined();
  });

  it('wrapDirectory wraps each file kind as the matching directory kind', () => {
    for (const kind of Object.keys(SAMPLES) as CapKind[]) {
      const cap = parseCap(SAMPLES[kind]);
      if (isDirectory(cap)) {
        expect(wrapDirectory(cap.file)).toEqual(cap);
      }
    }
  });
});

describeVectors('CHK vectors: cap fields and storage index', [DERIVED_INTERMEDIATES_FILE], () => {
  const chk = (): ReturnType<typeof loadDerivedIntermediates> =>
    loadDerivedIntermediates().filter((v) => v.kind === 'chk');

  it('has 120 CHK entries', () => {
    expect(chk()).toHaveLength(120);
  });

  it('parses every CHK cap and derives the storage index and verify cap', () => {
    for (const v of loadDerivedIntermediates()) {
      if (v.kind !== 'chk') continue;
      const cap = parseCap(v.expected);
      if (cap.kind !== 'chk') throw new Error(`vector ${v.index} is not a CHK cap`);
      expect(formatCap(cap)).toBe(v.expected);
      expect(base32Encode(cap.key)).toBe(v.encryptionKeyB32);
      expect(base32Encode(cap.uebHash)).toBe(v.uebHashB32);
      expect([cap.neededShares, cap.totalShares, cap.size]).toEqual([v.k, v.n, v.size]);
      expect(base32Encode(storageIndexOf(cap)!)).toBe(v.storageIndexB32);
      const verifier = verifyCap(cap);
      expect(formatCap(verifier)).toBe(
        `URI:CHK-Verifier:${v.storageIndexB32}:${v.uebHashB32}:${v.k}:${v.n}:${v.size}`,
      );
      expect(formatCap(parseCap(formatCap(verifier)))).toBe(formatCap(verifier));
    }
  });
});
