import { AbortedError, ConnectionLostError, RequestTimeoutError } from '@tessera/protocol';
import { withDeadline } from '@tessera/immutable';
import { describe, expect, it } from 'vitest';
import { queryFailure } from '../src/upload.ts';

describe('queryFailure', () => {
  it('calls a query whose deadline passed a timeout, whichever layer noticed', async () => {
    // What the RPC layer throws when the signal from withDeadline aborts at its deadline.
    const viaDeadline = await withDeadline(
      10,
      undefined,
      (signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(new AbortedError('Cannot complete call: aborted', { cause: signal.reason })),
          ),
        ),
    ).catch((e: unknown) => e);
    expect(queryFailure(viaDeadline)).toBe('timeout');
    expect(queryFailure(new RequestTimeoutError('list-shares', 10))).toBe('timeout');
  });

  it('calls anything else an error', () => {
    expect(queryFailure(new ConnectionLostError('Cannot complete call: gone'))).toBe('error');
    expect(queryFailure(new AbortedError('Cannot complete call: aborted'))).toBe('error');
    expect(queryFailure(new Error('boom'))).toBe('error');
    expect(queryFailure(undefined)).toBe('error');
  });
});
