// The scheduler lease: one worker among several holds it, renews it while alive, and another takes it over when it
// lapses.
import type { Logger } from '../logger.ts';
import { acquireLease, releaseLease, type Store } from '../store/index.ts';

export interface LeaseKeeperOptions {
  store: Store;
  /** The lease row's name, e.g. `scheduler`. */
  name: string;
  /** Unique per process. */
  holder: string;
  /** How long a holder keeps the lease without renewing it. */
  ttlMs: number;
  logger: Logger;
}

export interface LeaseKeeper {
  /** Takes or renews the lease at `now`; resolves to whether this holder has it until `now + ttlMs`. */
  renew(now: Date): Promise<boolean>;
  /** Whether the last renew() got the lease and it has not lapsed by `now`. */
  held(now: Date): boolean;
  /** Gives the lease up (if held) so another worker takes over at once instead of after the ttl. */
  release(): Promise<void>;
}

/** Keeps one named lease for one holder; the caller decides when to renew (a timer, or a test's clock). */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  let heldUntil = 0;
  return {
    async renew(now) {
      let got: boolean;
      try {
        got = await acquireLease(options.store, {
          name: options.name,
          holder: options.holder,
          ttlMs: options.ttlMs,
          now,
        });
      } catch (err) {
        // A database hiccup: keep what we had until it lapses rather than act on a lease we cannot confirm.
        options.logger.warn({ err, lease: options.name }, 'cannot renew the lease');
        return heldUntil > now.getTime();
      }
      const had = heldUntil > now.getTime();
      heldUntil = got ? now.getTime() + options.ttlMs : 0;
      if (got && !had)
        options.logger.info(
          { lease: options.name, holder: options.holder },
          'lease taken: this worker runs the schedule',
        );
      if (!got && had) options.logger.warn({ lease: options.name }, 'lease lost to another worker');
      return got;
    },
    held: (now) => heldUntil > now.getTime(),
    async release() {
      if (heldUntil === 0) return;
      heldUntil = 0;
      await releaseLease(options.store, options.name, options.holder);
      options.logger.info({ lease: options.name }, 'lease released');
    },
  };
}
