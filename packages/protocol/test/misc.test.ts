import { describe, expect, it } from 'vitest';
import {
  ByteParts,
  InvalidMessageError,
  MAX_WRITE_DATA_BYTES,
  PROTOCOL_WIRE_ERROR_CODES,
  RemoteError,
  STORAGE_PROTOCOL,
  VERSION_PROTOCOL,
  WireError,
  createDeadline,
  defineService,
  fromWireError,
  protocolId,
  requestType,
  toWireError,
  validateAllocateBucketsReply,
  validateWriteReply,
  validateWriteRequest,
} from '../src/index.ts';
import { validateText } from './fixtures.ts';

describe('protocol ids', () => {
  it('are /tessera/<name>/<semver>', () => {
    expect(protocolId('storage', '1.0.0')).toBe('/tessera/storage/1.0.0');
    expect(STORAGE_PROTOCOL).toBe('/tessera/storage/1.0.0');
    expect(VERSION_PROTOCOL).toBe('/tessera/version/1.0.0');
    expect(() => protocolId('Storage', '1.0.0')).toThrow(RangeError);
    expect(() => protocolId('storage', '1.0')).toThrow(RangeError);
  });
});

describe('wire errors', () => {
  const allowed = new Set(['TEST_REFUSED']);

  it('send declared and protocol codes, hide everything else', () => {
    expect(toWireError(new WireError('TEST_REFUSED', 'Cannot: no'), allowed)).toEqual({
      code: 'TEST_REFUSED',
      message: 'Cannot: no',
    });
    expect(toWireError(new WireError('PROTOCOL_INVALID_MESSAGE', 'x'), allowed).code).toBe(
      'PROTOCOL_INVALID_MESSAGE',
    );
    expect(toWireError(new WireError('OTHER_CODE', 'secret'), allowed)).toEqual({
      code: 'PROTOCOL_INTERNAL_ERROR',
      message: 'Cannot answer request: internal error',
    });
    expect(toWireError(new Error('stack'), allowed).code).toBe('PROTOCOL_INTERNAL_ERROR');
    expect(toWireError('a string', allowed).code).toBe('PROTOCOL_INTERNAL_ERROR');
    expect(
      toWireError(new WireError('TEST_REFUSED', 'm'.repeat(5000)), allowed).message.length,
    ).toBeLessThanOrEqual(512);
  });

  it('map received codes, unknown ones to PROTOCOL_UNKNOWN_REMOTE_ERROR', () => {
    for (const code of PROTOCOL_WIRE_ERROR_CODES)
      expect(fromWireError({ code, message: '' }, allowed).code).toBe(code);
    const known = fromWireError({ code: 'TEST_REFUSED', message: 'Cannot: no' }, allowed);
    expect(known).toBeInstanceOf(RemoteError);
    expect(known).toMatchObject({
      code: 'TEST_REFUSED',
      remoteCode: 'TEST_REFUSED',
      message: 'Cannot: no',
    });
    expect(fromWireError({ code: 'NEW_THING', message: '' }, allowed)).toMatchObject({
      code: 'PROTOCOL_UNKNOWN_REMOTE_ERROR',
      remoteCode: 'NEW_THING',
    });
  });
});

describe('service definitions', () => {
  const echo = requestType({
    maxBytes: 10,
    maxReplyBytes: 10,
    validateRequest: validateText,
    validateReply: validateText,
  });

  it('refuse bad names, caps and codes', () => {
    const base = { name: 's', protocol: protocolId('s', '1.0.0') };
    expect(() => defineService({ ...base, messages: { Echo: echo } })).toThrow(RangeError);
    expect(() => defineService({ ...base, messages: { echo: { ...echo, maxBytes: 0 } } })).toThrow(
      RangeError,
    );
    expect(() =>
      defineService({ ...base, messages: { echo: { ...echo, maxReplyBytes: 2 ** 30 } } }),
    ).toThrow(RangeError);
    expect(() => defineService({ ...base, messages: { echo }, errorCodes: ['lower'] })).toThrow(
      RangeError,
    );
    expect(
      defineService({ ...base, messages: { echo }, errorCodes: ['S_X'] }).errorCodes.has('S_X'),
    ).toBe(true);
  });
});

