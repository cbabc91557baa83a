/**
 * Loads the Tahoe-LAFS test vectors (third-party data, never committed: STYLE §6) for any
 * package's tests. The folder is `../shared/tahoe-vectors/` beside the repository root, or
 * the directory named by `TESSERA_VECTORS`.
 *
 * Under `CI=true` a missing file fails the run; elsewhere suites skip with a note:
 *
 * ```ts
 * import { describeVectors, loadTahoeVectors } from '../../caps/test/vectors.ts';
 * describeVectors('CHK vectors', ['test_vectors.yaml'], () => { … });
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: packages/caps/test → three levels up. */
const repoRoot = resolve(here, '..', '..', '..');

/** The vectors directory in use. */
export const vectorsDir: string =
  process.env.TESSERA_VECTORS !== undefined && process.env.TESSERA_VECTORS !== ''
    ? resolve(process.env.TESSERA_VECTORS)
    : resolve(repoRoot, '..', 'shared', 'tahoe-vectors');

export const TAHOE_VECTORS_FILE = 'test_vectors.yaml';
export const DERIVED_INTERMEDIATES_FILE = 'derived-intermediates.json';
export const LEASE_VECTORS_FILE = 'lease-renewal-vectors.json';
const ALL_FILES = [TAHOE_VECTORS_FILE, DERIVED_INTERMEDIATES_FILE, LEASE_VECTORS_FILE];

const inCi = process.env.CI === 'true';

/** True when `file` exists in {@link vectorsDir}. */
export function vectorFileAvailable(file: string): boolean {
  return existsSync(join(vectorsDir, file));
}

/** True when all three vector files are present. */
export const vectorsAvailable: boolean = ALL_FILES.every(vectorFileAvailable);

const noted = new Set<string>();

/**
 * True when a suite needing `files` should be skipped: some file is missing and this is not
 * CI. Prints why, once per file. Under CI it is always false, so the loaders fail the run.
 */
export function skipVectors(files: readonly string[] = ALL_FILES): boolean {
  const missing = files.filter((f) => !vectorFileAvailable(f));
  if (missing.length === 0 || inCi) return false;
  for (const f of missing) {
    if (noted.has(f)) continue;
    noted.add(f);
    console.warn(
      `[tessera] skipping Tahoe vector tests: ${join(vectorsDir, f)} not found ` +
        '(put the vectors in ../shared/tahoe-vectors/ or set TESSERA_VECTORS; CI=true makes this fail)',
    );
  }
  return true;
}

/** `describe` that skips (with a note) when a vector file is missing outside CI. */
export function describeVectors(name: string, files: readonly string[], fn: () => void): void {
  describe.skipIf(skipVectors(files))(name, fn);
}

function readVectorFile(file: string): string {
  const path = join(vectorsDir, file);
  if (!existsSync(path)) {
    throw new Error(
      `Cannot load Tahoe vectors: ${path} not found (set TESSERA_VECTORS to the vectors directory)`,
    );
  }
  return readFileSync(path, 'utf8');
}

