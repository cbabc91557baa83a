/**
 * Every libp2p protocol id of Tessera, in one place (STYLE §3): `/tessera/<name>/<semver>`.
 *
 * The semver in an id versions that protocol's framing and message set. Peers negotiate ids
 * with multistream-select, so a node can serve two major versions side by side.
 * @packageDocumentation
 */

/** The prefix of every Tessera protocol id. */
export const PROTOCOL_PREFIX = '/tessera';

const NAME = /^[a-z][a-z0-9-]*$/;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/**
 * Builds `/tessera/<name>/<semver>`.
 * @throws {RangeError} when `name` is not kebab-case or `version` is not `MAJOR.MINOR.PATCH`
 * @example
 * ```ts
 * protocolId('storage', '1.0.0'); // '/tessera/storage/1.0.0'
 * ```
 */
export function protocolId(name: string, version: string): string {
  if (!NAME.test(name))
    throw new RangeError(`Cannot build protocol id: name "${name}" is not kebab-case`);
  if (!SEMVER.test(version)) {
    throw new RangeError(`Cannot build protocol id: version "${version}" is not MAJOR.MINOR.PATCH`);
  }
  return `${PROTOCOL_PREFIX}/${name}/${version}`;
}

/** The version exchange run on every new connection (`version.ts`). */
export const VERSION_PROTOCOL = protocolId('version', '1.0.0');

/** The storage server's requests, one-way messages and notifications. */
export const STORAGE_PROTOCOL = protocolId('storage', '1.0.0');

/** The introducer's announce and subscribe service. */
export const INTRODUCER_PROTOCOL = protocolId('introducer', '1.0.0');

/** A byte sink for the transport benchmark (`scripts/bench/net.mjs`); never served by nodes. */
export const BENCH_SINK_PROTOCOL = protocolId('bench-sink', '1.0.0');
