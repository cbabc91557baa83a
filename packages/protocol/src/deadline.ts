/**
 * A deadline: an AbortSignal that fires after `timeoutMs` or when a parent signal aborts, and
 * remembers which of the two happened, so callers can throw the named timeout error.
 * @packageDocumentation
 */

/** See {@link createDeadline}. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the timer (not the parent) fired. */
  readonly expired: boolean;
  /** Stops the timer and detaches from the parent. Idempotent. */
  dispose(): void;
}

/**
 * A signal that aborts after `timeoutMs` or with any of `parents`.
 * @throws {RangeError} when `timeoutMs` is not a positive number
 */
export function createDeadline(
  timeoutMs: number,
  ...parents: Array<AbortSignal | undefined>
): Deadline {
  if (!(timeoutMs > 0))
    throw new RangeError(`Cannot set deadline: timeoutMs ${timeoutMs} is not positive`);
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
  }, timeoutMs);
  const attached: AbortSignal[] = [];
  const onParentAbort = (evt: Event): void => {
    const parent = evt.target;
    controller.abort(parent instanceof AbortSignal ? parent.reason : undefined);
  };
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
    attached.push(parent);
  }
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimeout(timer);
      for (const parent of attached) parent.removeEventListener('abort', onParentAbort);
      attached.length = 0;
    },
  };
}