describe('deadlines', () => {
  it('tell a timeout from a parent abort', async () => {
    const d = createDeadline(10);
    await new Promise((r) => setTimeout(r, 30));
    expect(d.signal.aborted && d.expired).toBe(true);
    const parent = new AbortController();
    const e = createDeadline(10_000, parent.signal);
    parent.abort(new Error('stop'));
    expect(e.signal.aborted && !e.expired).toBe(true);
    e.dispose();
    expect(() => createDeadline(0)).toThrow(RangeError);
  });
});

describe('polyfill', () => {
  it('provides Promise.withResolvers', async () => {
    await import('../src/polyfill.ts');
    const withResolvers: unknown = Reflect.get(Promise, 'withResolvers');
    if (typeof withResolvers !== 'function') throw new Error('Promise.withResolvers is missing');
    const resolvers: unknown = withResolvers.call(Promise);
    expect(resolvers).toHaveProperty('promise');
    expect(resolvers).toHaveProperty('resolve');
  });
});

describe('allocate-buckets reply', () => {
  it('reads resumed when present (1.1) and leaves it out when absent or nil (1.0)', () => {
    expect(
      validateAllocateBucketsReply({ alreadyHave: [1], allocated: [0, 2], resumed: [2] }),
    ).toEqual({ alreadyHave: [1], allocated: [0, 2], resumed: [2] });
    expect(validateAllocateBucketsReply({ alreadyHave: [], allocated: [0] })).toEqual({
      alreadyHave: [],
      allocated: [0],
    });
    expect(
      validateAllocateBucketsReply({ alreadyHave: [], allocated: [0], resumed: null }),
    ).toEqual({ alreadyHave: [], allocated: [0] });
    for (const resumed of ['0', [256], [1, 1], [-1], {}]) {
      expect(() =>
        validateAllocateBucketsReply({ alreadyHave: [], allocated: [0], resumed }),
      ).toThrow(InvalidMessageError);
    }
  });
});

describe('write request', () => {
  const bucket = {
    storageIndex: new Uint8Array(16),
    shareNum: 1,
    uploadSecret: new Uint8Array(32),
    offset: 0,
  };

  it('takes its data as ByteParts on the sending side, within the same limit', () => {
    const parts = new ByteParts([new Uint8Array(10), new Uint8Array(20)]);
    expect(validateWriteRequest({ ...bucket, data: parts }).data).toBe(parts);
    const big = new ByteParts([new Uint8Array(MAX_WRITE_DATA_BYTES), new Uint8Array(1)]);
    expect(() => validateWriteRequest({ ...bucket, data: big })).toThrow(InvalidMessageError);
    const bad = new ByteParts(['x' as unknown as Uint8Array]);
    expect(() => validateWriteRequest({ ...bucket, data: bad })).toThrow(InvalidMessageError);
  });

  it('reads close (1.2) as a boolean, and closed in the reply', () => {
    const data = new Uint8Array(3);
    expect(validateWriteRequest({ ...bucket, data, close: true }).close).toBe(true);
    expect(validateWriteRequest({ ...bucket, data, close: false })).not.toHaveProperty('close');
    expect(validateWriteRequest({ ...bucket, data })).not.toHaveProperty('close');
    expect(() => validateWriteRequest({ ...bucket, data, close: 1 })).toThrow(InvalidMessageError);
    expect(validateWriteReply({ written: 3, closed: true })).toEqual({ written: 3, closed: true });
    // a 1.1 server's reply
    expect(validateWriteReply({ written: 3 })).toEqual({ written: 3 });
    expect(() => validateWriteReply({ written: 3, closed: 'yes' })).toThrow(InvalidMessageError);
  });
});
