/** Errors of the command line (STYLE §4): usage errors exit 2, failures exit 1. */

/** The user typed something the command does not accept. Exit code 2. */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An operation failed for a reason the CLI itself found (a missing file, a bad node dir). */
export class CliError extends Error {
  readonly code: string;
  constructor(code: `CLI_${string}`, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Bytes on a client node's command-line socket that break the attach protocol. */
export class AttachProtocolError extends CliError {
  constructor(message: string) {
    super('CLI_ATTACH_PROTOCOL', message);
    this.name = 'AttachProtocolError';
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EEXIST: 'already exists',
};

/** A short human description of a file-system error. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined ? FS_ERRORS[code] : undefined) ?? (err as Error).message;
}
