/**
 * Capability URIs of every kind (spec §2.11, §5.6, §6): a strict parser, a canonical
 * formatter, and the read-only / verify / storage-index derivations that need no network.
 *
 * A parsed cap is a discriminated union keyed by `kind`, which is the cap's prefix without
 * `URI:`, lower-cased (`URI:DIR2-MDMF-RO:` → `'dir2-mdmf-ro'`). Directory caps wrap the file
 * cap they are stored in (`file`), as Tahoe's `_DirectoryBaseURI` does.
 *
 * The parser is canonical: every accepted string formats back to itself, except that MDMF
 * caps may carry extension fields after the fingerprint, which Tahoe ignores and so do we
 * (spec §5.6). It is stricter than Tahoe in two harmless ways: numbers may not have leading
 * zeros (Tahoe writes none), and `URI:CHK-Verifier:` may not carry trailing text.
 *
 * Caps are secrets, so error messages name the field that is wrong and never quote it.
 */
import { base32Decode, base32Encode, base32Length } from './base32.ts';
import { HASH_LENGTH, KEY_LENGTH, STORAGE_INDEX_LENGTH, TAG } from './constants.ts';
import { MalformedCapError } from './errors.ts';
import { taggedHash } from './hash.ts';
import { readkeyFromWritekey, storageIndexFromReadkey } from './mutable-keys.ts';

/** `URI:CHK:` — the read cap of an immutable file (spec §2.11). */
export interface ChkCap {
  readonly kind: 'chk';
  /** AES-128 key (16 bytes). */
  readonly key: Uint8Array;
  /** `H[URI_EXTENSION](ueb)` (32 bytes). */
  readonly uebHash: Uint8Array;
  /** Shares needed to decode, k (1 ≤ k ≤ N). */
  readonly neededShares: number;
  /** Shares written, N (N ≤ 256). */
  readonly totalShares: number;
  /** Plaintext length in bytes. */
  readonly size: number;
}

/** `URI:CHK-Verifier:` — checks and repairs an immutable file without reading it. */
export interface ChkVerifierCap {
  readonly kind: 'chk-verifier';
  /** `H[CHK_KEY_TO_STORAGE_INDEX](key)[:16]`. */
  readonly storageIndex: Uint8Array;
  readonly uebHash: Uint8Array;
  readonly neededShares: number;
  readonly totalShares: number;
  readonly size: number;
}

/** `URI:LIT:` — a small file (≤ 55 bytes when Tahoe makes it) held in the cap itself. */
export interface LitCap {
  readonly kind: 'lit';
  readonly data: Uint8Array;
}

/** `URI:SSK:` — the write cap of an SDMF mutable file (spec §5.6). */
export interface SskCap {
  readonly kind: 'ssk';
  /** 16 bytes. */
  readonly writekey: Uint8Array;
  /** `H[MUTABLE_PUBKEY_TO_FINGERPRINT](spki)` (32 bytes). */
  readonly fingerprint: Uint8Array;
}

