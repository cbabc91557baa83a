/**
 * Signing and verifying announcements (spec §7; docs/adr/0003-introducer-announcements.md).
 *
 * A server signs the fixed layout of `signed-layout.ts` with its libp2p node key (ed25519).
 * Anyone verifies with the public key inside the announced peer id, so neither the introducer
 * nor a cache can alter an announcement; they can only drop or withhold it (as in Tahoe).
 * @packageDocumentation
 */
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Announcement, SignedAnnouncement } from '@tessera/protocol';
import { DEFAULT_ANNOUNCEMENT_TTL_MS, MAX_CLOCK_SKEW_MS } from './constants.ts';
import { withPeerId } from './dialable-addrs.ts';
import {
  AnnouncementExpiredError,
  AnnouncementFromFutureError,
  BadSignatureError,
  InvalidAnnouncementError,
  WrongPublisherError,
} from './errors.ts';
import { announcementSigningBytes } from './signed-layout.ts';

/** The bytes that place a server on the permuted ring: its peer id's multihash (spec §4.1). */
export function permutationSeedOf(peerId: PeerId | string): Uint8Array {
  const id = typeof peerId === 'string' ? peerIdFromString(peerId) : peerId;
  return new Uint8Array(id.toMultihash().bytes);
}

/** What a server says about itself; the rest of an announcement is derived or counted. */
export interface AnnouncementFields {
  /** Multiaddrs to dial; `/p2p/<peerId>` is appended where missing. */
  addrs: readonly string[];
  nickname: string;
  version: string;
  availableSpace: number;
  readOnly?: boolean;
  seqnum: number;
  /** Milliseconds since the Unix epoch; now by default. */
  issuedAt?: number;
}

/**
 * Builds and signs the announcement of the node whose key is `privateKey`.
 * @throws {RangeError} for an address that is not a multiaddr or names another peer, or a
 * number field that is not a non-negative safe integer
 * @example
 * ```ts
 * const signed = await signAnnouncement(privateKey, {
 *   addrs: node.getMultiaddrs().map(String), nickname: 'alpha', version: 'tessera/0.1.0',
 *   availableSpace: 10e9, seqnum: 1,
 * });
 * ```
 */
export async function signAnnouncement(
  privateKey: PrivateKey,
  fields: AnnouncementFields,
  options: { signal?: AbortSignal } = {},
): Promise<SignedAnnouncement> {
  const peerId = peerIdFromPrivateKey(privateKey);
  const id = peerId.toString();
  const announcement: Announcement = {
    peerId: id,
    addrs: [...new Set(fields.addrs.map((a) => withPeerId(a, id)))],
    nickname: fields.nickname,
    version: fields.version,
    availableSpace: fields.availableSpace,
    readOnly: fields.readOnly ?? false,
    seqnum: fields.seqnum,
    permutationSeed: permutationSeedOf(peerId),
    issuedAt: fields.issuedAt ?? Date.now(),
  };
  const signature = await privateKey.sign(announcementSigningBytes(announcement), options);
  return { announcement, signature: new Uint8Array(signature) }; // a plain copy, not a Buffer
}

