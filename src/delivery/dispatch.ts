// The dispatcher: claims batches of due rows, sends them with bounded concurrency and pacing, records every outcome.
import { classifyReply, enhancedCode, recordQuietly } from '../bounces/index.ts';
import { MailError, SmtpError } from '../mail/index.ts';
import { errorMessage } from '../errors.ts';
import { DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
import {
  claimBatch,
  countDeliveries,
  finishIfDone,
  markEditionStarted,
  nextRetryAt,
  editionState,
  pauseEdition,
  recordFailure,
  releaseClaims,
  subscriberNames,
  type ClaimedRow,
} from './ledger.ts';
import { createOutcomeWriter } from './outcomes.ts';
import { createRateLimiter, sleep, type RateLimiter } from './rate-limit.ts';
import { editionMessages, type EditionMessages, type PreparedMessage } from './recipients.ts';
import { registerSender } from './senders.ts';
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
    const text =
      err.responseCode !== undefined && !reply.startsWith(String(err.responseCode))
        ? `${err.responseCode} ${reply}`
        : reply;
    return {
      retryable: err.retryable,
      serverWide: err.serverWide,
      responseCode: err.responseCode ?? null,
      text: err.command ? `${text} (${err.command})` : text,
    };
  }
  // a message that cannot be written is wrong for good; anything else (outbox disk full, …) may pass later
  if (err instanceof MailError && err.code === 'MAIL_HEADER_INVALID')
    return { retryable: false, serverWide: false, responseCode: null, text: err.message };
  return { retryable: true, serverWide: true, responseCode: null, text: errorMessage(err) };
}

/**
 * Drains every claimable row of the editions being sent (or of `options.editionId`): claims a batch,
 * sends it with `digest.concurrency` messages in flight within the rate limits, records each row,
 * and repeats. An edition pauses itself after `digest.pauseAfterFailures` temporary failures in a
 * row, and is marked sent once no row is pending, waiting for a retry or in flight.
 */
export async function dispatch(deps: DeliveryDeps, options: DispatchOptions): Promise<DispatchResult> {
  // a sender is known to be alive before it claims anything (its heartbeat runs while it sends)
  const own = options.registered
    ? undefined
    : await registerSender({
        store: deps.store,
        id: options.workerId,
        kind: 'cli',
        now: deps.now,
        logger: deps.logger,
      });
  try {
    return await dispatchAs(deps, options);
  } finally {
    await own?.stop();
  }
}

