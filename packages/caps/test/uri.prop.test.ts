import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CapsError,
  formatCap,
  parseAllegedCap,
  parseCap,
  readOnlyCap,
  storageIndexOf,
  verifyCap,
  wrapDirectory,
  type Cap,
  type FileCap,
} from '../src/index.ts';

const b16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const shares = fc
  .integer({ min: 1, max: 256 })
  .chain((n) => fc.record({ n: fc.constant(n), k: fc.integer({ min: 1, max: n }) }));
const size = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

const fileCap: fc.Arbitrary<FileCap> = fc.oneof(
  fc
    .record({ key: b16, uebHash: b32, s: shares, size })
    .map(({ key, uebHash, s, size }): FileCap => ({
      kind: 'chk',
      key,
      uebHash,
      neededShares: s.k,
      totalShares: s.n,
      size,
    })),
  fc
    .record({ storageIndex: b16, uebHash: b32, s: shares, size })
    .map(({ storageIndex, uebHash, s, size }): FileCap => ({
      kind: 'chk-verifier',
      storageIndex,
      uebHash,
      neededShares: s.k,
      totalShares: s.n,
      size,
    })),
  fc.uint8Array({ maxLength: 80 }).map((data): FileCap => ({ kind: 'lit', data })),
  fc
    .record({ kind: fc.constantFrom('ssk' as const, 'mdmf' as const), writekey: b16, fp: b32 })
    .map(({ kind, writekey, fp }): FileCap => ({ kind, writekey, fingerprint: fp })),
  fc
    .record({ kind: fc.constantFrom('ssk-ro' as const, 'mdmf-ro' as const), key: b16, fp: b32 })
    .map(({ kind, key, fp }): FileCap => ({ kind, readkey: key, fingerprint: fp })),
  fc
    .record({
      kind: fc.constantFrom('ssk-verifier' as const, 'mdmf-verifier' as const),
      si: b16,
      fp: b32,
    })
    .map(({ kind, si, fp }): FileCap => ({ kind, storageIndex: si, fingerprint: fp })),
);

const anyCap: fc.Arbitrary<Cap> = fc.oneof(
  fileCap,
  fileCap.map((f) => wrapDirectory(f)),
);

/** A parse result is acceptable when it formats back to the input (or, for MDMF, a prefix). */
function checkParsed(text: string, cap: Cap): void {
  const formatted = formatCap(cap);
  const mdmf = cap.kind.includes('mdmf');
  if (formatted !== text) {
    expect(mdmf && text.startsWith(`${formatted}:`)).toBe(true);
  }
  expect(parseCap(formatted)).toEqual(cap);
}

function checkOutcome(text: string, fn: (t: string) => Cap = parseCap): void {
  let cap: Cap;
  try {
    cap = fn(text);
  } catch (e) {
    if (!(e instanceof CapsError)) throw e;
    expect(e.code).toBe('CAPS_MALFORMED_CAP');
    return;
  }
  checkParsed(text.replace(/^(ro|imm)\./, ''), cap);
}

describe('cap properties', () => {
  it('format(parse(x)) === x for generated caps of every kind', () => {
    fc.assert(
      fc.property(anyCap, (cap) => {
        const text = formatCap(cap);
        const parsed = parseCap(text);
        expect(parsed).toEqual(cap);
        expect(formatCap(parsed)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('read-only and verify caps of generated caps round-trip and agree on the SI', () => {
    fc.assert(
      fc.property(anyCap, (cap) => {
        const ro = readOnlyCap(cap);
        const v = verifyCap(cap);
        for (const derived of [ro, v]) {
          if (derived !== undefined) expect(parseCap(formatCap(derived))).toEqual(derived);
        }
        if (ro !== undefined) expect(storageIndexOf(ro)).toEqual(storageIndexOf(cap));
        if (v !== undefined) expect(storageIndexOf(v)).toEqual(storageIndexOf(cap));
      }),
      { numRuns: 500 },
    );
  });

  it('parseCap on random strings throws only CAPS_MALFORMED_CAP or gives a canonical cap', () => {
    const alphabet = fc.constantFrom(
      ...'URI:CHKLITSDMF-RVerifO2abcdefghijklmnopqrstuvwxyz234567018+= .é\n\u0000'.split(''),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: alphabet, maxLength: 140 }),
      fc
        .tuple(
          fc.constantFrom('URI:CHK:', 'URI:LIT:', 'URI:SSK:', 'URI:MDMF-RO:', 'URI:DIR2-CHK:', ''),
          fc.string({ unit: alphabet, maxLength: 140 }),
        )
        .map(([p, s]) => p + s),
    );
    fc.assert(
      fc.property(text, (t) => {
        checkOutcome(t);
        checkOutcome(t, (x) => parseAllegedCap(x).cap);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseCap on mutations of valid caps throws only CAPS_MALFORMED_CAP or stays canonical', () => {
    const replacement = fc.constantFrom(...'a7q4b8A0:9-=z.'.split(''));
    const mutated = anyCap.chain((cap) => {
      const text = formatCap(cap);
      const at = fc.nat({ max: text.length });
      return fc.oneof(
        fc.tuple(at, replacement).map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1)),
        fc.tuple(at, replacement).map(([i, c]) => text.slice(0, i) + c + text.slice(i)),
        at.map((i) => text.slice(0, i) + text.slice(i + 1)),
        at.map((i) => text.slice(0, i)),
        fc.tuple(at, at).map(([i, j]) => text + text.slice(Math.min(i, j), Math.max(i, j))),
        fc.constantFrom('ro.', 'imm.', 'x.').map((p) => p + text),
      );
    });
    fc.assert(
      fc.property(mutated, (t) => {
        checkOutcome(t);
        checkOutcome(t, (x) => parseAllegedCap(x).cap);
      }),
      { numRuns: 3000 },
    );
  });

  it('error messages never quote a secret field of the input', () => {
    const replacement = fc.constantFrom(...'b0:-'.split(''));
    const sample = fc
      .record({ key: b16, fp: b32, at: fc.nat({ max: 79 }), c: replacement })
      .map(({ key, fp, at, c }) => {
        const text = formatCap({ kind: 'ssk', writekey: key, fingerprint: fp });
        return { text: text.slice(0, at) + c + text.slice(at + 1), fields: text.split(':') };
      });
    fc.assert(
      fc.property(sample, ({ text, fields }) => {
        try {
          parseCap(text);
        } catch (e) {
          if (!(e instanceof CapsError)) throw e;
          for (const field of fields.slice(2)) {
            // Any 8 characters of a secret field are enough to call it quoted.
            expect(e.message).not.toContain(field.slice(0, 8));
            expect(e.message).not.toContain(field.slice(-8));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
