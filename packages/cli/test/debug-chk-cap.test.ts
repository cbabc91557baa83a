import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { base32Encode } from '@tessera/caps';
import {
  describeVectors,
  loadTahoeVectors,
  stretch,
  TAHOE_VECTORS_FILE,
} from '../../caps/test/vectors.ts';
import { run } from './run.ts';

const bin = resolve(import.meta.dirname, '../dist/bundle/tessera.mjs');
const dir = mkdtempSync(join(tmpdir(), 'tessera-chk-cap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE_CAP =
  'URI:CHK:yo75evk4cte3b7rdw72zxvl5ye:ex6h7ff7nclucjtsqwgwu33qgmb67t4ezbrki4zbgurwn2ct6bbq:3:10:4096';
const aaaa = base32Encode(new TextEncoder().encode('aaaaaaaaaaaaaaaa'));

function file(name: string, data: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

describe('tessera debug chk-cap', () => {
  it('prints the spec example cap (spec §2.9)', async () => {
    const f = file('c4096', 'c'.repeat(4096));
    const r = await run([
      'debug',
      'chk-cap',
      f,
      '--convergence',
      aaaa,
      '--max-segment-size',
      '131072',
    ]);
    expect(r).toEqual({ code: 0, stdout: `${EXAMPLE_CAP}\n`, stderr: '' });
    // SIZE suffixes work too, and -d may come before the command.
    const r2 = await run([
      '-d',
      dir,
      'debug',
      'chk-cap',
      f,
      '--convergence',
      aaaa,
      '--max-segment-size',
      '128KiB',
    ]);
    expect(r2.stdout).toBe(`${EXAMPLE_CAP}\n`);
  });

  it("uses the node directory's convergence secret and client config", async () => {
    const node = join(dir, 'node');
    mkdirSync(join(node, 'private'), { recursive: true });
    writeFileSync(join(node, 'private', 'convergence'), `${aaaa}\n`);
    writeFileSync(
      join(node, 'tessera.json'),
      JSON.stringify({
        version: 1,
        role: 'client',
        nickname: '',
        listen: [],
        announce: [],
        introducers: [],
        client: { maxSegmentSize: 131072 },
      }),
    );
    const f = file('c4096b', 'c'.repeat(4096));
    expect((await run(['debug', 'chk-cap', f, '-d', node])).stdout).toBe(`${EXAMPLE_CAP}\n`);
    expect((await run(['debug', 'chk-cap', f], { TESSERA_NODE_DIR: node })).stdout).toBe(
      `${EXAMPLE_CAP}\n`,
    );
  });

  it('prints JSON with --json', async () => {
    const f = file('c4096c', 'c'.repeat(4096));
    const r = await run([
      'debug',
      'chk-cap',
      f,
      '--convergence',
      aaaa,
      '--max-segment-size',
      '131072',
      '--json',
    ]);
    const parsed = JSON.parse(r.stdout) as { cap: string; verifyCap: string; size: number };
    expect(parsed.cap).toBe(EXAMPLE_CAP);
    expect(parsed.verifyCap).toMatch(/^URI:CHK-Verifier:45hlqo5ax24ne2o3oj7gnveqce:/);
    expect(parsed.size).toBe(4096);
  });

  it('gives a LIT cap for small files', async () => {
    const f = file('small', 'hello');
    expect((await run(['debug', 'chk-cap', f, '--convergence', aaaa])).stdout).toBe(
      `URI:LIT:${base32Encode(new TextEncoder().encode('hello'))}\n`,
    );
  });

  it.each([
    [['debug', 'chk-cap'], 2, 'takes 1 argument'],
    [['debug', 'chk-cap', 'x', '--convergence', 'NOT-BASE32'], 2, '--convergence'],
    [
      ['debug', 'chk-cap', 'x', '--convergence', aaaa, '--shares-needed', '0'],
      2,
      '--shares-needed',
    ],
    [
      ['debug', 'chk-cap', 'x', '--convergence', aaaa, '--shares-total', '257'],
      2,
      '--shares-total',
    ],
    [
      ['debug', 'chk-cap', 'x', '--convergence', aaaa, '--max-segment-size', '12Q'],
      2,
      '--max-segment-size',
    ],
    [['debug', 'chk-cap', 'x', '--bogus'], 2, 'bogus'],
    [['debug', 'chk-cap', join(dir, 'missing'), '--convergence', aaaa], 1, 'no such file'],
    [['debug', 'chk-cap', 'x', '-d', join(dir, 'empty-node')], 2, 'no --convergence'],
    [['nonsense'], 2, 'Unknown command'],
  ])('%j exits %i with a one-line error', async (argv, code, text) => {
    const r = await run(argv);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(/^tessera: .* \([A-Z_]+\)$/);
    expect(r.stderr).toContain(text);
  });

  it('has --help for every command', async () => {
    const r = await run(['debug', 'chk-cap', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tessera debug chk-cap LOCAL');
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('debug chk-cap');
  });

  it('runs as the bundled executable', async () => {
    const f = file('c4096d', 'c'.repeat(4096));
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      'debug',
      'chk-cap',
      f,
      '--convergence',
      aaaa,
      '--max-segment-size',
      '128KiB',
    ]);
    expect(stdout).toBe(`${EXAMPLE_CAP}\n`);
  });
});

describeVectors('Tahoe CHK vectors through tessera debug chk-cap', [TAHOE_VECTORS_FILE], () => {
  it('prints every expected cap from a file', { timeout: 300_000 }, async () => {
    const wrong: string[] = [];
    const vectors = loadTahoeVectors().vectors.filter((v) => v.kind === 'chk');
    expect(vectors).toHaveLength(120);
    for (const v of vectors) {
      const f = file(`v${v.index}`, stretch(v.sample.seed, v.sample.length));
      const r = await run([
        'debug',
        'chk-cap',
        f,
        '--convergence',
        base32Encode(new Uint8Array(Buffer.from(v.convergence, 'base64'))),
        '--shares-needed',
        String(v.zfec.required),
        '--shares-total',
        String(v.zfec.total),
        '--max-segment-size',
        String(v.zfec.segmentSize),
      ]);
      rmSync(f);
      if (r.stdout !== `${v.expected}\n`)
        wrong.push(`vector ${v.index}: ${r.stdout.trim()} ${r.stderr.trim()}`);
    }
    expect(wrong).toEqual([]);
  });
});
