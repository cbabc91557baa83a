/** Resolving `createShareStore` options into the store's configuration. */
import {
  DEFAULT_INCOMING_GRACE_SECONDS,
  DEFAULT_LEASE_DURATION_SECONDS,
  DEFAULT_MAX_SHARE_SIZE,
  DEFAULT_SWEEP_INTERVAL_SECONDS,
} from './constants.ts';
import { defaultStatfs } from './space.ts';
import type { StoreConfig } from './context.ts';
import type { ShareStoreInit } from './types.ts';

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(
      `createShareStore: ${name} must be a non-negative number, got ${String(v)}`,
    );
  }
  return v;
}

/**
 * Checks and completes the options.
 * @throws {TypeError | RangeError} on impossible options (a programmer's mistake)
 */
export function resolveConfig(init: ShareStoreInit): StoreConfig {
  if (typeof init?.dir !== 'string' || init.dir === '') {
    throw new TypeError('createShareStore: dir must be a non-empty string');
  }
  for (const [id, limit] of Object.entries(init.quotas?.clients ?? {}))
    nonNegative(limit, 0, `quota of ${id}`);
  return {
    reservedSpace: nonNegative(init.reservedSpace, 0, 'reservedSpace'),
    readOnly: init.readOnly ?? false,
    directWrites: init.directWrites ?? true,
    quotas: {
      defaultBytes:
        init.quotas?.defaultBytes === undefined
          ? undefined
          : nonNegative(init.quotas.defaultBytes, 0, 'quotas.defaultBytes'),
      clients: { ...init.quotas?.clients },
    },
    leaseDurationSeconds: nonNegative(
      init.leaseDurationSeconds,
      DEFAULT_LEASE_DURATION_SECONDS,
      'leaseDurationSeconds',
    ),
    incomingGraceSeconds: nonNegative(
      init.incomingGraceSeconds,
      DEFAULT_INCOMING_GRACE_SECONDS,
      'incomingGraceSeconds',
    ),
    sweepIntervalSeconds: nonNegative(
      init.sweepIntervalSeconds,
      DEFAULT_SWEEP_INTERVAL_SECONDS,
      'sweepIntervalSeconds',
    ),
    maxShareSize: Math.min(
      nonNegative(init.maxShareSize, DEFAULT_MAX_SHARE_SIZE, 'maxShareSize'),
      Number.MAX_SAFE_INTEGER,
    ),
    statfs: init.statfs ?? defaultStatfs,
    clock: init.clock ?? Date.now,
  };
}
