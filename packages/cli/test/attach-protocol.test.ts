import { describe, expect, it } from 'vitest';
import {
  ATTACH_PROTOCOL_VERSION,
  ATTACHED_COMMANDS,
  attachableCommand,
  cliSocketPath,
  decodeHeader,
  encodeChunks,
  encodeExit,
  encodeFrame,
  encodeHeader,
  encodeInterrupt,
  encodeRefuse,
  FrameDecoder,
  FrameType,
  MAX_CHUNK_BYTES,
  MAX_HEADER_BYTES,
  type AttachHeader,
} from '../src/attach-protocol.ts';
import { ATTACHED_COMMAND_LIST } from '../src/attach-server.ts';

const header: AttachHeader = {
  version: ATTACH_PROTOCOL_VERSION,
  argv: ['-d', 'dir', 'put', 'file', 'é ✓'],
  cwd: '/home/u',
  stdoutIsTTY: false,
  stderrIsTTY: true,
  columns: 80,
  env: { TESSERA_NODE_DIR: '/x', HOME: '/home/u' },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

function headerPayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('attach frames', () => {
  it('round-trips every frame kind, whole or split at every byte', () => {
    const frames = [
      encodeHeader(header),
      encodeFrame(FrameType.STDIN, Buffer.from('abc')),
      encodeFrame(FrameType.STDIN),
      encodeFrame(FrameType.STDIN_END),
      encodeInterrupt('SIGINT'),
    ];
    const bytes = Buffer.concat(frames);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder('cli');
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(got.map((f) => f.type)).toEqual([
        FrameType.HEADER,
        FrameType.STDIN,
        FrameType.STDIN,
        FrameType.STDIN_END,
        FrameType.INTERRUPT,
      ]);
      expect(decodeHeader(got[0].payload)).toEqual(header);
      expect(got[1].payload.toString()).toBe('abc');
      expect(got[4].payload.toString()).toBe('SIGINT');
    }
  });

  it('decodes the node side, byte by byte', () => {
    const bytes = Buffer.concat([
      encodeFrame(FrameType.ACCEPT),
      encodeFrame(FrameType.STDOUT, Buffer.from('out')),
      encodeFrame(FrameType.STDERR, Buffer.from('err')),
      encodeFrame(FrameType.STDIN_WANTED),
      encodeExit(2),
    ]);
    const d = new FrameDecoder('node');
    const got = [];
    for (const b of bytes) got.push(...d.push(Uint8Array.of(b)));
    expect(got.map((f) => [f.type, f.payload.toString('latin1')])).toEqual([
      [FrameType.ACCEPT, ''],
      [FrameType.STDOUT, 'out'],
      [FrameType.STDERR, 'err'],
      [FrameType.STDIN_WANTED, ''],
      [FrameType.EXIT, '\x02'],
    ]);
    expect(new FrameDecoder('node').push(encodeRefuse('x'.repeat(5000)))[0].payload.length).toBe(
      1024,
    );
  });

  it('splits big chunks and sends none for empty data', () => {
    const data = Buffer.alloc(2 * MAX_CHUNK_BYTES + 1, 7);
    const frames = encodeChunks(FrameType.STDOUT, data);
    expect(frames.map((f) => f.length - 5)).toEqual([MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 1]);
    expect(encodeChunks(FrameType.STDOUT, new Uint8Array(0))).toEqual([]);
  });

  it('rejects frames of the other side, unknown types and sizes out of limits at the prefix', () => {
    const cases: [Buffer, 'cli' | 'node'][] = [
      [encodeFrame(FrameType.ACCEPT), 'cli'],
      [encodeFrame(FrameType.HEADER, Buffer.from('{}')), 'node'],
      [Buffer.from([99, 0, 0, 0, 0]), 'cli'],
      [Buffer.from([FrameType.STDIN_END, 0, 0, 0, 1]), 'cli'],
      [Buffer.from([FrameType.EXIT, 0, 0, 0, 0]), 'node'],
      // A huge length is refused before any payload arrives: nothing is buffered for it.
      [Buffer.from([FrameType.HEADER, 0xff, 0xff, 0xff, 0xff]), 'cli'],
      [Buffer.from([FrameType.STDOUT, 0, 0x10, 0, 1]), 'node'],
    ];
    for (const [bytes, from] of cases) {
      const d = new FrameDecoder(from);
      expect(codeOf(() => d.push(bytes))).toBe('CLI_ATTACH_PROTOCOL');
      // Once broken, it stays broken.
      expect(codeOf(() => d.push(encodeFrame(FrameType.STDIN_END)))).toBe('CLI_ATTACH_PROTOCOL');
    }
    expect(
      codeOf(() => new FrameDecoder('cli').push(Buffer.from([FrameType.HEADER, 0, 0, 0, 0]))),
    ).toBe('CLI_ATTACH_PROTOCOL');
    const big = Buffer.alloc(5);
    big[0] = FrameType.HEADER;
    big.writeUInt32BE(MAX_HEADER_BYTES + 1, 1);
    expect(codeOf(() => new FrameDecoder('cli').push(big))).toBe('CLI_ATTACH_PROTOCOL');
  });

  it('refuses bad exit codes and signal names when encoding', () => {
    expect(() => encodeExit(256)).toThrow(RangeError);
    expect(() => encodeExit(-1)).toThrow(RangeError);
    expect(() => encodeInterrupt('')).toThrow(RangeError);
  });
});

