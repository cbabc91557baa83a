import { streamPair } from '@libp2p/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameReader,
  InvalidMessageError,
  ProtocolError,
  decodeValue,
  encodeValue,
  expectArrayOf,
  expectBoolean,
  expectBytes,
  expectObject,
  expectOneOf,
  expectString,
  expectUint,
  frameBytes,
  validateHeader,
  validateVersionInfo,
} from '../src/index.ts';
import type { Header } from '../src/index.ts';
import { validateText, validateTick, validateTopic } from './fixtures.ts';
import { decodedLike as decodedLikeValues } from './arbitraries.ts';

/** Values as MessagePack decoding can produce them, with the keys the validators look for. */
const decodedLike = decodedLikeValues(
  [
    'kind',
    'id',
    'type',
    'code',
    'message',
    '__proto__',
    'constructor',
    'protocolVersion',
    'features',
    'text',
    'n',
    'topic',
  ],
  { maxBytes: 40, maxArray: 5, maxKeys: 6 },
);

/** Maps that look almost like headers, to reach deeper branches. */
const nearHeader = fc.record(
  {
    kind: fc.constantFrom(
      'request',
      'one-way',
      'subscribe',
      'reply',
      'error',
      'subscribed',
      'notification',
      'bogus',
    ),
    id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.bigInt(), fc.string()),
    type: fc.oneof(fc.constantFrom('echo', 'a-b', 'Echo', ''), fc.string()),
    code: fc.oneof(fc.constantFrom('PROTOCOL_X', 'bad code'), fc.string()),
    message: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);

const validators: Array<[string, (v: unknown) => unknown]> = [
  ['validateHeader', validateHeader],
  ['validateVersionInfo', validateVersionInfo],
  ['validateText', validateText],
  ['validateTick', validateTick],
  ['validateTopic', validateTopic],
  ['expectObject', (v) => expectObject(v, 'v')],
  ['expectString', (v) => expectString(v, 'v', { maxLength: 5, pattern: /^a/ })],
  ['expectUint', (v) => expectUint(v, 'v', { max: 1000 })],
  ['expectBoolean', (v) => expectBoolean(v, 'v')],
  ['expectBytes', (v) => expectBytes(v, 'v', { length: 3 })],
  ['expectOneOf', (v) => expectOneOf(v, 'v', ['a', 'b'])],
  ['expectArrayOf', (v) => expectArrayOf(v, 'v', (x, p) => expectUint(x, p), { maxLength: 3 })],
];

function onlyInvalidMessage(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect(err).toMatchObject({ code: 'PROTOCOL_INVALID_MESSAGE' });
  }
}

describe('validators and decoders throw only their own errors', () => {
  it('decodeValue on random bytes returns a value or PROTOCOL_INVALID_MESSAGE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) =>
        onlyInvalidMessage(() => decodeValue(bytes)),
      ),
      { numRuns: 3000 },
    );
  });

  it('every validator on random decoded-like values', () => {
    fc.assert(
      fc.property(fc.oneof(decodedLike, nearHeader), (value) => {
        for (const [, validate] of validators) onlyInvalidMessage(() => validate(value));
      }),
      { numRuns: 1500 },
    );
  });

  it('every validator on values decoded from random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        let value: unknown;
        try {
          value = decodeValue(bytes);
        } catch {
          return;
        }
        for (const [, validate] of validators) onlyInvalidMessage(() => validate(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('every validator on random MessagePack round trips', () => {
    fc.assert(
      fc.property(fc.oneof(decodedLike, nearHeader), (value) => {
        let bytes: Uint8Array;
        try {
          bytes = encodeValue(value);
        } catch {
          return; // not encodable (a bigint beyond 64 bits): the sender's problem, not the wire's
        }
        const decoded = decodeValue(bytes);
        for (const [, validate] of validators) onlyInvalidMessage(() => validate(decoded));
      }),
      { numRuns: 800 },
    );
  });

  it('headers round-trip through MessagePack', () => {
    const typeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    const header: fc.Arbitrary<Header> = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), id: fc.nat(), type: typeName }),
      fc.record({ kind: fc.constant('one-way' as const), type: typeName }),
      fc.record({ kind: fc.constant('notification' as const), type: typeName }),
      fc.record({
        kind: fc.constantFrom('subscribe' as const, 'reply' as const, 'subscribed' as const),
        id: fc.nat(),
      }),
      fc.record({
        kind: fc.constant('error' as const),
        id: fc.nat(),
        code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,30}$/),
        message: fc.string({ maxLength: 100 }),
      }),
    );
    fc.assert(
      fc.property(header, (h) => {
        expect(validateHeader(decodeValue(encodeValue(h)))).toEqual(h);
      }),
    );
  });

  it('FrameReader on random byte streams throws only protocol errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 300 }),
        async (chunks, maxBytes) => {
          const [a, b] = await streamPair();
          const reader = new FrameReader(b, { highWaterBytes: 16 });
          for (const chunk of chunks) a.send(chunk);
          await a.close();
          try {
            for (let i = 0; i < 300 && !(await reader.atEnd()); i++) await reader.read(maxBytes);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
            expect(['PROTOCOL_INVALID_MESSAGE', 'PROTOCOL_FRAME_TOO_LARGE']).toContain(
              (err as ProtocolError).code,
            );
          } finally {
            reader.release();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('FrameReader reads back any sequence of framed values however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string(), fc.integer(), fc.uint8Array({ maxLength: 500 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 200 }),
        async (values, step) => {
          const [a, b] = await streamPair();
          const reader = new FrameReader(b, { highWaterBytes: 64 });
          const bytes = frameBytes(values.map(encodeValue));
          for (let i = 0; i < bytes.length; i += step) a.send(bytes.slice(i, i + step));
          await a.close();
          for (const v of values) expect(await reader.read(4096)).toEqual(v);
          expect(await reader.atEnd()).toBe(true);
          reader.release();
        },
      ),
      { numRuns: 100 },
    );
  });
});
