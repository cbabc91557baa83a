/**
 * The introducer's messages (`/tessera/introducer/1.0.0`, docs/PROTOCOL.md "Introducer
 * protocol"): storage servers `publish` signed announcements; clients subscribe and receive
 * `encoding` (the grid's recommended encoding) and `announcements` notifications.
 *
 * These validators check shape and bounds only. Whether an announcement is genuine (its
 * signature, its peer id, its permutation seed, its addresses) is checked by
 * `verifyAnnouncement` in `@tessera/introducer`, which also defines the signed byte layout
 * (docs/adr/0003-introducer-announcements.md): the signature never covers MessagePack bytes.
 * @packageDocumentation
 */
import { InvalidMessageError } from './errors.ts';
import { defineService, notificationType, requestType } from './messages.ts';
import { INTRODUCER_PROTOCOL } from './protocol-ids.ts';
import {
  expectArrayOf,
  expectBoolean,
  expectBytes,
  expectObject,
  expectOneOf,
  expectOptional,
  expectString,
  expectUint,
  field,
} from './validate.ts';

/** Most addresses in one announcement. */
export const MAX_ANNOUNCEMENT_ADDRS = 32;

/** Longest multiaddr string in an announcement, characters. */
export const MAX_ANNOUNCEMENT_ADDR_LENGTH = 256;

/** Longest nickname, characters. */
export const MAX_NICKNAME_LENGTH = 128;

/** Longest software version string (`tessera/0.1.0`), characters. */
export const MAX_SOFTWARE_VERSION_LENGTH = 128;

/** Longest peer id string, characters (an ed25519 peer id in base58btc has 52). */
export const MAX_PEER_ID_LENGTH = 128;

/** Largest permutation seed, bytes (an ed25519 peer id's multihash has 38). */
export const MAX_PERMUTATION_SEED_BYTES = 64;

/** Length of an ed25519 signature, bytes. */
export const ANNOUNCEMENT_SIGNATURE_BYTES = 64;

/** Most announcements in one `announcements` notification; a snapshot is sent in batches. */
export const MAX_ANNOUNCEMENTS_PER_NOTIFICATION = 64;

/** Cap of a `publish` request body (one signed announcement), bytes. */
export const MAX_SIGNED_ANNOUNCEMENT_BYTES = 32 * 1024;

/** Largest share count an encoding may name (zfec's limit, spec §2.1). */
export const MAX_ENCODING_SHARES = 256;

/**
 * What a storage server says about itself. Every field is covered by the signature (in the
 * fixed layout of `@tessera/introducer`, never as MessagePack).
 */
export interface Announcement {
  /** The server's libp2p peer id (an ed25519 key), base58btc, canonical form. */
  peerId: string;
  /** Multiaddrs to dial, each ending in `/p2p/<peerId>`. */
  addrs: string[];
  /** A human-readable name, not unique. */
  nickname: string;
  /** Software name and version, e.g. `tessera/0.1.0`. */
  version: string;
  /** Bytes the server can still store. */
  availableSpace: number;
  /** True when the server accepts no new shares. */
  readOnly: boolean;
  /** Grows with every new announcement of this server; a higher one replaces a lower one. */
  seqnum: number;
  /** The bytes that place the server on the permuted ring: its peer id's multihash (§4.1). */
  permutationSeed: Uint8Array;
  /** When the server signed it, milliseconds since the Unix epoch. */
  issuedAt: number;
}

/** An announcement and its ed25519 signature by the announced peer's key. */
export interface SignedAnnouncement {
  announcement: Announcement;
  signature: Uint8Array;
}

/** How the introducer took a `publish`. */
export type PublishStatus = 'stored' | 'unchanged' | 'stale';

/**
 * The reply to `publish`: `stored` (new or newer), `unchanged` (the introducer already holds
 * exactly this one), or `stale` (it holds a higher seqnum, or the same seqnum with other
 * content). `seqnum` is the seqnum the introducer now holds for this server.
 */
export interface PublishReply {
  status: PublishStatus;
  seqnum: number;
}

/** The grid's recommended encoding; a client's own configuration overrides each field. */
export interface RecommendedEncoding {
  sharesNeeded?: number;
  sharesHappy?: number;
  sharesTotal?: number;
}

/** A batch of announcements pushed to a subscriber. */
export interface AnnouncementsNotification {
  announcements: SignedAnnouncement[];
}

/** The body of a subscription to the introducer; empty in this version. */
export type IntroducerSubscribe = Record<string, never>;

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]+$/;
// A lone surrogate has no UTF-8 form: two strings differing only there would sign the same.
// With the u flag a proper surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Cs}/u;
// eslint-disable-next-line no-control-regex -- control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

function text(value: unknown, path: string, maxLength: number, minLength = 0): string {
  const s = expectString(value, path, { minLength, maxLength });
  if (LONE_SURROGATE.test(s)) {
    throw new InvalidMessageError(path, `Invalid message: ${path} has a lone surrogate`);
  }
  if (CONTROL.test(s)) {
    throw new InvalidMessageError(path, `Invalid message: ${path} has a control character`);
  }
  return s;
}

function validateAddr(value: unknown, path: string): string {
  const s = text(value, path, MAX_ANNOUNCEMENT_ADDR_LENGTH, 1);
  if (!s.startsWith('/')) {
    throw new InvalidMessageError(path, `Invalid message: ${path} is not a multiaddr`);
  }
  return s;
}

