/**
 * The injected logger (STYLE §2: libraries never print). The CLI passes its file logger.
 * @packageDocumentation
 */

/** Where the introducer, announcer and server directory report what happens. */
export interface IntroducerLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: IntroducerLogger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/** The message of an error value, for a log line. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? ` (${err.code})` : '';
    return `${err.message}${code}`;
  }
  return String(err);
}
