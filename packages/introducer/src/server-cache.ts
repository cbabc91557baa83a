/**
 * The server directory's cache file (spec §7: Tahoe's `private/introducer_*cache.yaml`), so a
 * client still finds servers while every introducer is down. UTF-8 JSON, written atomically:
 *
 * ```json
 * {
 *   "version": 1,
 *   "savedAt": 1763900000000,
 *   "encodings": { "<introducer peer id>": { "sharesNeeded": 3, "sharesHappy": 7, "sharesTotal": 10 } },
 *   "announcements": [
 *     { "announcement": { "peerId": "12D3KooW…", "addrs": ["/ip4/…/tcp/…/p2p/12D3KooW…"],
 *         "nickname": "alpha", "version": "tessera/0.1.0", "availableSpace": 1000000,
 *         "readOnly": false, "seqnum": 7, "permutationSeed": "<base64>", "issuedAt": 1763900000000 },
 *       "signature": "<base64>" }
 *   ]
 * }
 * ```
 *
 * Entries are signed announcements as received; the directory verifies each again when it
 * loads the file, so an edited entry is dropped, never trusted.
 * @packageDocumentation
 */
import { validateRecommendedEncoding, validateSignedAnnouncement } from '@tessera/protocol';
import type { RecommendedEncoding, SignedAnnouncement } from '@tessera/protocol';
import { openIfExists, writeFileAtomic } from './atomic-file.ts';
import { MAX_SERVER_CACHE_BYTES, SERVER_CACHE_VERSION } from './constants.ts';
import { InvalidServerCacheError } from './errors.ts';

/** What a cache file holds. */
export interface ServerCache {
  /** Shape-validated signed announcements (not yet verified). */
  announcements: SignedAnnouncement[];
  /** Recommended encodings, by introducer peer id. */
  encodings: Map<string, RecommendedEncoding>;
}

/** A parsed cache and how many of its entries were malformed and dropped. */
export interface ParsedServerCache extends ServerCache {
  dropped: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(value: unknown): unknown {
  if (typeof value !== 'string' || !BASE64.test(value)) return value; // the validator rejects it
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON text of a cache file. */
export function encodeServerCache(cache: ServerCache, savedAt = Date.now()): string {
  const encodings: Record<string, RecommendedEncoding> = {};
  for (const [id, e] of cache.encodings) encodings[id] = e;
  const announcements = cache.announcements.map((s) => ({
    announcement: {
      ...s.announcement,
      permutationSeed: toBase64(s.announcement.permutationSeed),
    },
    signature: toBase64(s.signature),
  }));
  return `${JSON.stringify({ version: SERVER_CACHE_VERSION, savedAt, encodings, announcements }, null, 1)}\n`;
}

/**
 * Parses a cache file's text. Malformed entries are dropped and counted; a file that is not a
 * cache at all throws.
 * @throws {InvalidServerCacheError} `INTRODUCER_BAD_CACHE`
 */
export function parseServerCache(text: string, path = '(memory)'): ParsedServerCache {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidServerCacheError(path, 'not JSON', { cause: err });
  }
  if (!isRecord(raw)) throw new InvalidServerCacheError(path, 'not a JSON object');
  if (raw.version !== SERVER_CACHE_VERSION) {
    throw new InvalidServerCacheError(path, `unknown version ${JSON.stringify(raw.version) ?? ''}`);
  }
  const list: unknown = Object.hasOwn(raw, 'announcements') ? raw.announcements : [];
  if (!Array.isArray(list))
    throw new InvalidServerCacheError(path, '"announcements" is not a list');
  const encodingsRaw: unknown = Object.hasOwn(raw, 'encodings') ? raw.encodings : {};
  if (!isRecord(encodingsRaw))
    throw new InvalidServerCacheError(path, '"encodings" is not an object');
  let dropped = 0;
  const announcements: SignedAnnouncement[] = [];
  for (const entry of list as unknown[]) {
    try {
      if (!isRecord(entry) || !isRecord(entry.announcement)) throw new TypeError('not an entry');
      const wire = {
        announcement: {
          ...entry.announcement,
          permutationSeed: fromBase64(entry.announcement.permutationSeed),
        },
        signature: fromBase64(entry.signature),
      };
      announcements.push(validateSignedAnnouncement(wire, 'cache.announcements[]'));
    } catch {
      dropped++;
    }
  }
  const encodings = new Map<string, RecommendedEncoding>();
  for (const [id, e] of Object.entries(encodingsRaw)) {
    try {
      encodings.set(id, validateRecommendedEncoding(e));
    } catch {
      dropped++;
    }
  }
  return { announcements, encodings, dropped };
}

/**
 * Reads a cache file; undefined when there is none.
 * @throws {InvalidServerCacheError} `INTRODUCER_BAD_CACHE` for a file that is not a cache
 * @throws the file system's error when the file exists but cannot be read
 */
export async function readServerCache(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<ParsedServerCache | undefined> {
  options.signal?.throwIfAborted();
  const handle = await openIfExists(path);
  if (handle === undefined) return undefined;
  try {
    const { size } = await handle.stat();
    if (size > MAX_SERVER_CACHE_BYTES) {
      throw new InvalidServerCacheError(path, `${size} bytes exceeds ${MAX_SERVER_CACHE_BYTES}`);
    }
    return parseServerCache(
      await handle.readFile({ encoding: 'utf8', signal: options.signal }),
      path,
    );
  } finally {
    await handle.close();
  }
}

/**
 * Writes a cache file atomically (mode 0600: it tells who is in the grid).
 * @throws the file system's error
 */
export async function writeServerCache(
  path: string,
  cache: ServerCache,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await writeFileAtomic(path, encodeServerCache(cache), { mode: 0o600, signal: options.signal });
}