describe('attach header', () => {
  it('accepts a valid header and keeps only what it knows', () => {
    expect(decodeHeader(headerPayload({ ...header, extra: 1 }))).toEqual(header);
    expect(decodeHeader(headerPayload({ ...header, columns: null, env: {} })).columns).toBe(null);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['an array', headerPayload([])],
    ['another version', headerPayload({ ...header, version: 2 })],
    ['argv not an array', headerPayload({ ...header, argv: 'put' })],
    ['a non-string arg', headerPayload({ ...header, argv: ['put', 1] })],
    ['a NUL in an arg', headerPayload({ ...header, argv: ['put', 'a\0b'] })],
    ['a relative cwd', headerPayload({ ...header, cwd: 'home' })],
    ['a TTY flag not boolean', headerPayload({ ...header, stderrIsTTY: 1 })],
    ['fractional columns', headerPayload({ ...header, columns: 1.5 })],
    ['zero columns', headerPayload({ ...header, columns: 0 })],
    ['an env var not forwarded', headerPayload({ ...header, env: { PATH: '/bin' } })],
    [
      '__proto__ in env',
      Buffer.from(
        `{"version":1,"argv":[],"cwd":"/","stdoutIsTTY":false,"stderrIsTTY":false,"columns":null,"env":{"__proto__":"x"}}`,
      ),
    ],
    ['an env value not a string', headerPayload({ ...header, env: { HOME: 1 } })],
  ])('refuses %s', (_, payload) => {
    expect(codeOf(() => decodeHeader(payload))).toBe('CLI_ATTACH_PROTOCOL');
  });
});

describe('which commands attach', () => {
  const env = { HOME: '/home/u' };

  it('names the same commands on both sides', () => {
    expect(ATTACHED_COMMAND_LIST.map((c) => c.name)).toEqual([...ATTACHED_COMMANDS]);
  });

  it('resolves the node directory as main does', () => {
    expect(attachableCommand(['put', 'f'], env, '/w')).toEqual({
      command: 'put',
      nodeDir: '/home/u/.tessera',
    });
    expect(attachableCommand(['-d', 'c', 'get', 'URI:x'], env, '/w')?.nodeDir).toBe('/w/c');
    expect(attachableCommand(['get', 'URI:x', '--node-dir', '../c'], env, '/w/x')?.nodeDir).toBe(
      '/w/c',
    );
    expect(attachableCommand(['--node-dir=/c', 'servers'], env, '/w')?.nodeDir).toBe('/c');
    expect(attachableCommand(['servers'], { ...env, TESSERA_NODE_DIR: 'rel' }, '/w')?.nodeDir).toBe(
      '/w/rel',
    );
  });

  it('declines other commands, help and usage errors', () => {
    for (const argv of [
      [],
      ['run', 'dir'],
      ['debug', 'chk-cap', 'f'],
      ['grid', 'up'],
      ['help', 'put'],
      ['put', '--help'],
      ['-h', 'get', 'URI:x'],
      ['put', '-d'],
      ['--', 'put'],
    ]) {
      expect(attachableCommand(argv, env, '/w')).toBeUndefined();
    }
  });

  it('uses no socket whose path is too long for a Unix socket', () => {
    expect(cliSocketPath('/a/b')).toBe('/a/b/private/cli.sock');
    const dir = `/${'d'.repeat(107 - '/private/cli.sock'.length - 1)}`;
    expect(cliSocketPath(dir)).toHaveLength(107);
    expect(cliSocketPath(`${dir}x`)).toBeUndefined();
  });
});
