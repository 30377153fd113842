// The ledger's statements: claim a batch by compare-and-set, record each outcome, release, pause, finish.
import { sql } from '../adapters/database.ts';
import type { DeliveryStatus, EditionState, Store } from '../store/index.ts';
import { retryOnConflict } from '../store/index.ts';
import type { DeliveryCounts } from './types.ts';

export interface ClaimedRow {
  edition_id: number;
  subscriber_id: number;
  email: string;
  attempts: number;
  /** The reader's group: which of the edition's digests is theirs; null in an edition made before groups. */
  group_key: string | null;
}

export interface ClaimedFrom extends ClaimedRow {
  /** The status the row had before the claim. */
  from: 'pending' | 'retry';
}

/**
 * Moves up to `limit` due rows of `editionId` (pending first, then retries whose time has come)
 * to 'sending' for `workerId`, only while the edition is being sent. Two claimers never get the
 * same row: PostgreSQL locks the candidates with FOR UPDATE SKIP LOCKED, SQLite runs one statement
 * that holds the write lock from its start, and both re-check the status in the UPDATE itself.
 * Each status is read along the (edition_id, status, subscriber_id) index from `after` (the last
 * subscriber a previous claim took) on: a claim costs the rows it takes, not the rows already
 * claimed before it (PostgreSQL keeps their old index entries until a vacuum).
 */
export async function claimBatch(
  store: Store,
  editionId: number,
  workerId: string,
  limit: number,
  now: number,
  after?: number,
): Promise<ClaimedFrom[]> {
  const pending = await claimStatus(store, editionId, workerId, limit, now, 'pending', after);
  const claimed: ClaimedFrom[] = pending.map((r) => ({ ...r, from: 'pending' }));
  if (claimed.length < limit) {
    const retries = await claimStatus(store, editionId, workerId, limit - claimed.length, now, 'retry');
    for (const r of retries) claimed.push({ ...r, from: 'retry' });
  }
  return claimed;
}

async function claimStatus(
  store: Store,
  editionId: number,
  workerId: string,
  limit: number,
  now: number,
  status: 'pending' | 'retry',
  after?: number,
): Promise<ClaimedRow[]> {
  const due =
    status === 'retry'
      ? sql`and coalesce(d.next_attempt_at, 0) <= ${now}`
      : after !== undefined
        ? sql`and d.subscriber_id > ${after}`
        : sql``;
  if (store.dialect === 'postgres') {
    const statement = sql<ClaimedRow>`
      update deliveries set status = 'sending', claimed_by = ${workerId}, claimed_at = ${now}, message_id = null
      where (edition_id, subscriber_id) in (
        select d.edition_id, d.subscriber_id from deliveries d
        where d.edition_id = ${editionId} and d.status = ${status} ${due}
          and exists (select 1 from editions e where e.id = d.edition_id and e.state = 'sending')
        order by d.subscriber_id
        limit ${limit}
        for update of d skip locked)
      and status = ${status}
      returning edition_id, subscriber_id, email, attempts, group_key`;
    return (await retryOnConflict(() => statement.execute(store.db))).rows;
  }
  // One statement is its own write transaction, and SQLite takes the write lock before it reads:
  // the same as BEGIN IMMEDIATE around it, without holding the lock across an await (better-sqlite3
  // waits for a busy lock synchronously, so a lock held over an await would stall another
  // connection in the same process).
  const result = await sql<ClaimedRow>`
    update deliveries set status = 'sending', claimed_by = ${workerId}, claimed_at = ${now}, message_id = null
    where rowid in (
      select d.rowid from deliveries d
      where d.edition_id = ${editionId} and d.status = ${status} ${due}
        and exists (select 1 from editions e where e.id = d.edition_id and e.state = 'sending')
      order by d.subscriber_id
      limit ${limit})
    and status = ${status}
    returning edition_id, subscriber_id, email, attempts, group_key`.execute(store.db);
  return result.rows;
}

/** Names of the claimed subscribers, for the greeting. */
export async function subscriberNames(store: Store, ids: readonly number[]): Promise<Map<number, string | null>> {
  const names = new Map<number, string | null>();
  if (ids.length === 0) return names;
  const rows = await store.db
    .selectFrom('subscribers')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
  for (const row of rows) names.set(row.id, row.name);
  return names;
}