/** `URI:SSK-RO:` — the read cap of an SDMF mutable file. */
export interface SskReadCap {
  readonly kind: 'ssk-ro';
  readonly readkey: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** `URI:SSK-Verifier:` — the verify cap of an SDMF mutable file. */
export interface SskVerifierCap {
  readonly kind: 'ssk-verifier';
  readonly storageIndex: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** `URI:MDMF:` — the write cap of an MDMF mutable file. */
export interface MdmfCap {
  readonly kind: 'mdmf';
  readonly writekey: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** `URI:MDMF-RO:` — the read cap of an MDMF mutable file. */
export interface MdmfReadCap {
  readonly kind: 'mdmf-ro';
  readonly readkey: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** `URI:MDMF-Verifier:` — the verify cap of an MDMF mutable file. */
export interface MdmfVerifierCap {
  readonly kind: 'mdmf-verifier';
  readonly storageIndex: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** Every file cap. */
export type FileCap =
  | ChkCap
  | ChkVerifierCap
  | LitCap
  | SskCap
  | SskReadCap
  | SskVerifierCap
  | MdmfCap
  | MdmfReadCap
  | MdmfVerifierCap;

/** `URI:DIR2:` — a mutable (SDMF) directory, writable. */
export interface Dir2Cap {
  readonly kind: 'dir2';
  readonly file: SskCap;
}
/** `URI:DIR2-RO:` — a mutable (SDMF) directory, read-only. */
export interface Dir2ReadCap {
  readonly kind: 'dir2-ro';
  readonly file: SskReadCap;
}
/** `URI:DIR2-Verifier:` */
export interface Dir2VerifierCap {
  readonly kind: 'dir2-verifier';
  readonly file: SskVerifierCap;
}
/** `URI:DIR2-MDMF:` — a mutable (MDMF) directory, writable. */
export interface Dir2MdmfCap {
  readonly kind: 'dir2-mdmf';
  readonly file: MdmfCap;
}
/** `URI:DIR2-MDMF-RO:` */
export interface Dir2MdmfReadCap {
  readonly kind: 'dir2-mdmf-ro';
  readonly file: MdmfReadCap;
}
/** `URI:DIR2-MDMF-Verifier:` */
export interface Dir2MdmfVerifierCap {
  readonly kind: 'dir2-mdmf-verifier';
  readonly file: MdmfVerifierCap;
}
/** `URI:DIR2-CHK:` — an immutable directory stored as a CHK file. */
export interface Dir2ChkCap {
  readonly kind: 'dir2-chk';
  readonly file: ChkCap;
}
/** `URI:DIR2-CHK-Verifier:` */
export interface Dir2ChkVerifierCap {
  readonly kind: 'dir2-chk-verifier';
  readonly file: ChkVerifierCap;
}
/** `URI:DIR2-LIT:` — a small immutable directory held in the cap itself. */
export interface Dir2LitCap {
  readonly kind: 'dir2-lit';
  readonly file: LitCap;
}

/** Every directory cap. */
export type DirectoryCap =
  | Dir2Cap
  | Dir2ReadCap
  | Dir2VerifierCap
  | Dir2MdmfCap
  | Dir2MdmfReadCap
  | Dir2MdmfVerifierCap
  | Dir2ChkCap
  | Dir2ChkVerifierCap
  | Dir2LitCap;

/** Any capability. */
export type Cap = FileCap | DirectoryCap;
/** The `kind` of any capability. */
export type CapKind = Cap['kind'];
/** Caps that only verify (no read access). */
export type VerifierCap = Extract<Cap, { kind: `${string}verifier` }>;
/** Caps that read but do not write. */
export type ReadCap = Exclude<Cap, VerifierCap | SskCap | MdmfCap | Dir2Cap | Dir2MdmfCap>;

type FileKind = FileCap['kind'];
type DirKind = DirectoryCap['kind'];

/** The text prefix of each kind, `URI:` included, `:` included. */
export const CAP_PREFIX: Readonly<Record<CapKind, string>> = {
  chk: 'URI:CHK:',
  'chk-verifier': 'URI:CHK-Verifier:',
  lit: 'URI:LIT:',
  ssk: 'URI:SSK:',
  'ssk-ro': 'URI:SSK-RO:',
  'ssk-verifier': 'URI:SSK-Verifier:',
  mdmf: 'URI:MDMF:',
  'mdmf-ro': 'URI:MDMF-RO:',
  'mdmf-verifier': 'URI:MDMF-Verifier:',
  dir2: 'URI:DIR2:',
  'dir2-ro': 'URI:DIR2-RO:',
  'dir2-verifier': 'URI:DIR2-Verifier:',
  'dir2-mdmf': 'URI:DIR2-MDMF:',
  'dir2-mdmf-ro': 'URI:DIR2-MDMF-RO:',
  'dir2-mdmf-verifier': 'URI:DIR2-MDMF-Verifier:',
  'dir2-chk': 'URI:DIR2-CHK:',
  'dir2-chk-verifier': 'URI:DIR2-CHK-Verifier:',
  'dir2-lit': 'URI:DIR2-LIT:',
};

const DIR_INNER: Readonly<Record<DirKind, FileKind>> = {
  dir2: 'ssk',
  'dir2-ro': 'ssk-ro',
  'dir2-verifier': 'ssk-verifier',
  'dir2-mdmf': 'mdmf',
  'dir2-mdmf-ro': 'mdmf-ro',
  'dir2-mdmf-verifier': 'mdmf-verifier',
  'dir2-chk': 'chk',
  'dir2-chk-verifier': 'chk-verifier',
  'dir2-lit': 'lit',
};

const FILE_TO_DIR: Readonly<Record<FileKind, DirKind>> = {
  ssk: 'dir2',
  'ssk-ro': 'dir2-ro',
  'ssk-verifier': 'dir2-verifier',
  mdmf: 'dir2-mdmf',
  'mdmf-ro': 'dir2-mdmf-ro',
  'mdmf-verifier': 'dir2-mdmf-verifier',
  chk: 'dir2-chk',
  'chk-verifier': 'dir2-chk-verifier',
  lit: 'dir2-lit',
};

/** `URI:<NAME>:` → kind. */
const KIND_BY_NAME = new Map<string, CapKind>(
  (Object.entries(CAP_PREFIX) as [CapKind, string][]).map(([kind, prefix]) => [
    prefix.slice(4, -1),
    kind,
  ]),
);

/** Spec §2.1: zfec allows at most 256 shares. */
const MAX_SHARES = 256;
const BASE32_CHARS = /^[a-z2-7]*$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

function fail(label: string, detail: string): never {
  throw new MalformedCapError(`Cannot parse ${label} cap: ${detail}`);
}

/** Decodes one base32 field of exactly `bytes` bytes (or any length when `bytes` is undefined). */
function decodeField(label: string, name: string, text: string, bytes?: number): Uint8Array {
  if (bytes !== undefined && text.length !== base32Length(bytes)) {
    fail(
      label,
      `field "${name}" has ${text.length} characters, expected ${base32Length(bytes)} (base32 of ${bytes} bytes)`,
    );
  }
  if (!BASE32_CHARS.test(text)) {
    fail(label, `field "${name}" is not lower-case base32 (a character outside a-z, 2-7)`);
  }
  const n = Math.floor((text.length * 5) / 8);
  if (base32Length(n) !== text.length) {
    fail(label, `field "${name}" has an impossible base32 length ${text.length}`);
  }
  try {
    return base32Decode(text);
  } catch {
    // Spec §1.4: the last character must leave the unused low bits zero.
    return fail(label, `field "${name}" is not canonical base32 (non-zero trailing bits)`);
  }
}

function decodeNumber(label: string, name: string, text: string): number {
  if (text.length === 0) fail(label, `field "${name}" is empty`);
  if (!/^[0-9]+$/.test(text)) fail(label, `field "${name}" is not a decimal number`);
  if (text.length > 1 && text[0] === '0') fail(label, `field "${name}" has a leading zero`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    fail(label, `field "${name}" exceeds the largest supported value 2^53-1`);
  }
  return value;
}

function parseShareCounts(
  label: string,
  fields: string[],
): { neededShares: number; totalShares: number; size: number } {
  const k = decodeNumber(label, 'k', fields[2]);
  const n = decodeNumber(label, 'N', fields[3]);
  const size = decodeNumber(label, 'size', fields[4]);
  if (k < 1) fail(label, `k ${k} is below 1`);
  if (n > MAX_SHARES) fail(label, `N ${n} exceeds ${MAX_SHARES}`);
  if (k > n) fail(label, `k ${k} exceeds N ${n}`);
  return { neededShares: k, totalShares: n, size };
}

function expectFields(label: string, fields: string[], count: number, atLeast = false): void {
  if (atLeast ? fields.length < count : fields.length !== count) {
    fail(
      label,
      `expected ${atLeast ? 'at least ' : ''}${count} field${count === 1 ? '' : 's'} after the prefix, got ${fields.length}`,
    );
  }
}

/** Parses the text after a file kind's prefix. `label` names the outer cap in messages. */
function parseFileBody(kind: FileKind, body: string, label: string): FileCap {
  const fields = body.split(':');
  switch (kind) {
    case 'chk':
    case 'chk-verifier': {
      expectFields(label, fields, 5);
      const first =
        kind === 'chk'
          ? decodeField(label, 'key', fields[0], KEY_LENGTH)
          : decodeField(label, 'storage index', fields[0], STORAGE_INDEX_LENGTH);
      const uebHash = decodeField(label, 'UEB hash', fields[1], HASH_LENGTH);
      const counts = parseShareCounts(label, fields);
      return kind === 'chk'
        ? { kind, key: first, uebHash, ...counts }
        : { kind, storageIndex: first, uebHash, ...counts };
    }
    case 'lit':
      expectFields(label, fields, 1);
      return { kind, data: decodeField(label, 'data', fields[0]) };
    case 'ssk':
    case 'ssk-ro':
    case 'ssk-verifier':
    case 'mdmf':
    case 'mdmf-ro':
    case 'mdmf-verifier': {
      // Spec §5.6: MDMF caps may carry ignored `:<ext>` fields (1.9-era hints); SDMF may not.
      expectFields(label, fields, 2, kind.startsWith('mdmf'));
      const fingerprint = (): Uint8Array =>
        decodeField(label, 'fingerprint', fields[1], HASH_LENGTH);
      if (kind === 'ssk' || kind === 'mdmf') {
        const writekey = decodeField(label, 'writekey', fields[0], KEY_LENGTH);
        return { kind, writekey, fingerprint: fingerprint() };
      }
      if (kind === 'ssk-ro' || kind === 'mdmf-ro') {
        const readkey = decodeField(label, 'readkey', fields[0], KEY_LENGTH);
        return { kind, readkey, fingerprint: fingerprint() };
      }
      const storageIndex = decodeField(label, 'storage index', fields[0], STORAGE_INDEX_LENGTH);
      return { kind, storageIndex, fingerprint: fingerprint() };
    }
  }
}

/**
 * How an unknown type name shows in a message. A name may be a secret field glued on by a
 * missing ":", so it is quoted only when short and without a run of 8 base32 characters.
 */
function describeName(name: string): string {
  const known = [...KIND_BY_NAME.keys()]
    .filter((k) => name.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  if (known !== undefined) return ` starting with "URI:${known}" (is a ":" missing?)`;
  const looksSafe =
    /^[A-Za-z0-9-]{1,24}$/.test(name) && !/[a-z2-7]{8}/.test(name) && !/[A-Z2-7]{8}/.test(name);
  return looksSafe ? ` "URI:${name}:"` : '';
}

/**
 * Parses a capability string of any kind into a typed {@link Cap}. The text must be exactly
 * a cap: printable ASCII, no surrounding whitespace, no `ro.`/`imm.` prefix (for those see
 * {@link parseAllegedCap}). `size` ≤ 55 in a CHK cap and LIT data longer than 55 bytes are
 * accepted, as Tahoe's parser accepts them.
 *
 * @throws {MalformedCapError} CAPS_MALFORMED_CAP with a message naming the defect: unknown
 *   prefix, wrong field count, which field is bad base32 or has the wrong length, a number
 *   with a leading zero or beyond 2^53-1, k < 1, k > N or N > 256
 * @example
 * ```ts
 * const cap = parseCap('URI:LIT:nbswy3dp');
 * if (cap.kind === 'lit') console.log(new TextDecoder().decode(cap.data)); // "hello"
 * ```
 */
export function parseCap(text: string): Cap {
  if (typeof text !== 'string') throw new TypeError('parseCap expects a string');
  if (!PRINTABLE_ASCII.test(text)) {
    throw new MalformedCapError(
      'Cannot parse cap: it contains whitespace, a control character or a non-ASCII character',
    );
  }
  if (!text.startsWith('URI:')) {
    throw new MalformedCapError('Cannot parse cap: it does not start with "URI:"');
  }
  const colon = text.indexOf(':', 4);
  const name = colon < 0 ? text.slice(4) : text.slice(4, colon);
  const kind = colon < 0 ? undefined : KIND_BY_NAME.get(name);
  if (kind === undefined) {
    throw new MalformedCapError(
      colon < 0
        ? 'Cannot parse cap: no ":" after the cap type'
        : `Cannot parse cap: unknown prefix${describeName(name)}`,
    );
  }
  const body = text.slice(colon + 1);
  const label = `URI:${name}`;
  if (Object.hasOwn(DIR_INNER, kind)) {
    const file = parseFileBody(DIR_INNER[kind as DirKind], body, label);
    return { kind, file } as DirectoryCap;
  }
  return parseFileBody(kind as FileKind, body, label);
}

/** Where a cap string inside a directory claims to be weaker than its kind (spec §6). */
export type AllegedPrefix = 'ro' | 'imm';

/** A cap parsed by {@link parseAllegedCap}. */
export interface AllegedCap {
  readonly cap: Cap;
  /** The prefix that was stripped, if any. */
  readonly alleged: AllegedPrefix | undefined;
}

/**
 * Parses a cap that may carry the `ro.` (alleged read-only) or `imm.` (alleged immutable)
 * prefix found in directory entries (spec §6), mirroring Tahoe's `uri.from_string`: the
 * prefix is stripped, and a cap that contradicts it is rejected — a write cap under `ro.`;
 * a write cap or a mutable read cap under `imm.` or with `deepImmutable` set. Verify caps
 * pass either way, as in Tahoe.
 *
 * @throws {MalformedCapError} CAPS_MALFORMED_CAP as {@link parseCap}, or when the cap
 *   contradicts its prefix or the deep-immutable context
 * @example
 * ```ts
 * const { cap, alleged } = parseAllegedCap('ro.URI:SSK-RO:…');
 * ```
 */
export function parseAllegedCap(
  text: string,
  options: { deepImmutable?: boolean } = {},
): AllegedCap {
  if (typeof text !== 'string') throw new TypeError('parseAllegedCap expects a string');
  let alleged: AllegedPrefix | undefined;
  let rest = text;
  if (text.startsWith('imm.')) {
    alleged = 'imm';
    rest = text.slice(4);
  } else if (text.startsWith('ro.')) {
    alleged = 'ro';
    rest = text.slice(3);
  }
  const cap = parseCap(rest);
  const label = CAP_PREFIX[cap.kind].slice(0, -1);
  const mustBeImmutable = alleged === 'imm' || options.deepImmutable === true;
  if (mustBeImmutable && isMutable(cap) && !isVerifier(cap)) {
    throw new MalformedCapError(
      `Cannot use ${label} cap: a mutable cap is not allowed in an immutable context`,
    );
  }
  if (alleged === 'ro' && !isReadOnly(cap)) {
    throw new MalformedCapError(`Cannot use ${label} cap: a write cap is under an "ro." prefix`);
  }
  return { cap, alleged };
}

function formatFile(cap: FileCap, prefix: string): string {
  const b = base32Encode;
  switch (cap.kind) {
    case 'chk':
      return `${prefix}${b(cap.key)}:${b(cap.uebHash)}:${cap.neededShares}:${cap.totalShares}:${cap.size}`;
    case 'chk-verifier':
      return `${prefix}${b(cap.storageIndex)}:${b(cap.uebHash)}:${cap.neededShares}:${cap.totalShares}:${cap.size}`;
    case 'lit':
      return `${prefix}${b(cap.data)}`;
    case 'ssk':
    case 'mdmf':
      return `${prefix}${b(cap.writekey)}:${b(cap.fingerprint)}`;
    case 'ssk-ro':
    case 'mdmf-ro':
      return `${prefix}${b(cap.readkey)}:${b(cap.fingerprint)}`;
    case 'ssk-verifier':
    case 'mdmf-verifier':
      return `${prefix}${b(cap.storageIndex)}:${b(cap.fingerprint)}`;
  }
}

function checkBytes(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new RangeError(`Cannot format cap: ${what} must be ${length} bytes`);
  }
}

function checkFile(cap: FileCap): void {
  switch (cap.kind) {
    case 'chk':
    case 'chk-verifier': {
      checkBytes(cap.kind === 'chk' ? cap.key : cap.storageIndex, 16, 'key or storage index');
      checkBytes(cap.uebHash, HASH_LENGTH, 'UEB hash');
      const { neededShares: k, totalShares: n, size } = cap;
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new RangeError('Cannot format cap: size must be a safe non-negative integer');
      }
      if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || k > n || n > MAX_SHARES) {
        throw new RangeError(`Cannot format cap: need 1 <= k <= N <= 256, got k=${k} N=${n}`);
      }
      return;
    }
    case 'lit':
      if (!(cap.data instanceof Uint8Array)) throw new TypeError('LIT data must be a Uint8Array');
      return;
    case 'ssk':
    case 'mdmf':
      checkBytes(cap.writekey, KEY_LENGTH, 'writekey');
      return checkBytes(cap.fingerprint, HASH_LENGTH, 'fingerprint');
    case 'ssk-ro':
    case 'mdmf-ro':
      checkBytes(cap.readkey, KEY_LENGTH, 'readkey');
      return checkBytes(cap.fingerprint, HASH_LENGTH, 'fingerprint');
    case 'ssk-verifier':
    case 'mdmf-verifier':
      checkBytes(cap.storageIndex, STORAGE_INDEX_LENGTH, 'storage index');
      return checkBytes(cap.fingerprint, HASH_LENGTH, 'fingerprint');
  }
}

/**
 * Formats a cap in its one canonical text form (MDMF extension fields are never written).
 *
 * @throws {RangeError} when a field has the wrong length or a number is out of range
 *   (a programming error: parsed caps always format)
 * @throws {TypeError} for an unknown kind or a directory wrapping the wrong file kind
 * @example
 * ```ts
 * formatCap(parseCap(text)) === text; // for every cap without MDMF extensions
 * ```
 */
export function formatCap(cap: Cap): string {
  if (!Object.hasOwn(CAP_PREFIX, cap.kind)) throw new TypeError('Cannot format cap: unknown kind');
  if (isDirectory(cap)) {
    if (cap.file?.kind !== DIR_INNER[cap.kind]) {
      throw new TypeError(
        `Cannot format cap: a ${cap.kind} cap must wrap a ${DIR_INNER[cap.kind]} cap`,
      );
    }
    checkFile(cap.file);
    return formatFile(cap.file, CAP_PREFIX[cap.kind]);
  }
  checkFile(cap);
  return formatFile(cap, CAP_PREFIX[cap.kind]);
}

/** True for directory caps (`URI:DIR2…`). */
export function isDirectory(cap: Cap): cap is DirectoryCap {
  return cap.kind.startsWith('dir2');
}

/** True for verify caps (`…-Verifier:`), which grant no read access. */
export function isVerifier(cap: Cap): cap is VerifierCap {
  return cap.kind.endsWith('verifier');
}

/**
 * True when the cap names a mutable object (an SSK/MDMF slot), verify caps included.
 * This differs from Tahoe's `is_mutable()`, which is false for mutable verify caps; here
 * it answers "does the storage index name a mutable slot?".
 */
export function isMutable(cap: Cap): boolean {
  const file = isDirectory(cap) ? cap.file : cap;
  return file.kind.startsWith('ssk') || file.kind.startsWith('mdmf');
}

/** False only for write caps (`URI:SSK:`, `URI:MDMF:`, `URI:DIR2:`, `URI:DIR2-MDMF:`). */
export function isReadOnly(cap: Cap): boolean {
  const file = isDirectory(cap) ? cap.file : cap;
  return file.kind !== 'ssk' && file.kind !== 'mdmf';
}

/** Wraps a file cap as the directory cap of the same strength (Tahoe's `wrap_dirnode_cap`). */
export function wrapDirectory(file: FileCap): DirectoryCap {
  const kind = FILE_TO_DIR[file.kind];
  if (kind === undefined) throw new TypeError('Cannot wrap an unknown cap kind');
  return { kind, file } as DirectoryCap;
}

function chkStorageIndex(key: Uint8Array): Uint8Array {
  // Spec §2.4: SI = H[CHK_KEY_TO_STORAGE_INDEX](key)[:16].
  return taggedHash(TAG.CHK_KEY_TO_STORAGE_INDEX, key, STORAGE_INDEX_LENGTH);
}

function fileReadOnly(file: FileCap): FileCap | undefined {
  switch (file.kind) {
    case 'ssk':
      return {
        kind: 'ssk-ro',
        readkey: readkeyFromWritekey(file.writekey),
        fingerprint: file.fingerprint,
      };
    case 'mdmf':
      return {
        kind: 'mdmf-ro',
        readkey: readkeyFromWritekey(file.writekey),
        fingerprint: file.fingerprint,
      };
    case 'chk-verifier':
    case 'ssk-verifier':
    case 'mdmf-verifier':
      return undefined;
    default:
      return file;
  }
}

/**
 * The read-only form of a cap: write caps become read caps (writekey → readkey, spec §5.1),
 * read caps (CHK, LIT, `-RO`, immutable directories) come back unchanged, and verify caps give
 * `undefined` since they grant no read access.
 */
export function readOnlyCap(cap: SskCap): SskReadCap;
export function readOnlyCap(cap: MdmfCap): MdmfReadCap;
export function readOnlyCap(cap: Dir2Cap): Dir2ReadCap;
export function readOnlyCap(cap: Dir2MdmfCap): Dir2MdmfReadCap;
export function readOnlyCap(cap: VerifierCap): undefined;
export function readOnlyCap(cap: Cap): ReadCap | undefined;
export function readOnlyCap(cap: Cap): ReadCap | undefined {
  if (isDirectory(cap)) {
    const file = fileReadOnly(cap.file);
    if (file === cap.file) return cap as ReadCap;
    return file === undefined ? undefined : (wrapDirectory(file) as ReadCap);
  }
  return fileReadOnly(cap) as ReadCap | undefined;
}

function fileVerify(file: FileCap): FileCap | undefined {
  switch (file.kind) {
    case 'chk': {
      const { uebHash, neededShares, totalShares, size } = file;
      const storageIndex = chkStorageIndex(file.key);
      return { kind: 'chk-verifier', storageIndex, uebHash, neededShares, totalShares, size };
    }
    case 'lit':
      return undefined;
    case 'ssk':
    case 'mdmf':
    case 'ssk-ro':
    case 'mdmf-ro': {
      const readkey = 'writekey' in file ? readkeyFromWritekey(file.writekey) : file.readkey;
      const kind = file.kind.startsWith('ssk') ? 'ssk-verifier' : 'mdmf-verifier';
      return {
        kind,
        storageIndex: storageIndexFromReadkey(readkey),
        fingerprint: file.fingerprint,
      };
    }
    default:
      return file;
  }
}

/**
 * The verify cap of a cap, computed locally: CHK → `URI:CHK-Verifier:` with
 * SI = `H[CHK_KEY_TO_STORAGE_INDEX](key)[:16]`; SSK/MDMF write or read → `…-Verifier:`;
 * directories → the directory verifier; verify caps → themselves; LIT caps (file or
 * directory) → `undefined`, since nothing is stored.
 */
export function verifyCap(cap: ChkCap | ChkVerifierCap): ChkVerifierCap;
export function verifyCap(cap: SskCap | SskReadCap | SskVerifierCap): SskVerifierCap;
export function verifyCap(cap: MdmfCap | MdmfReadCap | MdmfVerifierCap): MdmfVerifierCap;
export function verifyCap(cap: LitCap | Dir2LitCap): undefined;
export function verifyCap(cap: Cap): VerifierCap | undefined;
export function verifyCap(cap: Cap): VerifierCap | undefined {
  if (isDirectory(cap)) {
    const file = fileVerify(cap.file);
    if (file === cap.file) return cap as VerifierCap;
    return file === undefined ? undefined : (wrapDirectory(file) as VerifierCap);
  }
  return fileVerify(cap) as VerifierCap | undefined;
}

/**
 * The 16-byte storage index the cap's shares live under, or `undefined` for LIT caps.
 * CHK: `H[CHK_KEY_TO_STORAGE_INDEX](key)[:16]`; mutable: from the readkey (spec §5.1).
 */
export function storageIndexOf(cap: Cap): Uint8Array | undefined {
  const verifier = verifyCap(cap);
  if (verifier === undefined) return undefined;
  return isDirectory(verifier) ? verifier.file.storageIndex : verifier.storageIndex;
}
