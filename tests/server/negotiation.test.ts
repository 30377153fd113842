// The small decisions behind each response: content coding, freshness, client address.
import { describe, expect, it } from 'vitest';
import { chooseCoding, prefersFeedPage } from '../../src/server/negotiate.ts';
import { isNotModified } from '../../src/server/conditional.ts';
import { clientAddress, rateLimitKey } from '../../src/server/client-address.ts';
import { createRateLimiter } from '../../src/server/rate-limit.ts';

describe('chooseCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br;q=0.9, gzip', 'gzip'],
    ['BR;Q=1, GZIP;q=1', 'br'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['identity;q=0, gzip;q=0.1', 'gzip'],
    ['*;q=0.5', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['deflate', 'identity'],
    ['x-gzip', 'gzip'],
    ['gzip;q=abc', 'identity'],
  ])('%s → %s', (header, coding) => {
    expect(chooseCoding(header)).toBe(coding);
  });
});

describe('isNotModified', () => {
  const etag = '"abc"';
  const mtime = Date.parse('2021-10-01T06:30:15.750Z');
  const check = (ifNoneMatch?: string, ifModifiedSince?: string) =>
    isNotModified({ ifNoneMatch, ifModifiedSince }, etag, mtime);

  it('compares entity tags weakly and accepts lists and *', () => {
    expect(check('"abc"')).toBe(true);
    expect(check('W/"abc"')).toBe(true);
    expect(check('"x", W/"abc"')).toBe(true);
    expect(check('*')).toBe(true);
    expect(check('"abcd"')).toBe(false);
    expect(check('abc')).toBe(false);
  });

  it('compares dates at whole seconds and ignores them when If-None-Match is present', () => {
    expect(check(undefined, 'Fri, 01 Oct 2021 06:30:15 GMT')).toBe(true);
    expect(check(undefined, 'Fri, 01 Oct 2021 06:30:14 GMT')).toBe(false);
    expect(check('"other"', 'Fri, 01 Oct 2021 06:30:15 GMT')).toBe(false);
    expect(check(undefined, 'yesterday')).toBe(false);
  });
});

describe('client address', () => {
  it('uses the socket unless proxies are trusted', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.9', 0)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '198.51.100.7, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '198.51.100.7, 203.0.113.9', 2)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', 'not-an-ip', 1)).toBe('10.0.0.1');
  });

  it('counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(rateLimitKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('rate limiter', () => {
  it('allows `limit` hits per window and says when to retry', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.hit('a').allowed).toBe(true);
    now += 10_000;
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(limiter.hit('b').allowed).toBe(true);
    now += 50_001;
    expect(limiter.hit('a').allowed).toBe(true);
  });
});

describe('prefersFeedPage', () => {
  const CHROMIUM =
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,' +
    'application/signed-exchange;v=b3;q=0.7';
  const FIREFOX = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  const SAFARI = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  it('is true for a browser navigation, by Sec-Fetch-Dest or by an Accept that ranks HTML first', () => {
    expect(prefersFeedPage(CHROMIUM, 'document')).toBe(true);
    expect(prefersFeedPage('*/*', 'document')).toBe(true);
    // an older browser without Sec-Fetch headers
    expect(prefersFeedPage(FIREFOX, undefined)).toBe(true);
    expect(prefersFeedPage(SAFARI, null)).toBe(true);
  });

  it('is false for everything else: scripts, readers, wildcards, ties, no header', () => {
    expect(prefersFeedPage(CHROMIUM, 'empty')).toBe(false);
    expect(prefersFeedPage(CHROMIUM, 'iframe')).toBe(false);
    expect(prefersFeedPage('*/*', undefined)).toBe(false);
    expect(prefersFeedPage(undefined, undefined)).toBe(false);
    expect(prefersFeedPage('', undefined)).toBe(false);
    expect(prefersFeedPage('text/html, application/rss+xml', undefined)).toBe(false);
    expect(prefersFeedPage('application/atom+xml, text/html;q=0.7, */*;q=0.1', undefined)).toBe(false);
    expect(prefersFeedPage('text/html;q=0', undefined)).toBe(false);
    expect(prefersFeedPage('text/html;q=0.5, application/feed+json;q=0.5', undefined)).toBe(false);
  });
});
