// Sliding-window rate limit per key (a client address), held in memory: one process, one set of counters.

export interface RateLimiterOptions {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Clock in milliseconds; injected so tests control time. */
  now: () => number;
  /** Keys tracked at most; the oldest are dropped first so a flood of addresses cannot exhaust memory. */
  maxKeys?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request for `key` and says whether it may proceed. */
  hit(key: string): RateDecision;
  /** Says whether a request for `key` would be refused now, without counting one. */
  peek(key: string): RateDecision;
}

/** Creates a limiter that remembers the times of each key's recent requests. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  const hits = new Map<string, number[]>();

  const refusal = (times: number[], now: number): RateDecision => {
    const retryAfterMs = times[0]! + options.windowMs - now;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  };

  return {
    peek(key) {
      const now = options.now();
      const recent = (hits.get(key) ?? []).filter((t) => t > now - options.windowMs);
      return recent.length >= options.limit ? refusal(recent, now) : { allowed: true };
    },
    hit(key) {
      const now = options.now();
      const since = now - options.windowMs;
      let times = hits.get(key);
      if (times === undefined) {
        times = [];
      } else {
        hits.delete(key); // re-inserted below so the Map's order stays least-recently-used first
        let drop = 0;
        while (drop < times.length && times[drop]! <= since) drop++;
        if (drop > 0) times.splice(0, drop);
      }
      hits.set(key, times);
      if (hits.size > maxKeys) hits.delete(hits.keys().next().value!);
      if (times.length >= options.limit) return refusal(times, now);
      times.push(now);
      return { allowed: true };
    },
  };
}
