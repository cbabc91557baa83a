/**
 * Domain errors of `@tessera/codec`. Each carries a stable `code` that callers branch on
 * and the CLI prints (STYLE §4). Wrong `k`/`n` or argument types are programmer mistakes
 * and throw `RangeError`/`TypeError` instead.
 */

/** Codes of every domain error this package throws. */
export type CodecErrorCode = 'CODEC_BAD_SHARES' | 'CODEC_NOT_ENOUGH_SHARES';

/** Base class: an error with a package-prefixed code. */
export class CodecError extends Error {
  readonly code: CodecErrorCode;
  constructor(code: CodecErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodecError';
    this.code = code;
  }
}

/**
 * Blocks or share numbers that cannot be coded: a duplicate share number, one that is not
 * an integer in `[0, n)`, blocks of unequal length, or more blocks than the code takes.
 */
export class BadSharesError extends CodecError {
  constructor(message: string) {
    super('CODEC_BAD_SHARES', message);
    this.name = 'BadSharesError';
  }
}

/** Fewer than k blocks were given to decode. */
export class NotEnoughSharesError extends CodecError {
  /** Blocks given. */
  readonly have: number;
  /** Blocks needed (k). */
  readonly need: number;
  constructor(have: number, need: number) {
    super('CODEC_NOT_ENOUGH_SHARES', `Cannot decode: need ${need} blocks, got ${have}`);
    this.name = 'NotEnoughSharesError';
    this.have = have;
    this.need = need;
  }
}
