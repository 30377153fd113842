// Values seen recently (Mailgun tokens, SendGrid signatures, SNS message ids), held in memory for a while: a
// request that comes again within that time is a replay.

export interface RecentSet {
  /** Remembers `value`; false when it was already remembered. */
  add(value: string, now: number): boolean;
  /** Forgets `value` (its request failed and may come again). */
  delete(value: string): void;
}

/** Remembers each value for `ttlMs`; past `maxEntries` the oldest go first, so memory stays bounded. */
export function createRecentSet(options: { ttlMs: number; maxEntries?: number }): RecentSet {
  const max = options.maxEntries ?? 100_000;
  // value → when it may be forgotten; with one ttl, insertion order is also expiry order
  const seen = new Map<string, number>();
  return {
    add(value, now) {
      for (const [key, until] of seen) {
        if (until > now) break;
        seen.delete(key);
      }
      if (seen.has(value)) return false;
      seen.set(value, now + options.ttlMs);
      if (seen.size > max) seen.delete(seen.keys().next().value!);
      return true;
    },
    delete(value) {
      seen.delete(value);
    },
  };
}
