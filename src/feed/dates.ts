// Date formats of the feed specs. Instants in, text out; the clock is never read.

/** RFC 822 as the RSS profile wants it: four-digit year, zone "GMT". */
export function rfc822(date: Date): string {
  return date.toUTCString();
}

/** RFC 3339 in UTC, without milliseconds when they are zero. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
