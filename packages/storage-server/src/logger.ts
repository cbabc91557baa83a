/** The injected logger (STYLE §2: libraries never print). Every method is optional. */
export interface StoreLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** A logger with every method present. */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function toLog(logger: StoreLogger | undefined): Log {
  const call = (level: keyof StoreLogger, message: string): void => {
    try {
      logger?.[level]?.(message);
    } catch {
      // A failing logger must not fail a storage operation.
    }
  };
  return {
    debug: (message) => call('debug', message),
    info: (message) => call('info', message),
    warn: (message) => call('warn', message),
    error: (message) => call('error', message),
  };
}
