/** A one-line progress bar on stderr, shown only when stderr is a TTY (CLI.md "Conventions"). */
import type { CommandContext } from './command.ts';

/** A progress display; a no-op when stderr is not a terminal or under `--json`. */
export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

const INTERVAL_MS = 100;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Opens a progress bar labelled `label`. */
export function openProgress(
  ctx: Pick<CommandContext, 'stderr' | 'json'>,
  label: string,
): Progress {
  const tty = ctx.stderr.isTTY === true;
  if (!tty) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < INTERVAL_MS && done < total) return;
      last = now;
      shown = true;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      const secs = Math.max((now - started) / 1000, 0.001);
      const rate = `${formatBytes(done / secs)}/s`;
      ctx.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatBytes(done)} ${rate}\x1b[K`,
      );
    },
    done() {
      if (shown) ctx.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
