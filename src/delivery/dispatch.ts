// The dispatcher: claims batches of due rows, sends them with bounded concurrency and pacing, records every outcome.
import { MailError, SmtpError } from '../mail/index.ts';
import { errorMessage } from '../errors.ts';
import { DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
import {
  claimBatch,
  countDeliveries,
  finishIfDone,
  markEditionStarted,
  markInFlight,
  nextRetryAt,
  pauseEdition,
  recordFailure,
  recordSent,
  releaseClaims,
  subscriberNames,
  type ClaimedRow,
} from './ledger.ts';
import { createRateLimiter, sleep, type RateLimiter } from './rate-limit.ts';
import { messageBuilder } from './recipients.ts';
import type { DeliveryDeps, DispatchOptions, DispatchResult } from './types.ts';

const HOUR = 3_600_000;
/** Longest single wait for a retry, so that a clock change or a resume elsewhere is noticed. */
const MAX_WAIT_MS = 60_000;

type Outcome = 'done' | 'idle' | 'paused' | 'aborted';

interface Failure {
  retryable: boolean;
  serverWide: boolean;
  responseCode: number | null;
  text: string;
}

function describeFailure(err: unknown): Failure {
  if (err instanceof SmtpError) {
    const reply = err.response ?? err.message;
    const text = err.responseCode !== undefined && !reply.startsWith(String(err.responseCode)) ? `${err.responseCode} ${reply}` : reply;
    return { retryable: err.retryable, serverWide: err.serverWide, responseCode: err.responseCode ?? null, text: err.command ? `${text} (${err.command})` : text };
  }
  // a message that cannot be written is wrong for good; anything else (outbox disk full, …) may pass later
  if (err instanceof MailError && err.code === 'MAIL_HEADER_INVALID') return { retryable: false, serverWide: false, responseCode: null, text: err.message };
  return { retryable: true, serverWide: true, responseCode: null, text: errorMessage(err) };
}

/**
 * Drains every claimable row of the editions being sent (or of `options.editionId`): claims a batch,
 * sends it with `digest.concurrency` messages in flight within the rate limits, records each row,
 * and repeats. An edition pauses itself after `digest.pauseAfterFailures` temporary failures in a
 * row, and is marked sent once no row is pending, waiting for a retry or in flight.
 */
export async function dispatch(deps: DeliveryDeps, options: DispatchOptions): Promise<DispatchResult> {
  const { store, config } = deps;
  const log = deps.logger.child({ component: 'dispatch', worker: options.workerId });
  const result: DispatchResult = { sent: 0, failed: 0, retried: 0, paused: [], completed: [], aborted: false, nextAttemptAt: null };
  const signal = options.signal;
  const digest = config.digest;

  let sentInLastHour = 0;
  if (digest.ratePerHour > 0) {
    const row = await store.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('sent_at', '>=', deps.now().getTime() - HOUR)
      .executeTakeFirst();
    sentInLastHour = Number(row?.n ?? 0);
  }
  const limiter = createRateLimiter({ perSecond: digest.ratePerSecond, perHour: digest.ratePerHour, sentInLastHour });

  for (;;) {
    const editionIds =
      options.editionId !== undefined
        ? [options.editionId]
        : (await store.db.selectFrom('editions').select('id').where('state', '=', 'sending').orderBy('id').execute()).map((e) => e.id);
    for (const editionId of editionIds) {
      if (signal?.aborted) break;
      const outcome = await drainEdition(deps, editionId, options, limiter, result, log);
      if (outcome === 'aborted') break;
    }
    if (signal?.aborted) {
      result.aborted = true;
      break;
    }
    result.nextAttemptAt = await earliestRetry(deps, editionIds);
    if (!options.waitForRetries || result.nextAttemptAt === null) break;
    const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, result.nextAttemptAt.getTime() - deps.now().getTime()));
    log.info({ retryAt: result.nextAttemptAt.toISOString() }, 'waiting for retries');
    if (!(await sleep(waitMs, signal))) {
      result.aborted = true;
      break;
    }
  }
  return result;
}

async function earliestRetry(deps: DeliveryDeps, editionIds: readonly number[]): Promise<Date | null> {
  let earliest: number | null = null;
  for (const id of editionIds) {
    const state = await deps.store.db.selectFrom('editions').select('state').where('id', '=', id).executeTakeFirst();
    if (state?.state !== 'sending') continue;
    const next = await nextRetryAt(deps.store, id);
    if (next !== null && (earliest === null || next < earliest)) earliest = next;
  }
  return earliest === null ? null : new Date(earliest);
}

