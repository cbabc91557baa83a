// Shared helpers for benchmark modules.

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `fn` `runs` times after `warmup` untimed runs; returns the median seconds.
 * `fn` may be async.
 */
export async function timeMedian(fn, { runs = 7, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

/** Megabytes (10^6) per second for `bytes` processed in `seconds`. */
export function mbps(bytes, seconds) {
  return bytes / 1e6 / seconds;
}
