/** Deadlines for single reads and queries. */

/**
 * Runs `fn` with a signal that aborts after `ms` (reason: a `TimeoutError` DOMException, as
 * `AbortSignal.timeout` gives) or as soon as `parent` aborts, and detaches from `parent` when
 * `fn` settles.
 *
 * Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 that combined signal is
 * held only weakly, so a garbage collection while the call waits drops it and the timeout never
 * reaches the call (a download waited 60 s for a read that had a 10 s deadline). Here the timer
 * holds the controller until it fires or is cleared.
 */
export async function withDeadline<T>(
  ms: number,
  parent: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError')),
    ms,
  );
  timer.unref();
  const onAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted === true) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}