function fail(file: string, where: string, what: string): never {
  throw new Error(`Cannot load ${file}: ${where}: ${what}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(file: string, o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(file, where, `"${key}" is not a string`);
  return v;
}

function int(file: string, o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    fail(file, where, `"${key}" is not an integer`);
  }
  return v;
}

/** One entry of `test_vectors.yaml` (see the vectors README). */
export interface TahoeVector {
  readonly index: number;
  /** Base64 of the convergence secret. */
  readonly convergence: string;
  readonly expected: string;
  readonly kind: 'chk' | 'ssk';
  /** For `ssk`: `sdmf` or `mdmf`. */
  readonly mutableFormat?: 'sdmf' | 'mdmf';
  /** For `ssk`: the PKCS#1 PEM RSA-2048 private key. */
  readonly key?: string;
  readonly sample: { readonly seed: string; readonly length: number };
  readonly zfec: {
    readonly segmentSize: number;
    readonly required: number;
    readonly total: number;
  };
}

let tahoeCache: { version: string; vectors: TahoeVector[] } | undefined;

/** Parses `test_vectors.yaml` (cached). Throws when missing or malformed. */
export function loadTahoeVectors(): { version: string; vectors: TahoeVector[] } {
  if (tahoeCache !== undefined) return tahoeCache;
  const file = TAHOE_VECTORS_FILE;
  const doc: unknown = parse(readVectorFile(file));
  if (!isObject(doc) || !Array.isArray(doc.vector)) fail(file, 'top level', 'no "vector" list');
  const version = String(doc.version);
  const vectors = doc.vector.map((raw: unknown, index): TahoeVector => {
    const where = `vector ${index}`;
    if (!isObject(raw)) fail(file, where, 'not a mapping');
    const format = raw.format;
    const sample = raw.sample;
    const zfec = raw.zfec;
    if (!isObject(format) || !isObject(sample) || !isObject(zfec)) {
      fail(file, where, 'format, sample or zfec is not a mapping');
    }
    const kind = str(file, format, 'kind', where);
    if (kind !== 'chk' && kind !== 'ssk') fail(file, where, `unknown kind "${kind}"`);
    const base = {
      index,
      convergence: str(file, raw, 'convergence', where),
      expected: str(file, raw, 'expected', where),
      kind,
      sample: {
        seed: str(file, sample, 'seed', where),
        length: int(file, sample, 'length', where),
      },
      zfec: {
        segmentSize: int(file, zfec, 'segmentSize', where),
        required: int(file, zfec, 'required', where),
        total: int(file, zfec, 'total', where),
      },
    } as const;
    if (kind === 'chk') return base;
    const params = format.params;
    if (!isObject(params)) fail(file, where, 'ssk vector without params');
    const mutableFormat = str(file, params, 'format', where);
    if (mutableFormat !== 'sdmf' && mutableFormat !== 'mdmf') {
      fail(file, where, `unknown mutable format "${mutableFormat}"`);
    }
    return { ...base, mutableFormat, key: str(file, params, 'key', where) };
  });
  tahoeCache = { version, vectors };
  return tahoeCache;
}

/** A CHK entry of `derived-intermediates.json`. */
export interface DerivedChk {
  readonly index: number;
  readonly kind: 'chk';
  readonly expected: string;
  readonly size: number;
  readonly k: number;
  readonly n: number;
  readonly segmentSize: number;
  readonly numSegments: number;
  readonly tailSegmentSize: number;
  readonly paddedTailSize: number;
  readonly blockSize: number;
  readonly tailBlockSize: number;
  readonly shareDataSize: number;
  readonly encryptionKeyB32: string;
  readonly storageIndexB32: string;
  readonly uebHashB32: string;
  readonly uebHex: string;
}

/** An SDMF/MDMF entry of `derived-intermediates.json`. */
export interface DerivedSsk {
  readonly index: number;
  readonly kind: 'ssk';
  readonly expected: string;
  readonly format: 'sdmf' | 'mdmf';
  readonly pkcs8DerLength: number;
  readonly spkiDerLength: number;
  readonly writekeyB32: string;
  readonly readkeyB32: string;
  readonly storageIndexB32: string;
  readonly fingerprintB32: string;
  readonly readcap: string;
  readonly verifycap: string;
}

let derivedCache: (DerivedChk | DerivedSsk)[] | undefined;

/** Parses `derived-intermediates.json` (cached); entry `i` belongs to Tahoe vector `index`. */
export function loadDerivedIntermediates(): (DerivedChk | DerivedSsk)[] {
  if (derivedCache !== undefined) return derivedCache;
  const file = DERIVED_INTERMEDIATES_FILE;
  const doc: unknown = JSON.parse(readVectorFile(file));
  if (!isObject(doc) || !Array.isArray(doc.vectors)) fail(file, 'top level', 'no "vectors" list');
  derivedCache = doc.vectors.map((raw: unknown, i): DerivedChk | DerivedSsk => {
    const where = `entry ${i}`;
    if (!isObject(raw)) fail(file, where, 'not an object');
    const s = (key: string): string => str(file, raw, key, where);
    const n = (key: string): number => int(file, raw, key, where);
    const kind = s('kind');
    if (kind === 'chk') {
      return {
        index: n('index'),
        kind,
        expected: s('expected'),
        size: n('size'),
        k: n('k'),
        n: n('n'),
        segmentSize: n('segment_size'),
        numSegments: n('num_segments'),
        tailSegmentSize: n('tail_segment_size'),
        paddedTailSize: n('padded_tail_size'),
        blockSize: n('block_size'),
        tailBlockSize: n('tail_block_size'),
        shareDataSize: n('share_data_size'),
        encryptionKeyB32: s('encryption_key_b32'),
        storageIndexB32: s('storage_index_b32'),
        uebHashB32: s('ueb_hash_b32'),
        uebHex: s('ueb_hex'),
      };
    }
    if (kind !== 'ssk') fail(file, where, `unknown kind "${kind}"`);
    const format = s('format');
    if (format !== 'sdmf' && format !== 'mdmf') fail(file, where, `unknown format "${format}"`);
    return {
      index: n('index'),
      kind,
      expected: s('expected'),
      format,
      pkcs8DerLength: n('pkcs8_der_len'),
      spkiDerLength: n('spki_der_len'),
      writekeyB32: s('writekey_b32'),
      readkeyB32: s('readkey_b32'),
      storageIndexB32: s('storage_index_b32'),
      fingerprintB32: s('fingerprint_b32'),
      readcap: s('readcap'),
      verifycap: s('verifycap'),
    };
  });
  return derivedCache;
}

/** One entry of `lease-renewal-vectors.json` (all values base32). */
export interface LeaseVector {
  readonly leaseSecretB32: string;
  readonly storageIndexB32: string;
  readonly leaseSeedTubidB32: string;
  readonly expectedRenewalSecretB32: string;
}

/** Parses `lease-renewal-vectors.json`. */
export function loadLeaseVectors(): LeaseVector[] {
  const file = LEASE_VECTORS_FILE;
  const doc: unknown = JSON.parse(readVectorFile(file));
  if (!isObject(doc) || !Array.isArray(doc.vectors)) fail(file, 'top level', 'no "vectors" list');
  return doc.vectors.map((raw: unknown, i): LeaseVector => {
    const where = `entry ${i}`;
    if (!isObject(raw)) fail(file, where, 'not an object');
    return {
      leaseSecretB32: str(file, raw, 'lease_secret_b32', where),
      storageIndexB32: str(file, raw, 'storage_index_b32', where),
      leaseSeedTubidB32: str(file, raw, 'lease_seed_tubid_b32', where),
      expectedRenewalSecretB32: str(file, raw, 'expected_renewal_secret_b32', where),
    };
  });
}

/**
 * A vector's plaintext: the base64-decoded `seed` repeated and cut to `length` bytes
 * (Tahoe's `stretch`).
 */
export function stretch(seed: string | Uint8Array, length: number): Uint8Array {
  const unit = typeof seed === 'string' ? new Uint8Array(Buffer.from(seed, 'base64')) : seed;
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`Bad length ${length}`);
  const out = new Uint8Array(length);
  if (length === 0) return out;
  if (unit.length === 0) throw new RangeError('Cannot stretch an empty seed');
  let filled = Math.min(unit.length, length);
  out.set(unit.subarray(0, filled), 0);
  // Double the filled prefix each step: log2(length) copies.
  while (filled < length) {
    const n = Math.min(filled, length - filled);
    out.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}