async function dispatchAs(deps: DeliveryDeps, options: DispatchOptions): Promise<DispatchResult> {
  const { store, config } = deps;
  const log = deps.logger.child({ component: 'dispatch', worker: options.workerId });
  const result: DispatchResult = {
    sent: 0,
    failed: 0,
    retried: 0,
    paused: [],
    completed: [],
    aborted: false,
    nextAttemptAt: null,
  };
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
        : (
            await store.db.selectFrom('editions').select('id').where('state', '=', 'sending').orderBy('id').execute()
          ).map((e) => e.id);
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

/** The row was taken away from this worker between its claim and its message (recovered, reset). */
class ClaimLost extends Error {}

/** A message the server accepted whose sent mark is still to be written. */
interface Accepted {
  subscriberId: number;
  messageId: string;
}

/**
 * Sends one edition's due rows: claims keep a short queue filled ahead of the senders (no pause
 * between batches), `digest.concurrency` senders each send one message after another, and the
 * ledger writes go through one group-committing writer. Before a message is completed (the final
 * dot over SMTP) its row is marked in flight; after the server accepts it, it is marked sent.
 */
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
  const concurrency = config.digest.concurrency;
  const counts = (await countDeliveries(store, [editionId])).get(editionId)!;
  const report = (): void => options.onProgress?.({ editionId, ...counts });

  // Under a rate limit a batch is what goes out in about half a minute: claims stay young, so a
  // claim that is old really was left by a worker that stopped.
  const rate = config.digest.ratePerSecond;
  const batchSize =
    rate > 0 ? Math.min(config.digest.batchSize, Math.max(concurrency, Math.ceil(rate * 30))) : config.digest.batchSize;

  // PostgreSQL commits concurrent writes with one flush of its log: a few run at once, within the pool
  const writer = createOutcomeWriter(
    store,
    editionId,
    workerId,
    () => deps.now().getTime(),
    store.dialect === 'postgres' ? Math.min(4, concurrency) : 1,
  );
  let prepare: EditionMessages | undefined;
  let started = false;
  let consecutiveFailures = 0;
  const queue: ClaimedRow[] = [];
  const names = new Map<number, string | null>();
  let exhausted = false;
  let claiming: Promise<void> | undefined;
  // set from inside the concurrent senders; an object so the checks below are not narrowed away
  const halt: { reason: 'paused' | 'aborted' | 'error' | null } = { reason: null };
  let fatal: unknown;
  const stop = (err: unknown): void => {
    halt.reason = 'error';
    fatal ??= err;
  };

  // the last pending subscriber claimed: the next claim starts after it, and only once nothing is
  // left after it does one look from the start (rows handed back by an aborted sender)
  let cursor: number | undefined;
  const claimMore = async (): Promise<void> => {
    let rows = await claimBatch(store, editionId, workerId, batchSize, deps.now().getTime(), cursor);
    if (rows.length === 0 && cursor !== undefined) {
      cursor = undefined;
      rows = await claimBatch(store, editionId, workerId, batchSize, deps.now().getTime());
    }
    if (rows.length === 0) {
      exhausted = true;
      return;
    }
    for (const row of rows)
      if (row.from === 'pending' && (cursor === undefined || row.subscriber_id > cursor)) cursor = row.subscriber_id;
    prepare ??= await editionMessages(deps, editionId);
    // each group's digest is loaded, and its message template compiled, once: before its first row is sent
    for (const key of new Set(rows.map((r) => r.group_key))) await prepare.group(key);
    if (!started) {
      started = true;
      await markEditionStarted(store, editionId, deps.now().getTime());
    }
    for (const [id, name] of await subscriberNames(
      store,
      rows.map((r) => r.subscriber_id),
    ))
      names.set(id, name);
    for (const row of rows) {
      if (row.from === 'pending') counts.pending--;
      else counts.retry--;
      counts.sending++;
      queue.push({
        edition_id: row.edition_id,
        subscriber_id: row.subscriber_id,
        email: row.email,
        attempts: row.attempts,
        group_key: row.group_key,
      });
    }
    report();
  };

  const next = async (): Promise<ClaimedRow | undefined> => {
    for (;;) {
      if (halt.reason !== null) return undefined;
      // the next claim is made while the senders still have work, so they never wait for it
      if (!exhausted && claiming === undefined && queue.length <= concurrency * 2) {
        claiming = claimMore()
          .catch(stop)
          .finally(() => {
            claiming = undefined;
          });
      }
      const row = queue.shift();
      if (row) return row;
      if (claiming === undefined) return undefined;
      await claiming;
    }
  };

  // Rows whose in-flight mark the ledger refused while still ours: the edition stopped being sent
  // (paused or cancelled elsewhere) before their message was handed over. They go back unsent.
  const handBack: ClaimedRow[] = [];
  let stateCheck: Promise<void> | undefined;
  const refused = async (row: ClaimedRow): Promise<void> => {
    handBack.push(row);
    stateCheck ??= editionState(store, editionId)
      .then((state) => {
        if (state !== 'sending') halt.reason ??= 'paused';
      })
      .finally(() => {
        stateCheck = undefined;
      });
    await stateCheck;
  };

  const fail = async (row: ClaimedRow, err: unknown): Promise<void> => {
    const failure = describeFailure(err);
    const attempts = row.attempts + 1;
    const permanent = !failure.retryable || (attempts >= config.digest.maxAttempts && !failure.serverWide);
    const nextAttemptAt = permanent
      ? null
      : deps.now().getTime() + retryDelayMs(backoff, editionId, row.subscriber_id, attempts);
    await recordFailure(store, row, workerId, {
      status: permanent ? 'failed' : 'retry',
      error: failure.text,
      responseCode: failure.responseCode,
      nextAttemptAt,
    });
    counts.sending--;
    if (permanent) {
      counts.failed++;
      result.failed++;
      log.warn(
        { edition: editionId, subscriber: row.subscriber_id, code: failure.responseCode, error: failure.text },
        'delivery failed',
      );
      // a refusal by the recipient's server is a bounce like any other (a 5.1.x reply at RCPT is a hard one)
      const bounce = failure.serverWide ? undefined : classifyReply(failure.responseCode, failure.text);
      if (bounce)
        await recordQuietly(
          { store, config, logger: deps.logger, now: deps.now, secret: deps.secret ?? '' },
          {
            type: 'bounce',
            class: bounce,
            subscriberId: row.subscriber_id,
            editionId,
            email: row.email,
            status: enhancedCode(failure.text),
            diagnostic: failure.text,
            source: 'rcpt',
          },
        );
    } else {
      counts.retry++;
      result.retried++;
      log.debug(
        { edition: editionId, subscriber: row.subscriber_id, attempts, error: failure.text },
        'delivery deferred',
      );
    }
    if (failure.retryable) {
      consecutiveFailures++;
      if (consecutiveFailures >= config.digest.pauseAfterFailures && halt.reason === null) {
        halt.reason = 'paused';
        const reason = `${consecutiveFailures} failures in a row; last: ${failure.text}`;
        if (await pauseEdition(store, editionId, reason)) {
          result.paused.push(editionId);
          log.error(
            { edition: editionId, reason },
            'edition paused: the mail server keeps failing; run `gazette digest resume` once it is back',
          );
        }
      }
    }
    report();
  };

  /**
   * Sends one row's message. `accepted` is this sender's previous message that the server took:
   * its sent mark is written with this row's in-flight mark. Returns this row as the next
   * `accepted` when the server took its message.
   */
  const sendOne = async (row: ClaimedRow, accepted: Accepted | undefined): Promise<Accepted | undefined> => {
    const recipient = { subscriberId: row.subscriber_id, email: row.email, name: names.get(row.subscriber_id) ?? null };
    names.delete(row.subscriber_id);
    let prepared: PreparedMessage;
    try {
      prepared = prepare!.message(recipient, row.group_key);
    } catch (err) {
      // nothing was handed over: the row can be written off (or retried) at once
      if (accepted) writer.sent(accepted).catch(stop);
      await fail(row, err);
      return undefined;
    }
    const mark = { subscriberId: row.subscriber_id, messageId: prepared.messageId };
    const inFlight = writer.inFlight(mark, accepted);
    try {
      if (prepared.raw) {
        // the message travels while its mark is written; it is completed only once the mark is in
        const ready = inFlight.then((ours) => {
          if (!ours) throw new ClaimLost('the row was taken away');
        });
        // bytes come only from a template, which only a mailer with sendRaw compiles
        await mailer.sendRaw!(prepared.raw, { folder, ready });
      } else {
        // refused: the edition stopped, or the row was taken away since the claim; not sent
        if (!(await inFlight)) {
          await refused(row);
          return undefined;
        }
        await mailer.send(prepared.message, { folder });
      }
    } catch (err) {
      // a failed ledger write stops the sender (thrown from here); a refused mark is not a failure
      if (!(await inFlight)) {
        await refused(row);
        return undefined;
      }
      await fail(row, err);
      return undefined;
    }
    consecutiveFailures = 0;
    counts.sending--;
    counts.sent++;
    result.sent++;
    report();
    return mark;
  };

  const worker = async (): Promise<void> => {
    let accepted: Accepted | undefined;
    try {
      for (;;) {
        const row = await next();
        if (!row) break;
        if (signal?.aborted || !(await limiter.acquire(signal))) {
          queue.unshift(row);
          halt.reason ??= 'aborted';
          break;
        }
        if (halt.reason !== null) {
          queue.unshift(row);
          break;
        }
        const previous = accepted;
        accepted = undefined;
        try {
          accepted = await sendOne(row, previous);
        } catch (err) {
          // the ledger itself failed: stop here; rows left in 'sending' become uncertain on recovery
          stop(err);
        }
      }
    } finally {
      // the last accepted message's sent mark; drainEdition waits for the writer before it returns
      if (accepted) writer.sent(accepted).catch(stop);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  while (claiming !== undefined) await claiming;
  await writer.flush().catch(stop);
  if (signal?.aborted && halt.reason === null) halt.reason = 'aborted';
  const unsent = [...queue, ...handBack];
  if (unsent.length > 0 && halt.reason !== 'error') {
    const released = await releaseClaims(store, unsent, workerId);
    counts.sending -= released;
    counts.pending += released;
    log.info({ edition: editionId, released }, 'claimed rows handed back unsent');
  }
  if (halt.reason === 'error') throw fatal;
  if (halt.reason === 'paused') return 'paused';
  if (halt.reason === 'aborted') return 'aborted';
  if (await finishIfDone(store, editionId, deps.now().getTime())) {
    result.completed.push(editionId);
    const final = (await countDeliveries(store, [editionId])).get(editionId)!;
    Object.assign(counts, final);
    report();
    log.info({ edition: editionId, ...counts }, 'edition sent');
    return 'done';
  }
  // paused or cancelled elsewhere (an operator, another worker) since the claim
  if ((await editionState(store, editionId)) !== 'sending') return 'paused';
  return 'idle';
}