/** Updates one row this worker holds; false when it was taken away meanwhile (e.g. recovered as uncertain). */
async function updateClaimed(
  store: Store,
  row: { edition_id: number; subscriber_id: number },
  workerId: string,
  values: Partial<{
    status: DeliveryStatus;
    attempts: number;
    next_attempt_at: number | null;
    last_error: string | null;
    response_code: number | null;
    sent_at: number | null;
    message_id: string | null;
    claimed_by: string | null;
    claimed_at: number | null;
  }>,
): Promise<boolean> {
  const result = await store.db
    .updateTable('deliveries')
    .set(values)
    .where('edition_id', '=', row.edition_id)
    .where('subscriber_id', '=', row.subscriber_id)
    .where('status', '=', 'sending')
    .where('claimed_by', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function recordFailure(
  store: Store,
  row: ClaimedRow,
  workerId: string,
  outcome: { status: 'failed' | 'retry'; error: string; responseCode: number | null; nextAttemptAt: number | null },
): Promise<boolean> {
  return updateClaimed(store, row, workerId, {
    status: outcome.status,
    attempts: row.attempts + 1,
    last_error: outcome.error.slice(0, 2000),
    response_code: outcome.responseCode,
    next_attempt_at: outcome.nextAttemptAt,
  });
}

/** Hands claimed rows that were never started back to the pool (abort, pause), in one statement. */
export async function releaseClaims(store: Store, rows: readonly ClaimedRow[], workerId: string): Promise<number> {
  if (rows.length === 0) return 0;
  let released = 0;
  // a claimed retry keeps its attempts and comes back as pending: it was due already
  const byEdition = new Map<number, ClaimedRow[]>();
  for (const row of rows) byEdition.set(row.edition_id, [...(byEdition.get(row.edition_id) ?? []), row]);
  for (const [editionId, ids] of byEdition) {
    const result = await store.db
      .updateTable('deliveries')
      .set({ status: 'pending', claimed_by: null, claimed_at: null, message_id: null })
      .where('edition_id', '=', editionId)
      .where(
        'subscriber_id',
        'in',
        ids.map((r) => r.subscriber_id),
      )
      .where('status', '=', 'sending')
      .where('claimed_by', '=', workerId)
      .where('message_id', 'is', null)
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}

/** The edition's state now; undefined when there is no such edition. */
export async function editionState(store: Store, editionId: number): Promise<EditionState | undefined> {
  const row = await store.db.selectFrom('editions').select('state').where('id', '=', editionId).executeTakeFirst();
  return row?.state;
}

/** Outcomes written together: messages about to be handed over, and messages the server accepted. */
export interface OutcomeBatch {
  /** Rows whose message goes to the transport now, with its Message-ID. */
  inFlight: { subscriberId: number; messageId: string }[];
  /** Rows whose message was accepted. */
  sent: { subscriberId: number; messageId: string }[];
}

/**
 * Writes a batch of outcomes of rows `workerId` holds in one transaction (one statement on
 * PostgreSQL). Returns the subscriber ids of the rows each part changed; a row missing was taken
 * away meanwhile (e.g. recovered as uncertain).
 */
export async function recordOutcomes(
  store: Store,
  editionId: number,
  workerId: string,
  batch: OutcomeBatch,
  sentAt: number,
): Promise<{ inFlight: Set<number>; sent: Set<number> }> {
  const inFlight = new Set<number>();
  const sent = new Set<number>();
  if (store.dialect === 'postgres') {
    // Rows are looked up by primary key. The status is compared as an expression no index holds:
    // otherwise the planner may walk the (edition, 'sending') range of deliveries_due, which keeps
    // an entry for every row that ever passed through 'sending' until a vacuum. The Message-ID
    // of a sent row is the one marked in flight.
    // One statement: a try PostgreSQL aborts for a deadlock (with an operator's cancel, say) kept nothing.
    const ids = batch.inFlight.map((r) => r.subscriberId);
    const statement = sql<{ k: string; subscriber_id: number }>`
      with i as (
        update deliveries
        set message_id =
          (${batch.inFlight.map((r) => r.messageId)}::text[])[array_position(${ids}::bigint[], subscriber_id)]
        where edition_id = ${editionId} and subscriber_id = any(${ids}::bigint[])
          and status || '' = 'sending' and claimed_by = ${workerId}
          and exists (select 1 from editions e where e.id = ${editionId} and e.state = 'sending')
        returning subscriber_id),
      s as (
        update deliveries set status = 'sent', attempts = attempts + 1, sent_at = ${sentAt},
          last_error = null, next_attempt_at = null
        where edition_id = ${editionId} and subscriber_id = any(${batch.sent.map((r) => r.subscriberId)}::bigint[])
          and status || '' = 'sending' and claimed_by = ${workerId}
        returning subscriber_id)
      select 'i' as k, subscriber_id from i union all select 's' as k, subscriber_id from s`;
    const result = await retryOnConflict(() => statement.execute(store.db));
    for (const row of result.rows) (row.k === 'i' ? inFlight : sent).add(Number(row.subscriber_id));
    return { inFlight, sent };
  }
  // SQLite: one write transaction of one small statement per row, run in one synchronous step
  // (Store.writeBatch): a few microseconds a row, where one statement for the whole batch through
  // kysely cost about 130 µs for the usual two or three rows. Rows are looked up by primary key,
  // the status compared as an expression (the (edition, 'sending') range of deliveries_due holds
  // the whole claimed batch). The Message-ID of a sent row is the one marked in flight.
  if (batch.inFlight.length === 0 && batch.sent.length === 0) return { inFlight, sent };
  const writeBatch = store.writeBatch;
  if (writeBatch === undefined) throw new Error(`the ${store.dialect} store has no batch writes`);
  await writeBatch((w) => {
    for (const r of batch.inFlight)
      if (w.run(MARK_IN_FLIGHT, [r.messageId, editionId, r.subscriberId, workerId, editionId]) === 1)
        inFlight.add(r.subscriberId);
    for (const r of batch.sent)
      if (w.run(MARK_SENT, [sentAt, r.messageId, editionId, r.subscriberId, workerId]) === 1) sent.add(r.subscriberId);
  });
  return { inFlight, sent };
}

// a message is handed over only while its edition is being sent: a pause or a cancel committed
// before the mark stops it before its final dot
const MARK_IN_FLIGHT = `update deliveries set message_id = ?
  where edition_id = ? and subscriber_id = ? and status || '' = 'sending' and claimed_by = ?
    and exists (select 1 from editions e where e.id = ? and e.state = 'sending')`;
const MARK_SENT = `update deliveries set status = 'sent', attempts = attempts + 1, sent_at = ?, message_id = ?,
    last_error = null, next_attempt_at = null
  where edition_id = ? and subscriber_id = ? and status || '' = 'sending' and claimed_by = ?`;

export async function markEditionStarted(store: Store, editionId: number, now: number): Promise<void> {
  await store.db
    .updateTable('editions')
    .set({ started_at: now })
    .where('id', '=', editionId)
    .where('started_at', 'is', null)
    .execute();
}

/** Pauses an edition that is being sent; false when it was not (already paused or done). */
export async function pauseEdition(store: Store, editionId: number, reason: string): Promise<boolean> {
  const result = await store.db
    .updateTable('editions')
    .set({ state: 'paused', paused_reason: reason.slice(0, 1000) })
    .where('id', '=', editionId)
    .where('state', '=', 'sending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks the edition sent when none of its rows is pending, waiting for a retry or being sent. */
export async function finishIfDone(store: Store, editionId: number, now: number): Promise<boolean> {
  const result = await store.db
    .updateTable('editions')
    .set({ state: 'sent', completed_at: now, paused_reason: null, open_lock: null })
    .where('id', '=', editionId)
    .where('state', '=', 'sending')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select(sql.lit(1).as('one'))
            .where('deliveries.edition_id', '=', editionId)
            .where('deliveries.status', 'in', ['pending', 'retry', 'sending']),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function emptyCounts(): DeliveryCounts {
  return { pending: 0, sending: 0, sent: 0, failed: 0, retry: 0, uncertain: 0, cancelled: 0 };
}

/** Rows per status for each edition asked. */
export async function countDeliveries(
  store: Store,
  editionIds: readonly number[],
): Promise<Map<number, DeliveryCounts>> {
  const counts = new Map<number, DeliveryCounts>();
  if (editionIds.length === 0) return counts;
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['edition_id', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('edition_id', 'in', [...editionIds])
    .groupBy(['edition_id', 'status'])
    .execute();
  for (const id of editionIds) counts.set(id, emptyCounts());
  for (const row of rows) {
    const c = counts.get(row.edition_id)!;
    if (row.status in c) c[row.status as keyof DeliveryCounts] = Number(row.n);
  }
  return counts;
}

/** The earliest retry of an edition that is not due yet, or null. */
export async function nextRetryAt(store: Store, editionId: number): Promise<number | null> {
  const row = await store.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min<number | null>('next_attempt_at').as('next'))
    .where('edition_id', '=', editionId)
    .where('status', '=', 'retry')
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}
