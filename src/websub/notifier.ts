// The WebSub publish ping: one form POST per changed topic (`hub.mode=publish`, `hub.url=<feed URL>`), tried again
// with exponential backoff when the hub is unreachable or busy. Outbound only; it never blocks or fails a build.
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface HubNotifierOptions {
  /** The hub's URL (feeds.websub_hub). */
  hubUrl: string;
  logger: Logger;
  /** Tries per topic, the first included (default 5). */
  attempts?: number;
  /** Wait before the second try, doubled before each later one (default 1 s). */
  baseDelayMs?: number;
  /** Longest wait between tries (default 60 s); a longer Retry-After is cut to it. */
  maxDelayMs?: number;
  /** Time limit of each request (default 10 s). */
  timeoutMs?: number;
  /** Topics pinged at the same time (default 4). */
  concurrency?: number;
}

export type PingOutcome =
  | { topic: string; ok: true; status: number; attempts: number }
  | { topic: string; ok: false; reason: string; attempts: number; status?: number };

export interface HubNotifier {
  /**
   * Pings the hub once for each topic, in the background: the caller need not wait, and nothing is thrown. Resolves
   * with each topic's outcome once all are settled (every outcome is also logged).
   */
  publish(topics: readonly string[]): Promise<PingOutcome[]>;
  /** Stops: retries waiting are given up and requests in flight aborted; resolves once every ping has settled. */
  close(): Promise<void>;
}

/** One try: a 2xx, a refusal worth trying again (5xx, 429, no answer) or one that is not. */
type Attempt =
  | { kind: 'ok'; status: number }
  | { kind: 'retry' | 'give-up'; reason: string; status?: number; waitMs?: number };

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function createHubNotifier(options: HubNotifierOptions): HubNotifier {
  const { hubUrl, logger } = options;
  const attempts = Math.max(1, options.attempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();

  const tryOnce = async (topic: string): Promise<Attempt> => {
    let response: Response;
    try {
      response = await fetch(hubUrl, {
        method: 'POST',
        // URLSearchParams: application/x-www-form-urlencoded, as the spec asks.
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }),
        headers: { 'user-agent': 'gazette (WebSub publisher)' },
        // A 301 or 302 would turn the POST into a GET: better to say so than to follow.
        redirect: 'manual',
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      return { kind: 'retry', reason: timedOut ? `no answer within ${timeoutMs} ms` : errorMessage(err) };
    }
    const status = response.status;
    // Only the status matters; the body is read so that the connection can be used again.
    const text = await response.text().catch(() => '');
    if (status >= 200 && status < 300) return { kind: 'ok', status };
    const said = text.trim().slice(0, 200);
    const reason = `the hub answered ${status}${said ? `: ${said}` : ''}`;
    if (status >= 500 || status === 429) {
      const waitMs = retryAfterMs(response.headers.get('retry-after'));
      return { kind: 'retry', reason, status, ...(waitMs !== undefined ? { waitMs } : {}) };
    }
    if (status >= 300 && status < 400)
      return {
        kind: 'give-up',
        status,
        reason: `${reason} (to ${response.headers.get('location') ?? '?'}): set feeds.websub_hub to where it points`,
      };
    return { kind: 'give-up', reason, status };
  };

  const ping = async (topic: string): Promise<PingOutcome> => {
    for (let attempt = 1; ; attempt++) {
      const result = await tryOnce(topic);
      if (result.kind === 'ok') {
        logger.info({ hub: hubUrl, topic, status: result.status, attempts: attempt }, 'WebSub hub notified');
        return { topic, ok: true, status: result.status, attempts: attempt };
      }
      const failed = {
        topic,
        ok: false as const,
        reason: result.reason,
        attempts: attempt,
        ...(result.status !== undefined ? { status: result.status } : {}),
      };
      if (stopping.signal.aborted) {
        logger.warn({ hub: hubUrl, topic, attempts: attempt }, 'WebSub hub not notified: stopping');
        return { ...failed, reason: 'stopping' };
      }
      if (result.kind === 'give-up' || attempt >= attempts) {
        logger.warn(
          { hub: hubUrl, topic, attempts: attempt, ...(result.status !== undefined ? { status: result.status } : {}) },
          `WebSub hub not notified: ${result.reason}`,
        );
        return failed;
      }
      const delayMs = Math.min(maxDelayMs, result.waitMs ?? baseDelayMs * 2 ** (attempt - 1));
      logger.warn(
        { hub: hubUrl, topic, attempt, delayMs, ...(result.status !== undefined ? { status: result.status } : {}) },
        `WebSub ping failed, trying again: ${result.reason}`,
      );
      await sleep(delayMs, stopping.signal);
      if (stopping.signal.aborted) {
        logger.warn({ hub: hubUrl, topic, attempts: attempt }, 'WebSub hub not notified: stopping');
        return { ...failed, reason: 'stopping' };
      }
    }
  };

  const publishAll = async (topics: readonly string[]): Promise<PingOutcome[]> => {
    const outcomes = new Array<PingOutcome>(topics.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < topics.length) {
        const index = next++;
        // ping never throws; the guard keeps a programming error from becoming an unhandled rejection
        outcomes[index] = await ping(topics[index]!).catch((err: unknown) => {
          logger.error({ hub: hubUrl, topic: topics[index], err }, `WebSub ping failed: ${errorMessage(err)}`);
          return { topic: topics[index]!, ok: false as const, reason: errorMessage(err), attempts: 0 };
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, topics.length) }, lane));
    return outcomes;
  };

  return {
    publish(topics) {
      if (stopping.signal.aborted || topics.length === 0) return Promise.resolve([]);
      const run = publishAll([...new Set(topics)]);
      running.add(run);
      void run.finally(() => running.delete(run));
      return run;
    },
    async close() {
      stopping.abort();
      await Promise.allSettled([...running]);
    },
  };
}
