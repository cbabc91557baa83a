/**
 * The fixed byte layout an announcement signature covers (STYLE §5: never MessagePack;
 * docs/adr/0003-introducer-announcements.md). Every field is a netstring (spec §1:
 * `len ":" data ","`), so the concatenation is unambiguous:
 *
 * ```
 * ns("tessera-introducer-announcement-v1")
 * ns(peerId)                       UTF-8 of the base58btc peer id
 * ns(permutationSeed)              raw bytes
 * ns(decimal(seqnum))
 * ns(decimal(issuedAt))            ms since the Unix epoch
 * ns(nickname)                     UTF-8
 * ns(version)                      UTF-8
 * ns(decimal(availableSpace))
 * ns(readOnly ? "1" : "0")
 * ns(decimal(addrs.length))
 * ns(addrs[0]) … ns(addrs[n-1])    UTF-8, in announced order
 * ```
 *
 * Decimals are ASCII digits without sign or leading zeros. A new field means a new domain tag.
 * @packageDocumentation
 */
import { netstring } from '@tessera/caps';
import type { Announcement } from '@tessera/protocol';
import { ANNOUNCEMENT_SIGNATURE_DOMAIN } from './constants.ts';

function decimal(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot lay out announcement: ${what} ${n} is not a non-negative integer`);
  }
  return String(n);
}

/**
 * The bytes an announcement's signature covers.
 * @throws {RangeError} when a number field is not a non-negative safe integer
 * @example
 * ```ts
 * const signature = await privateKey.sign(announcementSigningBytes(announcement));
 * ```
 */
export function announcementSigningBytes(a: Announcement): Uint8Array {
  const parts: Uint8Array[] = [
    netstring(ANNOUNCEMENT_SIGNATURE_DOMAIN),
    netstring(a.peerId),
    netstring(a.permutationSeed),
    netstring(decimal(a.seqnum, 'seqnum')),
    netstring(decimal(a.issuedAt, 'issuedAt')),
    netstring(a.nickname),
    netstring(a.version),
    netstring(decimal(a.availableSpace, 'availableSpace')),
    netstring(a.readOnly ? '1' : '0'),
    netstring(decimal(a.addrs.length, 'address count')),
    ...a.addrs.map((addr) => netstring(addr)),
  ];
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
