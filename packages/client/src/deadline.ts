/** Deadlines for single requests to storage servers. */

/** A signal that aborts after `ms`, or earlier when `signal` (the caller's) aborts. */
export function deadlineSignal(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
}
