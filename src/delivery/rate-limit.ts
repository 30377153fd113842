// Pacing of sends: at most N messages per second and M per hour, over sliding windows.

export interface RateLimiterOptions {
  /** 0 means unlimited. */
  perSecond: number;
  /** 0 means unlimited. */
  perHour: number;
  /** Sends already made in the past hour (e.g. by an earlier process), counted against perHour. */
  sentInLastHour?: number;
}

export interface RateLimiter {
  /** Resolves when one more message may start; false when `signal` aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean>;
}

const SECOND = 1000;
const HOUR = 3_600_000;

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export { sleep };

/** A limiter over the monotonic clock; callers queue in order. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const starts: number[] = [];
  const clock = (): number => performance.now();
  // earlier sends are spread over the past hour: only the hourly window sees them
  const seeded = Math.min(options.sentInLastHour ?? 0, Math.max(options.perHour, 0));
  for (let i = 0; i < seeded; i++) starts.push(clock() - HOUR + ((i + 1) * HOUR) / (seeded + 1));
  let queue: Promise<unknown> = Promise.resolve();

  async function waitTurn(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = clock();
      const horizon = options.perHour > 0 ? HOUR : SECOND;
      while (starts.length > 0 && starts[0]! <= now - horizon) starts.shift();
      let waitMs = 0;
      if (options.perHour > 0 && starts.length >= options.perHour)
        waitMs = starts[starts.length - options.perHour]! + HOUR - now;
      if (options.perSecond > 0) {
        let inSecond = 0;
        for (let i = starts.length - 1; i >= 0 && starts[i]! > now - SECOND; i--) inSecond++;
        if (inSecond >= options.perSecond)
          waitMs = Math.max(waitMs, starts[starts.length - options.perSecond]! + SECOND - now);
      }
      if (waitMs <= 0) {
        starts.push(now);
        return true;
      }
      if (!(await sleep(Math.ceil(waitMs), signal))) return false;
    }
  }

  return {
    acquire(signal) {
      if (options.perSecond <= 0 && options.perHour <= 0) return Promise.resolve(!signal?.aborted);
      const turn = queue.then(() => waitTurn(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
