/**
 * Domain errors of `@tessera/client`. Each carries a stable `code` that callers branch on and
 * the CLI prints (STYLE §4). Programmer mistakes (a wrong type or range passed to a function)
 * are `TypeError` / `RangeError` instead.
 */

/** Codes of every domain error this package throws. */
export type ClientErrorCode =
  | 'CLIENT_UPLOAD_UNHAPPY'
  | 'CLIENT_UPLOAD_FAILED'
  | 'CLIENT_NOT_ENOUGH_SHARES'
  | 'CLIENT_NO_SERVERS';

/** Base class: an error with a package-prefixed code. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}

/** The structured fields of an {@link UploadUnhappyError}. */
export interface UploadUnhappyDetails {
  /** Servers-of-happiness reached: the size of a maximum server↔share matching (spec §4.2). */
  readonly happiness: number;
  /** Servers-of-happiness required (`happy`, default 7). */
  readonly happy: number;
  /** Servers that hold or accepted at least one share of the file. */
  readonly serversUsable: number;
  /** Shares the file is encoded into (N). */
  readonly shares: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * An immutable upload could not place its shares so that `happy` servers each hold a distinct
 * share (spec §4.3 step 5; Tahoe's `UploadUnhappinessError`).
 *
 * The message says how many servers could be used, for example
 * `Cannot upload: shares could only be placed on 3 servers, need 7 (happy)`.
 */
export class UploadUnhappyError extends ClientError implements UploadUnhappyDetails {
  readonly happiness: number;
  readonly happy: number;
  readonly serversUsable: number;
  readonly shares: number;

  constructor(details: UploadUnhappyDetails, options?: ErrorOptions) {
    const { happiness, happy, serversUsable, shares } = details;
    // When some servers only hold shares that others also hold, say so: "placed on 5 servers"
    // alone would not explain why 5 >= 4 is not enough.
    const where =
      serversUsable === happiness
        ? `shares could only be placed on ${plural(serversUsable, 'server')}`
        : `shares could only be placed on ${plural(serversUsable, 'server')}, ` +
          `of which ${happiness} hold distinct shares`;
    super('CLIENT_UPLOAD_UNHAPPY', `Cannot upload: ${where}, need ${happy} (happy)`, options);
    this.name = 'UploadUnhappyError';
    this.happiness = happiness;
    this.happy = happy;
    this.serversUsable = serversUsable;
    this.shares = shares;
  }
}
