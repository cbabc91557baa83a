/**
 * Configured introducer addresses: multiaddrs ending in `/p2p/<peer id>` (CLI.md "Nodes").
 * @packageDocumentation
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import { InvalidIntroducerAddressError } from './errors.ts';

/** A parsed introducer address. */
export interface IntroducerAddress {
  /** The address as configured. */
  readonly address: string;
  readonly multiaddr: Multiaddr;
  /** The introducer's peer id, from the final `/p2p/` component. */
  readonly peerId: string;
}

/**
 * Parses an introducer address.
 * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS`
 */
export function parseIntroducerAddress(address: string): IntroducerAddress {
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
  } catch (err) {
    throw new InvalidIntroducerAddressError(address, 'not a multiaddr', { cause: err });
  }
  const last = ma.getComponents().at(-1);
  if (last?.name !== 'p2p' || last.value === undefined) {
    throw new InvalidIntroducerAddressError(address, 'it does not end in /p2p/<peer id>');
  }
  try {
    peerIdFromString(last.value);
  } catch (err) {
    throw new InvalidIntroducerAddressError(address, `"${last.value}" is not a peer id`, {
      cause: err,
    });
  }
  return { address, multiaddr: ma, peerId: last.value };
}

/** One introducer: its peer id and every configured address of it. */
export interface IntroducerTarget {
  readonly peerId: string;
  /** The configured addresses of this introducer, in configured order. */
  readonly addresses: readonly string[];
  readonly multiaddrs: readonly Multiaddr[];
}

/**
 * Parses a list of introducer addresses and groups them by introducer (peer id), in the order
 * each introducer first appears; exact duplicates are dropped.
 * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS`
 */
export function parseIntroducerAddresses(addresses: readonly string[]): IntroducerTarget[] {
  const byPeer = new Map<string, { addresses: string[]; multiaddrs: Multiaddr[] }>();
  for (const a of addresses) {
    const parsed = parseIntroducerAddress(a);
    let entry = byPeer.get(parsed.peerId);
    if (entry === undefined) {
      entry = { addresses: [], multiaddrs: [] };
      byPeer.set(parsed.peerId, entry);
    }
    if (entry.multiaddrs.some((m) => m.equals(parsed.multiaddr))) continue;
    entry.addresses.push(a);
    entry.multiaddrs.push(parsed.multiaddr);
  }
  return [...byPeer].map(([peerId, e]) => ({ peerId, ...e }));
}
