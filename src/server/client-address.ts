// The client's address for rate limiting: the socket peer, or X-Forwarded-For when a known number of proxies
// sits in front.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address to attribute a request to. `trustedProxies` is how many reverse proxies append to
 * X-Forwarded-For in front of this server (0: trust no header, use the socket peer). The client is
 * the entry that many places from the right; entries further left are whatever the client claimed.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | null | undefined,
  trustedProxies: number,
): string {
  if (trustedProxies > 0 && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const candidate = hops[hops.length - trustedProxies] ?? hops[0];
    if (candidate !== undefined && (isIPv4(candidate) || isIPv6(candidate))) return candidate;
  }
  return socketAddress ?? 'unknown';
}

/**
 * The key to count an address under. IPv6 clients usually hold a whole /64, so they are counted
 * per /64; IPv4-mapped IPv6 addresses count as the IPv4 address.
 */
export function rateLimitKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
