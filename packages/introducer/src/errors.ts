/**
 * Domain errors of `@tessera/introducer` (STYLE §4). The first six codes also travel on the
 * wire as replies to `publish` (`INTRODUCER_WIRE_ERROR_CODES` in `@tessera/protocol`).
 * @packageDocumentation
 */

/** Every code of this package. */
export type IntroducerErrorCode =
  | 'INTRODUCER_INVALID_ANNOUNCEMENT'
  | 'INTRODUCER_BAD_SIGNATURE'
  | 'INTRODUCER_WRONG_PUBLISHER'
  | 'INTRODUCER_ANNOUNCEMENT_EXPIRED'
  | 'INTRODUCER_ANNOUNCEMENT_FROM_FUTURE'
  | 'INTRODUCER_FULL'
  | 'INTRODUCER_NOT_ENOUGH_SERVERS'
  | 'INTRODUCER_BAD_ADDRESS'
  | 'INTRODUCER_BAD_CACHE'
  | 'INTRODUCER_BAD_SEQNUM_FILE';

/** Base class: an error with an `INTRODUCER_` code. */
export class IntroducerError extends Error {
  readonly code: IntroducerErrorCode;
  constructor(code: IntroducerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IntroducerError';
    this.code = code;
  }
}

/**
 * An announcement that cannot be genuine whatever its signature: a peer id that is not an
 * ed25519 key, a permutation seed that is not the peer id's, an address that is not a
 * multiaddr of that peer.
 */
export class InvalidAnnouncementError extends IntroducerError {
  readonly peerId: string;
  constructor(peerId: string, message: string, options?: ErrorOptions) {
    super('INTRODUCER_INVALID_ANNOUNCEMENT', message, options);
    this.name = 'InvalidAnnouncementError';
    this.peerId = peerId;
  }
}

/** An announcement whose signature is not its peer's key's signature of its layout. */
export class BadSignatureError extends IntroducerError {
  readonly peerId: string;
  constructor(peerId: string) {
    super(
      'INTRODUCER_BAD_SIGNATURE',
      `Cannot accept announcement of "${peerId}": the signature does not verify`,
    );
    this.name = 'BadSignatureError';
    this.peerId = peerId;
  }
}

/** A peer published an announcement of another peer (the introducer only takes one's own). */
export class WrongPublisherError extends IntroducerError {
  readonly peerId: string;
  readonly publisher: string;
  constructor(peerId: string, publisher: string) {
    super(
      'INTRODUCER_WRONG_PUBLISHER',
      `Cannot accept announcement of "${peerId}": published by "${publisher}"`,
    );
    this.name = 'WrongPublisherError';
    this.peerId = peerId;
    this.publisher = publisher;
  }
}

/** An announcement older than the TTL. */
export class AnnouncementExpiredError extends IntroducerError {
  readonly peerId: string;
  readonly issuedAt: number;
  readonly ttlMs: number;
  constructor(peerId: string, issuedAt: number, ttlMs: number) {
    super(
      'INTRODUCER_ANNOUNCEMENT_EXPIRED',
      `Cannot accept announcement of "${peerId}": issued at ${new Date(issuedAt).toISOString()}, more than ${ttlMs} ms ago`,
    );
    this.name = 'AnnouncementExpiredError';
    this.peerId = peerId;
    this.issuedAt = issuedAt;
    this.ttlMs = ttlMs;
  }
}

/** An announcement issued further in the future than the allowed clock skew. */
export class AnnouncementFromFutureError extends IntroducerError {
  readonly peerId: string;
  readonly issuedAt: number;
  readonly now: number;
  constructor(peerId: string, issuedAt: number, now: number) {
    super(
      'INTRODUCER_ANNOUNCEMENT_FROM_FUTURE',
      `Cannot accept announcement of "${peerId}": issued ${issuedAt - now} ms in the future (check the server's clock)`,
    );
    this.name = 'AnnouncementFromFutureError';
    this.peerId = peerId;
    this.issuedAt = issuedAt;
    this.now = now;
  }
}

/** The introducer holds its maximum of announcements and takes no new server. */
export class IntroducerFullError extends IntroducerError {
  readonly maxAnnouncements: number;
  constructor(maxAnnouncements: number) {
    super(
      'INTRODUCER_FULL',
      `Cannot accept announcement: the introducer holds its maximum of ${maxAnnouncements}`,
    );
    this.name = 'IntroducerFullError';
    this.maxAnnouncements = maxAnnouncements;
  }
}

/** `ready()` gave up: fewer servers known than asked for. */
export class NotEnoughServersError extends IntroducerError {
  readonly have: number;
  readonly need: number;
  constructor(have: number, need: number, timeoutMs: number) {
    super(
      'INTRODUCER_NOT_ENOUGH_SERVERS',
      `Cannot find enough storage servers: ${have} known, ${need} needed after ${timeoutMs} ms`,
    );
    this.name = 'NotEnoughServersError';
    this.have = have;
    this.need = need;
  }
}

/** A configured introducer address that is not a multiaddr ending in `/p2p/<peer id>`. */
export class InvalidIntroducerAddressError extends IntroducerError {
  readonly address: string;
  constructor(address: string, why: string, options?: ErrorOptions) {
    super('INTRODUCER_BAD_ADDRESS', `Cannot use introducer "${address}": ${why}`, options);
    this.name = 'InvalidIntroducerAddressError';
    this.address = address;
  }
}

/** A server cache file that cannot be read (the directory then starts empty). */
export class InvalidServerCacheError extends IntroducerError {
  readonly path: string;
  constructor(path: string, why: string, options?: ErrorOptions) {
    super('INTRODUCER_BAD_CACHE', `Cannot read server cache "${path}": ${why}`, options);
    this.name = 'InvalidServerCacheError';
    this.path = path;
  }
}

/** A seqnum file that does not hold one decimal number (the announcer then starts afresh). */
export class InvalidSeqnumFileError extends IntroducerError {
  readonly path: string;
  constructor(path: string, why: string) {
    super('INTRODUCER_BAD_SEQNUM_FILE', `Cannot read seqnum file "${path}": ${why}`);
    this.name = 'InvalidSeqnumFileError';
    this.path = path;
  }
}
