/** Domain errors of `@tessera/immutable` (STYLE §4). */

export type ImmutableErrorCode =
  | 'IMMUTABLE_NOT_ENOUGH_SHARES'
  | 'IMMUTABLE_CORRUPT_SHARE'
  | 'IMMUTABLE_BAD_CIPHERTEXT'
  | 'IMMUTABLE_SOURCE_CHANGED'
  | 'IMMUTABLE_BAD_RANGE'
  | 'IMMUTABLE_ABORTED';

/** Base class: an error with a package-prefixed code. */
export class ImmutableError extends Error {
  readonly code: ImmutableErrorCode;
  constructor(code: ImmutableErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImmutableError';
    this.code = code;
  }
}

/** Fewer than k usable shares remain for a segment. */
export class NotEnoughSharesError extends ImmutableError {
  readonly have: number;
  readonly need: number;
  constructor(have: number, need: number, detail = '', options?: ErrorOptions) {
    super(
      'IMMUTABLE_NOT_ENOUGH_SHARES',
      `Cannot download file: not enough shares (have ${have}, need ${need})${detail ? `: ${detail}` : ''}`,
      options,
    );
    this.name = 'NotEnoughSharesError';
    this.have = have;
    this.need = need;
  }
}

/** A share failed a hash check. `blockIndex` is set when a block (not metadata) was bad. */
export class CorruptShareError extends ImmutableError {
  readonly shareNum: number;
  readonly blockIndex: number | undefined;
  constructor(
    shareNum: number,
    blockIndex: number | undefined,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      'IMMUTABLE_CORRUPT_SHARE',
      blockIndex === undefined
        ? `Cannot use share ${shareNum}: ${reason}`
        : `Cannot use share ${shareNum}: block ${blockIndex}: ${reason}`,
      options,
    );
    this.name = 'CorruptShareError';
    this.shareNum = shareNum;
    this.blockIndex = blockIndex;
  }
}

/** Shares agreed with each other but the decoded ciphertext does not match the cap. */
export class BadCiphertextError extends ImmutableError {
  readonly segment: number;
  constructor(segment: number) {
    super('IMMUTABLE_BAD_CIPHERTEXT', `Cannot decode segment ${segment}: ciphertext hash mismatch`);
    this.name = 'BadCiphertextError';
    this.segment = segment;
  }
}

/** The source changed between the key pass and the encode pass. */
export class SourceChangedError extends ImmutableError {
  constructor(message: string) {
    super('IMMUTABLE_SOURCE_CHANGED', message);
    this.name = 'SourceChangedError';
  }
}

/** A byte range outside the file. */
export class BadRangeError extends ImmutableError {
  constructor(message: string) {
    super('IMMUTABLE_BAD_RANGE', message);
    this.name = 'BadRangeError';
  }
}
