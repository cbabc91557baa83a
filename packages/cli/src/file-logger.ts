/** A node's log: one line per event in `DIR/logs/node.log` (caps are never logged). */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** The logger services take (STYLE §2: libraries never print). */
export interface NodeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** Opens (appending) a log file; `debug` lines are written only when `verbose`. */
export function openFileLogger(path: string, verbose = false): NodeLogger {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  out.on('error', () => undefined); // a full disk must not crash the node over a log line
  const line = (level: string, message: string): void => {
    out.write(`${new Date().toISOString()} ${level} ${message.replace(/\n/g, '\\n')}\n`);
  };
  return {
    debug: (m) => {
      if (verbose) line('debug', m);
    },
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    close: () => new Promise<void>((resolve) => out.end(resolve)),
  };
}
