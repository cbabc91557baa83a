// Property tests of the storage protocol's validators (in @tessera/protocol): on random input
// they return or throw InvalidMessageError only; valid messages survive a MessagePack round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  decodeValue,
  encodeValue,
  storageServiceDefinition,
} from '@tessera/protocol';
import type { MessageType } from '@tessera/protocol';

function validatorsOf(def: MessageType): Array<(v: unknown) => unknown> {
  return def.kind === 'request' ? [def.validateRequest, def.validateReply] : [def.validate];
}

const validators: Array<[string, (v: unknown) => unknown]> = [
  ...Object.entries(storageServiceDefinition.messages).flatMap(([name, def]) =>
    validatorsOf(def).map((v): [string, (v: unknown) => unknown] => [name, v]),
  ),
  ['subscription', (v) => storageServiceDefinition.subscription?.validate(v)],
];

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const range = fc.record({ offset: fc.nat(1e9), length: fc.nat(1e4) });
// values shaped like the real fields, so validators get past their first checks
const fieldValue = fc.oneof(
  fc.anything(),
  bytesOf(16),
  bytesOf(32),
  fc.uint8Array({ maxLength: 64 }),
  fc.array(fc.integer({ min: -2, max: 258 }), { maxLength: 5 }),
  fc.array(range, { maxLength: 3 }),
  fc.bigInt({ min: -1n, max: 1n << 65n }),
  fc.integer(),
  fc.double(),
);
const keys = [
  'storageIndex',
  'renewSecret',
  'cancelSecret',
  'uploadSecret',
  'writeEnabler',
  'shareNum',
  'shareNums',
  'allocatedSize',
  'offset',
  'data',
  'ranges',
  'vectors',
  'readVector',
  'reason',
  'storageIndexes',
  'seqnum',
  'rootHash',
  'written',
  'missing',
  'alreadyHave',
  'allocated',
];
const messageLike = fc.oneof(
  fc.anything(),
  fc.dictionary(fc.constantFrom(...keys), fieldValue, { maxKeys: keys.length }),
);

function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

describe('storage message validators', () => {
  it('return or throw InvalidMessageError on random values', () => {
    fc.assert(
      fc.property(messageLike, (value) => {
        for (const [name, validate] of validators) {
          try {
            validate(value);
          } catch (err) {
            if (!(err instanceof InvalidMessageError)) {
              throw new Error(`"${name}" threw ${String(err)}`, { cause: err });
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trip valid requests through MessagePack', () => {
    const allocate = fc.record({
      storageIndex: bytesOf(16),
      renewSecret: bytesOf(32),
      cancelSecret: bytesOf(32),
      uploadSecret: bytesOf(32),
      shareNums: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 256 }),
      allocatedSize: fc.nat(),
    });
    const testWrite = fc.record({
      storageIndex: bytesOf(16),
      writeEnabler: bytesOf(32),
      renewSecret: bytesOf(32),
      cancelSecret: bytesOf(32),
      vectors: fc.uniqueArray(
        fc.record(
          {
            shareNum: fc.integer({ min: 0, max: 255 }),
            test: fc.array(
              fc.record({
                offset: fc.nat(1e6),
                length: fc.nat(100),
                op: fc.constant('eq' as const),
                specimen: fc.uint8Array({ maxLength: 8 }),
              }),
              { maxLength: 3 },
            ),
            write: fc.array(
              fc.record({ offset: fc.nat(1e6), data: fc.uint8Array({ maxLength: 8 }) }),
              {
                maxLength: 3,
              },
            ),
            newLength: fc.nat(),
          },
          { requiredKeys: ['shareNum', 'test', 'write'] },
        ),
        { selector: (v) => v.shareNum, maxLength: 4 },
      ),
      readVector: fc.array(range, { maxLength: 4 }),
    });
    const cases: Array<[string, fc.Arbitrary<unknown>]> = [
      ['allocate-buckets', allocate],
      ['slot-test-and-write', testWrite],
    ];
    for (const [name, arb] of cases) {
      const defs: Readonly<Record<string, MessageType>> = storageServiceDefinition.messages;
      const def = defs[name];
      if (def.kind !== 'request') throw new Error(`${name} is not a request`);
      fc.assert(
        fc.property(arb, (value) => {
          const decoded = def.validateRequest(decodeValue(encodeValue(value)));
          expect(normalize(decoded)).toEqual(normalize(value));
        }),
        { numRuns: 100 },
      );
    }
  });
});
