// The operator's side of the ledger: recover rows a dead worker held, resume a paused edition, report where each stands.
import { GazetteError } from '../errors.ts';
import { countDeliveries, emptyCounts } from './ledger.ts';
import type { EditionState, Store } from '../store/index.ts';
import type { DeliveryCounts, DeliveryDeps, EditionReport, RecoverOptions, ResumeOptions } from './types.ts';

const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

/**
 * Rows still 'sending' whose claim is older than `staleAfterMs` belong to a worker that stopped.
 * Those it had handed to the transport (a message id is written just before) may or may not have
 * gone out: they become 'uncertain', reported and sent again only when an operator asks
 * (`resumeEdition` with `resendUncertain`). Those it had only claimed go back to pending.
 * Returns how many became uncertain.
 */
export async function recoverInterrupted(deps: DeliveryDeps, options: RecoverOptions): Promise<number> {
  const cutoff = options.now.getTime() - (options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const { db } = deps.store;
  const unstarted = await db
    .updateTable('deliveries')
    .set({ status: 'pending', claimed_by: null, claimed_at: null })
    .where('status', '=', 'sending')
    .where('message_id', 'is', null)
    .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<=', cutoff)]))
    .executeTakeFirst();
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'uncertain' })
    .where('status', '=', 'sending')
    .where('message_id', 'is not', null)
    .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<=', cutoff)]))
    .executeTakeFirst();
  const count = Number(result.numUpdatedRows);
  const released = Number(unstarted.numUpdatedRows);
  const log = deps.logger.child({ component: 'delivery' });
  if (released > 0)
    log.info({ rows: released }, 'rows claimed by a stopped worker and never started are pending again');
  if (count > 0)
    log.warn(
      { rows: count },
      'rows left in flight by a stopped worker are now uncertain; `gazette digest status` lists them',
    );
  return count;
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
    if (edition.state === 'paused' || (edition.state === 'sent' && requeued > 0)) {
      await trx
        .updateTable('editions')
        .set({ state: 'sending', paused_reason: null, completed_at: null })
        .where('id', '=', editionId)
        .execute();
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

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

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
    .select([
      'id',
      'slot',
      'subject',
      'state',
      'recipients',
      'paused_reason',
      'created_at',
      'started_at',
      'completed_at',
    ])
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

/** Where each edition stands (one, or the 20 newest): rows by status, failures with the server's reply, uncertain rows. */
export async function editionStatus(deps: DeliveryDeps, editionId?: number): Promise<EditionReport[]> {
  const { db } = deps.store;
  let query = db
    .selectFrom('editions')
    .select([
      'id',
      'slot',
      'subject',
      'state',
      'recipients',
      'paused_reason',
      'created_at',
      'started_at',
      'completed_at',
    ])
    .orderBy('id', 'desc');
  query = editionId !== undefined ? query.where('id', '=', editionId) : query.limit(20);
  const editions = await query.execute();
  if (editionId !== undefined && editions.length === 0)
    throw new GazetteError('EDITION_NOT_FOUND', `no edition ${editionId}`);
  const counts = await countDeliveries(
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
      .select(['subscriber_id', 'email', 'claimed_by', 'claimed_at'])
      .where('edition_id', '=', e.id)
      .where('status', '=', 'uncertain')
      .orderBy('subscriber_id')
      .execute();
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
        claimedBy: u.claimed_by,
        claimedAt: date(u.claimed_at),
      })),
    });
  }
  return reports;
}
