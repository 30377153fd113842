// Which IP addresses import-feed may connect to: public unicast only, unless the operator opts in.
import { isIP } from 'node:net';

/** Says why an address is not public (`"a loopback address"`), or `undefined` for a public one. */
export type AddressCheck = (address: string) => string | undefined;

function ipv4Reason(b: readonly number[]): string | undefined {
  const [a = 0, c = 0, d = 0] = b;
  if (a === 0) return 'an unspecified ("this network") address';
  if (a === 127) return 'a loopback address';
  if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168)) return 'a private address';
  if (a === 169 && c === 254) return 'a link-local address';
  if (a === 100 && c >= 64 && c <= 127) return 'a shared (CGNAT) address';
  if (a >= 224 && a <= 239) return 'a multicast address';
  if (a === 255 && c === 255 && d === 255 && b[3] === 255) return 'a broadcast address';
  if (a >= 240) return 'a reserved address';
  if ((a === 192 && c === 0 && (d === 0 || d === 2)) || (a === 198 && (c === 18 || c === 19)))
    return 'a reserved address';
  if ((a === 198 && c === 51 && d === 100) || (a === 203 && c === 0 && d === 113)) return 'a reserved address';
  return undefined;
}

/** The 16 bytes of an IPv6 address (zone id dropped, a trailing dotted quad allowed). */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const b = quad[1]!.split('.').map(Number);
    text = `${text.slice(0, quad.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return undefined;
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [(n >> 8) & 0xff, n & 0xff];
  });
}

function ipv6Reason(b: readonly number[]): string | undefined {
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const v4 = b.slice(12, 16);
  if (zeros(0, 15) && b[15] === 0) return 'an unspecified address';
  if (zeros(0, 15) && b[15] === 1) return 'a loopback address';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 inside.
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12);
  if (mapped || nat64 || zeros(0, 12)) {
    const reason = ipv4Reason(v4);
    return reason ? `${reason} (IPv4 ${v4.join('.')} inside IPv6)` : undefined;
  }
  if (b[0] === 0x20 && b[1] === 0x02) {
    const inner = b.slice(2, 6);
    const reason = ipv4Reason(inner);
    if (reason) return `${reason} (IPv4 ${inner.join('.')} inside 6to4)`;
  }
  if ((b[0]! & 0xfe) === 0xfc) return 'a unique-local address';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'a link-local address';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'a site-local address';
  if (b[0] === 0xff) return 'a multicast address';
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'a reserved address';
  if (b[0] === 0x01 && zeros(1, 8)) return 'a reserved address';
  return undefined;
}

/** The default check: anything but public unicast is refused. */
export const publicAddressOnly: AddressCheck = (address) => {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return ipv4Reason(address.split('.').map(Number));
  if (family === 6) {
    const bytes = ipv6Bytes(address);
    return bytes ? ipv6Reason(bytes) : 'not an address';
  }
  return 'not an address';
};