async function drainEdition(
  deps: DeliveryDeps,
  editionId: number,
  options: DispatchOptions,
  limiter: RateLimiter,
  result: DispatchResult,
  log: DeliveryDeps['logger'],
): Promise<Outcome> {
  const { store, config, mailer } = deps;
  const { workerId, signal } = options;
  const backoff = deps.retryBackoff ?? DEFAULT_BACKOFF;
  const folder = `edition-${editionId}`;
  let build: Awaited<ReturnType<typeof messageBuilder>> | undefined;
  let started = false;
  let consecutiveFailures = 0;
  let counts = (await countDeliveries(store, [editionId])).get(editionId)!;
  const report = (): void => options.onProgress?.({ editionId, ...counts });

  // Under a rate limit a batch is what goes out in about half a minute: claims stay young, so a
  // claim that is old really was left by a worker that stopped.
  const rate = config.digest.ratePerSecond;
  const batchSize = rate > 0 ? Math.min(config.digest.batchSize, Math.max(config.digest.concurrency, Math.ceil(rate * 30))) : config.digest.batchSize;

  for (;;) {
    if (signal?.aborted) return 'aborted';
    const rows = await claimBatch(store, editionId, workerId, batchSize, deps.now().getTime());
    if (rows.length === 0) {
      if (await finishIfDone(store, editionId, deps.now().getTime())) {
        result.completed.push(editionId);
        counts = (await countDeliveries(store, [editionId])).get(editionId)!;
        report();
        log.info({ edition: editionId, ...counts }, 'edition sent');
        return 'done';
      }
      return 'idle';
    }
    build ??= await messageBuilder(deps, editionId);
    if (!started) {
      started = true;
      await markEditionStarted(store, editionId, deps.now().getTime());
    }
    counts = (await countDeliveries(store, [editionId])).get(editionId)!;
    report();
    const names = await subscriberNames(store, rows.map((r) => r.subscriber_id));

    const queue: ClaimedRow[] = [...rows];
    // set from inside the concurrent senders; an object so the checks below are not narrowed away
    const halt: { reason: 'paused' | 'aborted' | 'error' | null } = { reason: null };
    let fatal: unknown;

    const sendOne = async (row: ClaimedRow): Promise<void> => {
      let messageId: string | undefined;
      try {
        const message = build!({ subscriberId: row.subscriber_id, email: row.email, name: names.get(row.subscriber_id) ?? null });
        messageId = message.messageId;
        // taken away since the claim (recovered as stale, edition reset): not ours to send
        if (!(await markInFlight(store, row, workerId, messageId))) return;
        await mailer.send(message, { folder });
      } catch (err) {
        const failure = describeFailure(err);
        const attempts = row.attempts + 1;
        const permanent = !failure.retryable || (attempts >= config.digest.maxAttempts && !failure.serverWide);
        const nextAttemptAt = permanent ? null : deps.now().getTime() + retryDelayMs(backoff, editionId, row.subscriber_id, attempts);
        await recordFailure(store, row, workerId, { status: permanent ? 'failed' : 'retry', error: failure.text, responseCode: failure.responseCode, nextAttemptAt });
        counts.sending--;
        if (permanent) {
          counts.failed++;
          result.failed++;
          log.warn({ edition: editionId, subscriber: row.subscriber_id, code: failure.responseCode, error: failure.text }, 'delivery failed');
        } else {
          counts.retry++;
          result.retried++;
          log.debug({ edition: editionId, subscriber: row.subscriber_id, attempts, error: failure.text }, 'delivery deferred');
        }
        if (failure.retryable) {
          consecutiveFailures++;
          if (consecutiveFailures >= config.digest.pauseAfterFailures && halt.reason === null) {
            halt.reason = 'paused';
            const reason = `${consecutiveFailures} failures in a row; last: ${failure.text}`;
            if (await pauseEdition(store, editionId, reason)) {
              result.paused.push(editionId);
              log.error({ edition: editionId, reason }, 'edition paused: the mail server keeps failing; run `gazette digest resume` once it is back');
            }
          }
        }
        report();
        return;
      }
      consecutiveFailures = 0;
      await recordSent(store, row, workerId, deps.now().getTime(), messageId!);
      counts.sending--;
      counts.sent++;
      result.sent++;
      report();
    };

    const worker = async (): Promise<void> => {
      while (halt.reason === null && queue.length > 0) {
        if (signal?.aborted || !(await limiter.acquire(signal))) {
          halt.reason ??= 'aborted';
          break;
        }
        if (halt.reason !== null) break;
        const row = queue.shift();
        if (!row) break;
        try {
          await sendOne(row);
        } catch (err) {
          // the ledger itself failed: stop here; rows left in 'sending' become uncertain on recovery
          halt.reason = 'error';
          fatal ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.digest.concurrency, rows.length) }, worker));
    if (signal?.aborted && halt.reason === null) halt.reason = 'aborted';
    if (queue.length > 0) {
      const released = await releaseClaims(store, queue, workerId);
      log.info({ edition: editionId, released }, 'claimed rows handed back unsent');
    }
    if (halt.reason === 'error') throw fatal;
    if (halt.reason === 'paused') return 'paused';
    if (halt.reason === 'aborted') return 'aborted';
    const state = await store.db.selectFrom('editions').select('state').where('id', '=', editionId).executeTakeFirst();
    // paused or cancelled elsewhere (an operator, another worker) since the claim
    if (state?.state !== 'sending') return 'paused';
    log.info({ edition: editionId, ...counts }, 'batch done');
  }
}