/** Options of {@link verifyAnnouncement}. */
export interface VerifyOptions {
  /** The current time, ms since the epoch (default `Date.now()`). */
  now?: number;
  /** Announcements issued longer ago are expired (default 7 days; `Infinity` for never). */
  ttlMs?: number;
  /** How far in the future `issuedAt` may be (default 1 day). */
  maxClockSkewMs?: number;
  /** When given, the peer that delivered it, which must be the announced peer. */
  publisher?: string;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkAddrs(id: string, addrs: readonly string[]): void {
  const seen = new Set<string>();
  for (const addr of addrs) {
    let canonical: string;
    let last;
    try {
      const ma = multiaddr(addr);
      canonical = ma.toString();
      last = ma.getComponents().at(-1);
    } catch (err) {
      throw new InvalidAnnouncementError(
        id,
        `Cannot accept announcement of "${id}": "${addr}" is not a multiaddr`,
        { cause: err },
      );
    }
    if (canonical !== addr) {
      throw new InvalidAnnouncementError(
        id,
        `Cannot accept announcement of "${id}": "${addr}" is not in canonical form`,
      );
    }
    if (last?.name !== 'p2p' || last.value !== id) {
      throw new InvalidAnnouncementError(
        id,
        `Cannot accept announcement of "${id}": "${addr}" does not end in its /p2p/ id`,
      );
    }
    if (seen.has(addr)) {
      throw new InvalidAnnouncementError(
        id,
        `Cannot accept announcement of "${id}": "${addr}" is listed twice`,
      );
    }
    seen.add(addr);
  }
}

/**
 * Checks that a (shape-validated) signed announcement is genuine and current, and returns its
 * announcement. Checks, in order: the peer id is a canonical ed25519 peer id; it is the
 * publisher's (when given); the permutation seed is the peer id's multihash; every address is a
 * canonical multiaddr ending in `/p2p/<peerId>`, none twice; `issuedAt` is neither too far in
 * the future nor older than the TTL; the signature verifies with the peer id's key.
 * @throws {InvalidAnnouncementError} `INTRODUCER_INVALID_ANNOUNCEMENT`
 * @throws {WrongPublisherError} `INTRODUCER_WRONG_PUBLISHER`
 * @throws {AnnouncementFromFutureError} `INTRODUCER_ANNOUNCEMENT_FROM_FUTURE`
 * @throws {AnnouncementExpiredError} `INTRODUCER_ANNOUNCEMENT_EXPIRED`
 * @throws {BadSignatureError} `INTRODUCER_BAD_SIGNATURE`
 * @example
 * ```ts
 * const announcement = await verifyAnnouncement(validateSignedAnnouncement(decoded));
 * ```
 */
export async function verifyAnnouncement(
  signed: SignedAnnouncement,
  options: VerifyOptions = {},
): Promise<Announcement> {
  const a = signed.announcement;
  const id = a.peerId;
  let peerId;
  try {
    peerId = peerIdFromString(id);
  } catch (err) {
    throw new InvalidAnnouncementError(id, `Cannot accept announcement of "${id}": not a peer id`, {
      cause: err,
    });
  }
  if (peerId.type !== 'Ed25519' || peerId.toString() !== id) {
    throw new InvalidAnnouncementError(
      id,
      `Cannot accept announcement of "${id}": not a canonical ed25519 peer id`,
    );
  }
  if (options.publisher !== undefined && options.publisher !== id) {
    throw new WrongPublisherError(id, options.publisher);
  }
  if (!bytesEqual(a.permutationSeed, peerId.toMultihash().bytes)) {
    throw new InvalidAnnouncementError(
      id,
      `Cannot accept announcement of "${id}": the permutation seed is not its peer id`,
    );
  }
  checkAddrs(id, a.addrs);
  const now = options.now ?? Date.now();
  if (a.issuedAt > now + (options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS)) {
    throw new AnnouncementFromFutureError(id, a.issuedAt, now);
  }
  const ttlMs = options.ttlMs ?? DEFAULT_ANNOUNCEMENT_TTL_MS;
  if (isExpired(a, now, ttlMs)) throw new AnnouncementExpiredError(id, a.issuedAt, ttlMs);
  let ok = false;
  try {
    ok = await peerId.publicKey.verify(announcementSigningBytes(a), signed.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new BadSignatureError(id);
  return a;
}

/** True when `a` was issued `ttlMs` or longer before `now`. */
export function isExpired(a: Announcement, now: number, ttlMs: number): boolean {
  return a.issuedAt + ttlMs <= now;
}

/**
 * A copy whose byte fields are plain `Uint8Array`s of their own: decoded `bin` values may be
 * views into a large receive buffer, which a long-lived table should not keep alive.
 */
export function detachSignedAnnouncement(s: SignedAnnouncement): SignedAnnouncement {
  return {
    announcement: {
      ...s.announcement,
      addrs: [...s.announcement.addrs],
      permutationSeed: Uint8Array.from(s.announcement.permutationSeed),
    },
    signature: Uint8Array.from(s.signature),
  };
}

/** True when two signed announcements are the same bytes (layout and signature). */
export function sameSignedAnnouncement(a: SignedAnnouncement, b: SignedAnnouncement): boolean {
  return (
    bytesEqual(a.signature, b.signature) &&
    bytesEqual(announcementSigningBytes(a.announcement), announcementSigningBytes(b.announcement))
  );
}
