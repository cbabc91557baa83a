/**
 * Addresses other machines can dial. A node listening on `0.0.0.0` (or `::`) is reachable on
 * each of its interfaces, but `0.0.0.0` itself means nothing to a dialer: announcing it would
 * confine a grid to one machine. So a wildcard is replaced by every interface address (external
 * ones first, then loopback), and an explicit `--announce` list replaces everything.
 * @packageDocumentation
 */
import { multiaddr } from '@multiformats/multiaddr';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

/** The interfaces of a machine, as `os.networkInterfaces()` returns them. */
export type NetworkInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Options of {@link dialableAddrs}. */
export interface DialableAddrsOptions {
  /** Appends `/p2p/<peerId>` to each address that lacks it. */
  peerId?: string;
  /** The interfaces to expand wildcards with; `os.networkInterfaces()` by default. */
  interfaces?: NetworkInterfaces;
}

const WILDCARD = /^\/(ip4|ip6)\/(0\.0\.0\.0|::)(\/.*)?$/;

function expand(
  addr: string,
  interfaces: NetworkInterfaces,
): { external: string[]; loopback: string[] } {
  const m = WILDCARD.exec(addr);
  if (m === null)
    return isLoopback(addr)
      ? { external: [], loopback: [addr] }
      : { external: [addr], loopback: [] };
  const [, family, host, rest = ''] = m;
  if ((family === 'ip4') !== (host === '0.0.0.0')) return { external: [addr], loopback: [] };
  const wanted = family === 'ip4' ? 'IPv4' : 'IPv6';
  const external: string[] = [];
  const loopback: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      // Node < 18.4 reported family as a number
      const infoFamily: unknown = info.family;
      if (infoFamily !== wanted && infoFamily !== (wanted === 'IPv4' ? 4 : 6)) continue;
      // a link-local IPv6 address needs a zone id, which multiaddrs cannot carry portably
      if (wanted === 'IPv6' && /^fe[89ab]/i.test(info.address)) continue;
      const expanded = `/${family}/${info.address}${rest}`;
      (info.internal ? loopback : external).push(expanded);
    }
  }
  if (loopback.length === 0)
    loopback.push(`/${family}/${family === 'ip4' ? '127.0.0.1' : '::1'}${rest}`);
  return { external, loopback };
}

/** True for a multiaddr on 127.0.0.0/8, `::1` or `localhost`. */
export function isLoopback(addr: string): boolean {
  return /^\/(ip4\/127\.|ip6\/::1(\/|$)|dns[46]?\/localhost(\/|$))/.test(addr);
}

/**
 * The peer id of a multiaddr's final `/p2p/` component, or undefined when it has none.
 * @throws {Error} the multiaddr library's error when `addr` is not a multiaddr
 */
export function peerIdOfAddr(addr: string): string | undefined {
  const components = multiaddr(addr).getComponents();
  const last = components.at(-1);
  return last?.name === 'p2p' ? last.value : undefined;
}

/**
 * `addr` in canonical form, ending in `/p2p/<peerId>`.
 * @throws {RangeError} when `addr` is not a multiaddr, or ends in another peer's id
 */
export function withPeerId(addr: string, peerId: string): string {
  let ma;
  try {
    ma = multiaddr(addr);
  } catch (err) {
    throw new RangeError(`Cannot use address "${addr}": not a multiaddr`, { cause: err });
  }
  const last = ma.getComponents().at(-1);
  if (last?.name === 'p2p') {
    if (last.value !== peerId) {
      throw new RangeError(
        `Cannot use address "${addr}": it names peer "${last.value}", not "${peerId}"`,
      );
    }
    return ma.toString();
  }
  return ma.encapsulate(`/p2p/${peerId}`).toString();
}

/**
 * The addresses a node should announce: `announce` when it is not empty, else `listenAddrs` with
 * each wildcard (`/ip4/0.0.0.0/…`, `/ip6/::/…`) replaced by the machine's interface addresses
 * (non-loopback first, then loopback; IPv6 link-local skipped). Duplicates are dropped.
 * Pass the addresses the node actually bound (`node.getMultiaddrs()`), so no port is 0.
 * @throws {RangeError} when `options.peerId` is given and an address is not a multiaddr or
 * names another peer
 * @example
 * ```ts
 * dialableAddrs(['/ip4/0.0.0.0/tcp/4001'], []);
 * // ['/ip4/192.168.1.20/tcp/4001', '/ip4/127.0.0.1/tcp/4001']
 * dialableAddrs(['/ip4/0.0.0.0/tcp/4001'], ['/dns4/grid.example.org/tcp/4001']);
 * // ['/dns4/grid.example.org/tcp/4001']
 * ```
 */
export function dialableAddrs(
  listenAddrs: readonly string[],
  announce: readonly string[],
  options: DialableAddrsOptions = {},
): string[] {
  let addrs: string[];
  if (announce.length > 0) {
    addrs = [...announce];
  } else {
    const interfaces = options.interfaces ?? networkInterfaces();
    const external: string[] = [];
    const loopback: string[] = [];
    for (const addr of listenAddrs) {
      const e = expand(addr, interfaces);
      external.push(...e.external);
      loopback.push(...e.loopback);
    }
    addrs = [...external, ...loopback];
  }
  const peerId = options.peerId;
  if (peerId !== undefined) addrs = addrs.map((a) => withPeerId(a, peerId));
  return [...new Set(addrs)];
}
