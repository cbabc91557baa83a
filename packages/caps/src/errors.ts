/**
 * Domain errors of `@tessera/caps`. Each carries a stable `code` that callers branch on
 * and the CLI prints (STYLE §4).
 */

/** Codes of every error this package throws for bad input from a user, a file or the wire. */
export type CapsErrorCode =
  | 'CAPS_MALFORMED_CAP'
  | 'CAPS_MALFORMED_BASE32'
  | 'CAPS_MALFORMED_NETSTRING'
  | 'CAPS_MALFORMED_UEB'
  | 'CAPS_MALFORMED_SHARE'
  | 'CAPS_HASH_MISMATCH'
  | 'CAPS_NOT_ENOUGH_HASHES'
  | 'CAPS_MALFORMED_KEY';

/** Base class: an error with a package-prefixed code. */
export class CapsError extends Error {
  readonly code: CapsErrorCode;
  constructor(code: CapsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CapsError';
    this.code = code;
  }
}

/** A capability string that does not parse. */
export class MalformedCapError extends CapsError {
  constructor(message: string, options?: ErrorOptions) {
    super('CAPS_MALFORMED_CAP', message, options);
    this.name = 'MalformedCapError';
  }
}

/** Base32 text that is not canonical lower-case RFC 4648 without padding. */
export class MalformedBase32Error extends CapsError {
  constructor(message: string) {
    super('CAPS_MALFORMED_BASE32', message);
    this.name = 'MalformedBase32Error';
  }
}

/** A netstring that does not parse. */
export class MalformedNetstringError extends CapsError {
  constructor(message: string) {
    super('CAPS_MALFORMED_NETSTRING', message);
    this.name = 'MalformedNetstringError';
  }
}

/** A URI extension block that does not parse. */
export class MalformedUebError extends CapsError {
  constructor(message: string) {
    super('CAPS_MALFORMED_UEB', message);
    this.name = 'MalformedUebError';
  }
}

/** Share bytes whose header or layout is impossible. */
export class MalformedShareError extends CapsError {
  constructor(message: string) {
    super('CAPS_MALFORMED_SHARE', message);
    this.name = 'MalformedShareError';
  }
}

/** A hash that does not match what a trusted root says it should be. */
export class HashMismatchError extends CapsError {
  constructor(message: string) {
    super('CAPS_HASH_MISMATCH', message);
    this.name = 'HashMismatchError';
  }
}

/** A key (RSA, secret) that cannot be used. */
export class MalformedKeyError extends CapsError {
  constructor(message: string, options?: ErrorOptions) {
    super('CAPS_MALFORMED_KEY', message, options);
    this.name = 'MalformedKeyError';
  }
}
