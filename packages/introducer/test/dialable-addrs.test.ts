import { describe, expect, it } from 'vitest';
import { dialableAddrs, isLoopback, peerIdOfAddr, withPeerId } from '../src/index.ts';
import type { NetworkInterfaces } from '../src/index.ts';

const PEER = '12D3KooWGKTupaaKZRb6wxDdHnBNQMKoQPVnyD2ZgkymHPusYiwK';

const interfaces: NetworkInterfaces = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
    {
      address: '::1',
      netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      family: 'IPv6',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '::1/128',
      scopeid: 0,
    },
  ],
  eth0: [
    {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '192.168.1.20/24',
    },
    {
      address: 'fd00::2',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: 'fd00::2/64',
      scopeid: 0,
    },
    {
      address: 'fe80::1',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: 'fe80::1/64',
      scopeid: 2,
    },
  ],
  wlan0: [
    {
      address: '10.0.0.5',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:02',
      internal: false,
      cidr: '10.0.0.5/8',
    },
  ],
};

describe('dialableAddrs', () => {
  it('replaces 0.0.0.0 by every IPv4 interface, external ones first, then loopback', () => {
    expect(dialableAddrs(['/ip4/0.0.0.0/tcp/4001'], [], { interfaces })).toEqual([
      '/ip4/192.168.1.20/tcp/4001',
      '/ip4/10.0.0.5/tcp/4001',
      '/ip4/127.0.0.1/tcp/4001',
    ]);
  });

  it('replaces :: by IPv6 interfaces without link-local ones', () => {
    expect(dialableAddrs(['/ip6/::/tcp/4001'], [], { interfaces })).toEqual([
      '/ip6/fd00::2/tcp/4001',
      '/ip6/::1/tcp/4001',
    ]);
  });

  it('keeps specific addresses and drops duplicates', () => {
    expect(
      dialableAddrs(['/ip4/127.0.0.1/tcp/1', '/ip4/0.0.0.0/tcp/1', '/ip4/192.168.1.20/tcp/2'], [], {
        interfaces,
      }),
    ).toEqual([
      '/ip4/192.168.1.20/tcp/1',
      '/ip4/10.0.0.5/tcp/1',
      '/ip4/192.168.1.20/tcp/2',
      '/ip4/127.0.0.1/tcp/1',
    ]);
  });

  it('uses the announce list alone when there is one', () => {
    expect(
      dialableAddrs(['/ip4/0.0.0.0/tcp/4001'], ['/dns4/grid.example.org/tcp/4001'], { interfaces }),
    ).toEqual(['/dns4/grid.example.org/tcp/4001']);
  });

  it('appends the peer id where it is missing, and keeps it where present', () => {
    expect(
      dialableAddrs(['/ip4/0.0.0.0/tcp/7', `/ip4/10.1.1.1/tcp/8/p2p/${PEER}`], [], {
        interfaces: { lo: interfaces.lo },
        peerId: PEER,
      }),
    ).toEqual([`/ip4/10.1.1.1/tcp/8/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/7/p2p/${PEER}`]);
  });

  it('falls back to the loopback address when no interface is listed', () => {
    expect(dialableAddrs(['/ip4/0.0.0.0/tcp/9'], [], { interfaces: {} })).toEqual([
      '/ip4/127.0.0.1/tcp/9',
    ]);
  });

  it("uses this machine's interfaces by default", () => {
    const addrs = dialableAddrs(['/ip4/0.0.0.0/tcp/9'], []);
    expect(addrs).toContain('/ip4/127.0.0.1/tcp/9');
    expect(addrs.every((a) => !a.includes('0.0.0.0'))).toBe(true);
  });
});

describe('address helpers', () => {
  it('tells loopback addresses', () => {
    expect(isLoopback('/ip4/127.0.0.1/tcp/1')).toBe(true);
    expect(isLoopback('/ip6/::1/tcp/1')).toBe(true);
    expect(isLoopback('/dns4/localhost/tcp/1')).toBe(true);
    expect(isLoopback('/ip4/10.0.0.1/tcp/1')).toBe(false);
    expect(isLoopback('/ip6/::1a/tcp/1')).toBe(false);
  });

  it('reads and appends peer ids', () => {
    expect(peerIdOfAddr(`/ip4/1.2.3.4/tcp/1/p2p/${PEER}`)).toBe(PEER);
    expect(peerIdOfAddr('/ip4/1.2.3.4/tcp/1')).toBeUndefined();
    expect(withPeerId('/ip4/1.2.3.4/tcp/1', PEER)).toBe(`/ip4/1.2.3.4/tcp/1/p2p/${PEER}`);
    expect(() =>
      withPeerId(
        '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWJHzV8HGJFPz18uFTsQG2zeDxnH2RjA6UrWsgXjVzANac',
        PEER,
      ),
    ).toThrow(RangeError);
    expect(() => withPeerId('nope', PEER)).toThrow(RangeError);
  });
});