/**
 * Validates a decoded {@link Announcement} (shape and bounds only).
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateAnnouncement(value: unknown, path = 'body'): Announcement {
  const o = expectObject(value, path);
  return {
    peerId: expectString(field(o, 'peerId'), `${path}.peerId`, {
      minLength: 1,
      maxLength: MAX_PEER_ID_LENGTH,
      pattern: PEER_ID,
    }),
    addrs: expectArrayOf(field(o, 'addrs'), `${path}.addrs`, validateAddr, {
      maxLength: MAX_ANNOUNCEMENT_ADDRS,
    }),
    nickname: text(field(o, 'nickname'), `${path}.nickname`, MAX_NICKNAME_LENGTH),
    version: text(field(o, 'version'), `${path}.version`, MAX_SOFTWARE_VERSION_LENGTH),
    availableSpace: expectUint(field(o, 'availableSpace'), `${path}.availableSpace`),
    readOnly: expectBoolean(field(o, 'readOnly'), `${path}.readOnly`),
    seqnum: expectUint(field(o, 'seqnum'), `${path}.seqnum`),
    permutationSeed: expectBytes(field(o, 'permutationSeed'), `${path}.permutationSeed`, {
      minLength: 1,
      maxLength: MAX_PERMUTATION_SEED_BYTES,
    }),
    issuedAt: expectUint(field(o, 'issuedAt'), `${path}.issuedAt`),
  };
}

/**
 * Validates a decoded {@link SignedAnnouncement} (shape and bounds; not the signature).
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateSignedAnnouncement(value: unknown, path = 'body'): SignedAnnouncement {
  const o = expectObject(value, path);
  return {
    announcement: validateAnnouncement(field(o, 'announcement'), `${path}.announcement`),
    signature: expectBytes(field(o, 'signature'), `${path}.signature`, {
      length: ANNOUNCEMENT_SIGNATURE_BYTES,
    }),
  };
}

/**
 * Validates a `publish` reply.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validatePublishReply(value: unknown): PublishReply {
  const o = expectObject(value, 'body');
  return {
    status: expectOneOf(field(o, 'status'), 'body.status', ['stored', 'unchanged', 'stale']),
    seqnum: expectUint(field(o, 'seqnum'), 'body.seqnum'),
  };
}

function shareCount(o: Record<string, unknown>, key: string): number | undefined {
  return expectOptional(field(o, key), `body.${key}`, (v, p) =>
    expectUint(v, p, { min: 1, max: MAX_ENCODING_SHARES }),
  );
}

/**
 * Validates a {@link RecommendedEncoding}: each present field in [1, 256], and where both are
 * present `sharesNeeded <= sharesTotal` and `sharesHappy <= sharesTotal`.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateRecommendedEncoding(value: unknown): RecommendedEncoding {
  const o = expectObject(value, 'body');
  const out: RecommendedEncoding = {};
  const k = shareCount(o, 'sharesNeeded');
  const happy = shareCount(o, 'sharesHappy');
  const n = shareCount(o, 'sharesTotal');
  if (k !== undefined) out.sharesNeeded = k;
  if (happy !== undefined) out.sharesHappy = happy;
  if (n !== undefined) out.sharesTotal = n;
  if (n !== undefined && ((k !== undefined && k > n) || (happy !== undefined && happy > n))) {
    throw new InvalidMessageError(
      'body',
      `Invalid message: body asks for more than sharesTotal (${n}) shares`,
    );
  }
  return out;
}

/**
 * Validates an `announcements` notification.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateAnnouncementsNotification(value: unknown): AnnouncementsNotification {
  const o = expectObject(value, 'body');
  return {
    announcements: expectArrayOf(
      field(o, 'announcements'),
      'body.announcements',
      validateSignedAnnouncement,
      { maxLength: MAX_ANNOUNCEMENTS_PER_NOTIFICATION },
    ),
  };
}

/**
 * Validates the subscription body (a map; its keys are ignored in this version).
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateIntroducerSubscribe(value: unknown): IntroducerSubscribe {
  expectObject(value, 'body');
  return {};
}

/** The wire error codes of the introducer service (docs/PROTOCOL.md "Introducer protocol"). */
export const INTRODUCER_WIRE_ERROR_CODES = [
  'INTRODUCER_INVALID_ANNOUNCEMENT',
  'INTRODUCER_BAD_SIGNATURE',
  'INTRODUCER_WRONG_PUBLISHER',
  'INTRODUCER_ANNOUNCEMENT_EXPIRED',
  'INTRODUCER_ANNOUNCEMENT_FROM_FUTURE',
  'INTRODUCER_FULL',
] as const;

/**
 * The introducer service: `publish` (request), `encoding` and `announcements` (notifications),
 * and an empty subscription body.
 */
export const introducerServiceDefinition = defineService({
  name: 'introducer',
  protocol: INTRODUCER_PROTOCOL,
  messages: {
    publish: requestType({
      maxBytes: MAX_SIGNED_ANNOUNCEMENT_BYTES,
      maxReplyBytes: 256,
      validateRequest: (v) => validateSignedAnnouncement(v),
      validateReply: validatePublishReply,
    }),
    encoding: notificationType({ maxBytes: 256, validate: validateRecommendedEncoding }),
    announcements: notificationType({
      maxBytes: MAX_ANNOUNCEMENTS_PER_NOTIFICATION * MAX_SIGNED_ANNOUNCEMENT_BYTES,
      validate: validateAnnouncementsNotification,
    }),
  },
  subscription: { maxBytes: 1024, validate: validateIntroducerSubscribe },
  errorCodes: INTRODUCER_WIRE_ERROR_CODES,
});

/** The message types of {@link introducerServiceDefinition}. */
export type IntroducerMessages = (typeof introducerServiceDefinition)['messages'];
