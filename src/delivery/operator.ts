// The operator's side of the ledger: recover rows a dead worker held, resume a paused edition, report where each
// stands.
import { editionGroups } from './groups.ts';
import type { ExpressionBuilder, UpdateQueryBuilder, UpdateResult } from '../adapters/database.ts';
import { GazetteError } from '../errors.ts';
import { openEdition } from './edition.ts';
import { countDeliveries, emptyCounts } from './ledger.ts';
import type { DatabaseSchema, EditionState, Store } from '../store/index.ts';
import { retryOnConflict } from '../store/index.ts';
import { editionEventCounts } from '../bounces/index.ts';
import { judgeSenders } from './senders.ts';
import type {
  DeliveryCounts,
  DeliveryDeps,
  EditionReport,
  RecoverOptions,
  RecoveryReport,
  ResumeOptions,
} from './types.ts';

type UpdateDeliveries = UpdateQueryBuilder<DatabaseSchema, 'deliveries', 'deliveries', UpdateResult>;
type DeliveriesEb = ExpressionBuilder<DatabaseSchema, 'deliveries'>;

/** Editions whose rows may be in flight: a sent edition has none left (finishIfDone waits for them). */
const UNFINISHED = ['sending', 'paused', 'cancelled'] as const;

/** The senders holding rows in flight in unfinished editions, with how many each holds. */
export async function claimHolders(store: Store): Promise<Map<string, number>> {
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['claimed_by', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', '=', 'sending')
    .where('edition_id', 'in', (eb) =>
      eb
        .selectFrom('editions')
        .select('id')
        .where('state', 'in', [...UNFINISHED]),
    )
    .groupBy('claimed_by')
    .execute();
  return new Map(rows.map((r) => [r.claimed_by ?? '', Number(r.n)]));
}

/**
 * Gives back the rows of senders that died: claimed and never started → pending again (cancelled in
 * a cancelled edition); handed to the transport → marked uncertain (they may have arrived) and, with
 * `digest.resend_uncertain` (the default), queued again at once, so nobody is left without a copy
 * and a duplicate can only be among the rows reported uncertain. A sender is dead when its
 * liveness record says so (senders.ts); `staleAfterMs` also takes claims older than that from a
 * sender that looks alive, for an operator who knows better. A live sender's rows are never taken.
 */
export async function recoverInterrupted(deps: DeliveryDeps, options: RecoverOptions): Promise<RecoveryReport> {
  const { store, config } = deps;
  const now = options.now.getTime();
  const report: RecoveryReport = { released: 0, uncertain: 0, requeued: 0, dead: [] };
  const holders = await claimHolders(store);
  if (holders.size === 0) return report;
  const judged = await judgeSenders(store, [...holders.keys()], options.now);
  const cutoff = options.staleAfterMs === undefined ? undefined : now - options.staleAfterMs;
  const log = deps.logger.child({ component: 'delivery' });
  for (const [holder, rows] of holders) {
    const liveness = judged.get(holder)!;
    if (liveness.alive && cutoff === undefined) continue;
    const taken = await store.transaction(async (trx) => {
      const held = (q: UpdateDeliveries) => {
        let query = q.where('status', '=', 'sending').where('claimed_by', '=', holder);
        if (liveness.alive && cutoff !== undefined) query = query.where('claimed_at', '<=', cutoff);
        return query;
      };
      const inCancelled = (eb: DeliveriesEb) =>
        eb('edition_id', 'in', eb.selectFrom('editions').select('id').where('state', '=', 'cancelled'));
      const cancelled = await held(trx.updateTable('deliveries'))
        .set({ status: 'cancelled', claimed_by: null, claimed_at: null })
        .where('message_id', 'is', null)
        .where(inCancelled)
        .executeTakeFirst();
      const released = await held(trx.updateTable('deliveries'))
        .set({ status: 'pending', claimed_by: null, claimed_at: null })
        .where('message_id', 'is', null)
        .where((eb) => eb.not(inCancelled(eb)))
        .executeTakeFirst();
      // a cancelled edition sends nothing more: its rows in flight stay uncertain
      const resend = config.digest.resendUncertain;
      const requeued = resend
        ? await held(trx.updateTable('deliveries'))
            .set({ status: 'pending', claimed_by: null, claimed_at: null, uncertain_at: now, uncertain_by: holder })
            .where('message_id', 'is not', null)
            .where((eb) => eb.not(inCancelled(eb)))
            .executeTakeFirst()
        : undefined;
      const uncertain = await held(trx.updateTable('deliveries'))
        .set({ status: 'uncertain', uncertain_at: now, uncertain_by: holder })
        .where('message_id', 'is not', null)
        .executeTakeFirst();
      if (!liveness.alive) await trx.deleteFrom('senders').where('id', '=', holder).execute();
      return {
        released: Number(released.numUpdatedRows) + Number(cancelled.numUpdatedRows),
        requeued: Number(requeued?.numUpdatedRows ?? 0),
        uncertain: Number(uncertain.numUpdatedRows),
      };
    });
    report.released += taken.released;
    report.requeued += taken.requeued;
    report.uncertain += taken.uncertain;
    report.dead.push(liveness);
    log.warn(
      { sender: holder, alive: liveness.alive, why: liveness.reason, rows, ...taken },
      liveness.alive
        ? 'claims older than --stale-after taken from a sender that looks alive'
        : `rows of a dead sender recovered (${liveness.reason})`,
    );
  }
  return report;
}

/**
 * Continues an edition: paused → sending (retries become due at once: the operator says the server
 * is back); with `resendUncertain`, uncertain rows go back to pending and a finished edition is
 * reopened to send them. Without `editionId`, the newest edition that has something to resume.
 */
export async function resumeEdition(
  deps: DeliveryDeps,
  options: ResumeOptions,
): Promise<{ editionId: number; requeued: number }> {
  const { store } = deps;
  const editionId = options.editionId ?? (await editionToResume(deps, options.resendUncertain ?? false));
  const now = deps.now().getTime();
  return store.transaction(async (trx) => {
    const edition = await trx
      .selectFrom('editions')
      .select(['id', 'state'])
      .where('id', '=', editionId)
      .executeTakeFirst();
    if (!edition) throw new GazetteError('EDITION_NOT_FOUND', `no edition ${editionId}`);
    if (edition.state === 'cancelled' || edition.state === 'draft')
      throw new GazetteError('EDITION_NOT_RESUMABLE', `edition ${editionId} is ${edition.state}`);
    let requeued = 0;
    if (options.resendUncertain) {
      const result = await trx
        .updateTable('deliveries')
        .set({ status: 'pending', claimed_by: null, claimed_at: null, next_attempt_at: null })
        .where('edition_id', '=', editionId)
        .where('status', '=', 'uncertain')
        .executeTakeFirst();
      requeued = Number(result.numUpdatedRows);
    }
    const reopen = edition.state === 'paused' || (edition.state === 'sent' && requeued > 0);
    if (reopen)
      await trx
        .updateTable('editions')
        .set({ state: 'sending', paused_reason: null, completed_at: null })
        .where('id', '=', editionId)
        .execute();
    if (reopen || options.retryNow === true) {
      await trx
        .updateTable('deliveries')
        .set({ next_attempt_at: now })
        .where('edition_id', '=', editionId)
        .where('status', '=', 'retry')
        .execute();
    }
    deps.logger
      .child({ component: 'delivery' })
      .info({ edition: editionId, from: edition.state, requeued }, 'edition resumed');
    return { editionId, requeued };
  });
}

async function editionToResume(deps: DeliveryDeps, resendUncertain: boolean): Promise<number> {
  const { db } = deps.store;
  const candidates = await db
    .selectFrom('editions')
    .select(['id', 'state'])
    .where('state', 'in', ['paused', 'sending', 'sent'])
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  for (const edition of candidates) {
    if (edition.state === 'paused' || edition.state === 'sending') return edition.id;
    if (resendUncertain) {
      const uncertain = await db
        .selectFrom('deliveries')
        .select('subscriber_id')
        .where('edition_id', '=', edition.id)
        .where('status', '=', 'uncertain')
        .limit(1)
        .executeTakeFirst();
      if (uncertain) return edition.id;
    }
  }
  throw new GazetteError('EDITION_NOT_FOUND', 'no edition is paused or being sent');
}

/**
 * Stops an edition for good: its state becomes 'cancelled' and every row not yet handed to the
 * transport ends as 'cancelled' (pending, waiting for a retry, or claimed and not started: a sender
 * that holds one finds its in-flight mark refused). Messages already in an SMTP conversation finish.
 * Its items count as not mailed, so the next edition carries them. Without `editionId`, the open one.
 */
export async function cancelEdition(
  deps: DeliveryDeps,
  options: { editionId?: number },
): Promise<{ editionId: number; cancelled: number }> {
  const { store } = deps;
  const editionId = options.editionId ?? (await openEdition(store))?.id;
  if (editionId === undefined) throw new GazetteError('EDITION_NOT_FOUND', 'no edition is open (sending or paused)');
  const now = deps.now().getTime();
  // a conflict with a sender's marks (PostgreSQL's deadlock victim) rolls the whole cancel back: it runs again
  const cancelled = await retryOnConflict(() =>
    store.transaction(async (trx) => {
      const edition = await trx.selectFrom('editions').select('state').where('id', '=', editionId).executeTakeFirst();
      if (!edition) throw new GazetteError('EDITION_NOT_FOUND', `no edition ${editionId}`);
      if (edition.state === 'sent' || edition.state === 'cancelled')
        throw new GazetteError('EDITION_NOT_CANCELLABLE', `edition ${editionId} is ${edition.state} already`);
      await trx
        .updateTable('editions')
        .set({ state: 'cancelled', completed_at: now, open_lock: null, paused_reason: 'cancelled by an operator' })
        .where('id', '=', editionId)
        .execute();
      const rows = await trx
        .updateTable('deliveries')
        .set({ status: 'cancelled', claimed_by: null, claimed_at: null, next_attempt_at: null })
        .where('edition_id', '=', editionId)
        .where((eb) =>
          eb.or([
            eb('status', 'in', ['pending', 'retry']),
            eb.and([eb('status', '=', 'sending'), eb('message_id', 'is', null)]),
          ]),
        )
        .executeTakeFirst();
      return Number(rows.numUpdatedRows);
    }),
  );
  deps.logger.child({ component: 'delivery' }).warn({ edition: editionId, cancelled }, 'edition cancelled');
  return { editionId, cancelled };
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** What operators see of an edition's row, in the listing and in its status. */
const EDITION_COLUMNS = [
  'id',
  'slot',
  'subject',
  'state',
  'recipients',
  'paused_reason',
  'created_at',
  'started_at',
  'completed_at',
] as const;

/** One edition as operators list it: its row and its deliveries counted by status. */
export interface EditionListing {
  id: number;
  slot: string | null;
  subject: string;
  state: EditionState;
  recipients: number;
  pausedReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  counts: DeliveryCounts;
}

/** The `limit` newest editions, newest first, each with its deliveries counted by status (two queries). */
export async function listEditions(store: Store, limit: number): Promise<EditionListing[]> {
  const editions = await store.db
    .selectFrom('editions')
    .select([...EDITION_COLUMNS])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const counts = await countDeliveries(
    store,
    editions.map((e) => e.id),
  );
  return editions.map((e) => ({
    id: e.id,
    slot: e.slot,
    subject: e.subject,
    state: e.state,
    recipients: Number(e.recipients),
    pausedReason: e.paused_reason,
    createdAt: new Date(Number(e.created_at)),
    startedAt: date(e.started_at),
    completedAt: date(e.completed_at),
    counts: counts.get(e.id) ?? emptyCounts(),
  }));
}

/**
 * Where each edition stands (one, or the 20 newest): rows by status, failures with the server's reply, uncertain rows.
 */
export async function editionStatus(deps: DeliveryDeps, editionId?: number): Promise<EditionReport[]> {
  const { db } = deps.store;
  let query = db
    .selectFrom('editions')
    .select([...EDITION_COLUMNS])
    .orderBy('id', 'desc');
  query = editionId !== undefined ? query.where('id', '=', editionId) : query.limit(20);
  const editions = await query.execute();
  if (editionId !== undefined && editions.length === 0)
    throw new GazetteError('EDITION_NOT_FOUND', `no edition ${editionId}`);
  const counts = await countDeliveries(
    deps.store,
    editions.map((e) => e.id),
  );
  const groups = await editionGroups(
    deps.store,
    editions.map((e) => e.id),
  );
  const reports: EditionReport[] = [];
  for (const e of editions) {
    const failures = await db
      .selectFrom('deliveries')
      .select(['subscriber_id', 'email', 'status', 'attempts', 'response_code', 'last_error', 'next_attempt_at'])
      .where('edition_id', '=', e.id)
      .where('status', 'in', ['failed', 'retry'])
      .orderBy('subscriber_id')
      .limit(1000)
      .execute();
    const uncertain = await db
      .selectFrom('deliveries')
      .select(['subscriber_id', 'email', 'status', 'uncertain_by', 'uncertain_at'])
      .where('edition_id', '=', e.id)
      .where('uncertain_at', 'is not', null)
      .orderBy('subscriber_id')
      .execute();
    const holders = await db
      .selectFrom('deliveries')
      .select(['claimed_by', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('edition_id', '=', e.id)
      .where('status', '=', 'sending')
      .groupBy('claimed_by')
      .execute();
    const judged = await judgeSenders(
      deps.store,
      holders.map((h) => h.claimed_by ?? ''),
      deps.now(),
    );
    reports.push({
      editionId: e.id,
      slot: e.slot,
      state: e.state,
      subject: e.subject,
      recipients: e.recipients,
      counts: counts.get(e.id) ?? emptyCounts(),
      pausedReason: e.paused_reason,
      createdAt: new Date(e.created_at),
      startedAt: date(e.started_at),
      completedAt: date(e.completed_at),
      failures: failures.map((f) => ({
        email: f.email,
        subscriberId: f.subscriber_id,
        status: f.status as 'failed' | 'retry',
        attempts: f.attempts,
        responseCode: f.response_code,
        error: f.last_error,
        nextAttemptAt: date(f.next_attempt_at),
      })),
      uncertain: uncertain.map((u) => ({
        email: u.email,
        subscriberId: u.subscriber_id,
        claimedBy: u.uncertain_by,
        claimedAt: date(u.uncertain_at),
        resent: u.status !== 'uncertain',
      })),
      groups: groups.get(e.id) ?? [],
      returned: await editionEventCounts(deps.store, e.id),
      inFlight: holders.map((h) => {
        const liveness = judged.get(h.claimed_by ?? '')!;
        return {
          holder: h.claimed_by ?? '',
          rows: Number(h.n),
          alive: liveness.alive,
          reason: liveness.reason,
          seenAt: liveness.seenAt,
        };
      }),
    });
  }
  return reports;
}
