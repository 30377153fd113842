// Subscriber rows: the queries behind the subscription use-cases, the CLI, import and export.
import { sql, type DialectName, type Kysely, type Selectable } from '../adapters/database.ts';
import type { DatabaseSchema, SubscriberState, SubscribersTable } from '../store/schema.ts';
import { SUBSCRIBER_STATES } from '../store/schema.ts';
import { parseTopicsColumn, topicsColumn } from '../audience.ts';

type Db = Kysely<DatabaseSchema>;

/** One subscriber as the rest of gazette sees it. */
export interface Subscriber {
  id: number;
  /** The address mail goes to. */
  email: string;
  state: SubscriberState;
  name: string | null;
  source: string;
  createdAt: Date;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  /** The language the reader reads in (one of the site's codes); null: the site's default. */
  language: string | null;
  /** The topic ids the reader chose; null: everything. */
  topics: string[] | null;
  /** Until when the reader paused the digest; null: not paused (a time past means not paused either). */
  pausedUntil: Date | null;
}

/** What a reader chooses: language, topics, and a pause of the digest. */
export interface ReaderChoices {
  language: string | null;
  topics: readonly string[] | null;
  pausedUntil: Date | null;
}

export type SubscriberCounts = Record<SubscriberState, number>;

export interface ListQuery {
  state?: SubscriberState;
  /** Part of the address or of the name, case-insensitive. */
  search?: string;
  limit: number;
  offset: number;
}

export type SubscriberRow = Selectable<SubscribersTable>;

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    state: row.state,
    name: row.name,
    source: row.source,
    createdAt: new Date(row.created_at),
    confirmedAt: date(row.confirmed_at),
    unsubscribedAt: date(row.unsubscribed_at),
    language: row.language ?? null,
    topics: parseTopicsColumn(row.topics ?? null),
    pausedUntil: date(row.paused_until ?? null),
  };
}

export function findByKey(db: Db, key: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('email_key', '=', key).executeTakeFirst();
}

/** The subscribers among `keys` (at most a batch of a thousand or so: one parameter each). */
export function findByKeys(db: Db, keys: readonly string[]): Promise<SubscriberRow[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('subscribers')
    .selectAll()
    .where('email_key', 'in', [...keys])
    .execute();
}

export function findById(db: Db, id: number): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countByState(db: Db): Promise<SubscriberCounts> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const counts = Object.fromEntries(SUBSCRIBER_STATES.map((s) => [s, 0])) as SubscriberCounts;
  for (const row of rows) if (row.state in counts) counts[row.state] = Number(row.n);
  return counts;
}

// LIKE with the user's text taken literally: % _ and \ escaped, and an explicit ESCAPE (SQLite has no default).
function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listSubscribers(db: Db, query: ListQuery): Promise<Subscriber[]> {
  let q = db.selectFrom('subscribers').selectAll();
  if (query.state !== undefined) q = q.where('state', '=', query.state);
  if (query.search !== undefined && query.search.trim() !== '') {
    const pattern = likePattern(query.search.trim());
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`${eb.ref('email_key')} like ${pattern} escape '\\'`,
        sql<boolean>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  const rows = await q.orderBy('id').limit(query.limit).offset(query.offset).execute();
  return rows.map(toSubscriber);
}

/** Every subscriber (optionally of one state) in id order, a page at a time: flat memory for any list size. */
export async function* iterateSubscribers(
  db: Db,
  options: { state?: SubscriberState; pageSize?: number } = {},
): AsyncGenerator<Subscriber> {
  const pageSize = options.pageSize ?? 1000;
  let after = 0;
  for (;;) {
    let q = db.selectFrom('subscribers').selectAll().where('id', '>', after);
    if (options.state !== undefined) q = q.where('state', '=', options.state);
    const rows = await q.orderBy('id').limit(pageSize).execute();
    for (const row of rows) yield toSubscriber(row);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export interface NewSubscriber {
  email: string;
  key: string;
  state: SubscriberState;
  name: string | null;
  source: string;
  /** Null or absent: the site's default language. */
  language?: string | null;
  /** Null or absent: everything. */
  topics?: readonly string[] | null;
}

function insertValues(s: NewSubscriber, now: number) {
  return {
    email: s.email,
    email_key: s.key,
    state: s.state,
    name: s.name,
    source: s.source,
    created_at: now,
    updated_at: now,
    confirmed_at: s.state === 'active' ? now : null,
    unsubscribed_at: s.state === 'unsubscribed' ? now : null,
    language: s.language ?? null,
    topics: topicsColumn(s.topics ?? null),
  };
}

/**
 * Inserts the subscribers whose key is not taken yet; resolves to how many were new. Existing rows are left
 * exactly as they are.
 */
export async function insertMissing(
  db: Db,
  subscribers: readonly NewSubscriber[],
  now: Date,
  dialect: DialectName,
): Promise<number> {
  if (subscribers.length === 0) return 0;
  if (dialect === 'postgres') {
    // One array parameter per column instead of nine parameters per row: PostgreSQL plans a
    // thousand-row VALUES list slowly, an unnest of arrays quickly.
    const values = subscribers.map((s) => insertValues(s, now.getTime()));
    const column = <K extends keyof (typeof values)[number]>(key: K) => values.map((v) => v[key]);
    const result = await sql<{ id: number }>`
      insert into subscribers
        (email, email_key, state, name, source, created_at, updated_at, confirmed_at, unsubscribed_at, language, topics)
      select * from unnest(${column('email')}::text[], ${column('email_key')}::text[], ${column('state')}::text[],
        ${column('name')}::text[], ${column('source')}::text[], ${column('created_at')}::bigint[],
        ${column('updated_at')}::bigint[], ${column('confirmed_at')}::bigint[], ${column('unsubscribed_at')}::bigint[],
        ${column('language')}::text[], ${column('topics')}::text[])
      on conflict (email_key) do nothing
      returning id`.execute(db);
    return result.rows.length;
  }
  const rows = await db
    .insertInto('subscribers')
    .values(subscribers.map((s) => insertValues(s, now.getTime())))
    .onConflict((oc) => oc.column('email_key').doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** Inserts one subscriber unless the key exists; returns the row either way, and whether it is new. */
export async function insertOrFind(
  db: Db,
  subscriber: NewSubscriber,
  now: Date,
): Promise<{ row: SubscriberRow; created: boolean }> {
  const inserted = await db
    .insertInto('subscribers')
    .values(insertValues(subscriber, now.getTime()))
    .onConflict((oc) => oc.column('email_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const row = await findByKey(db, subscriber.key);
  if (!row) throw new Error(`subscriber ${subscriber.key} vanished while being added`);
  return { row, created: false };
}

/**
 * Moves a subscriber to `state`, stamping the matching time; `from` restricts which states may change
 * (compare-and-set).
 */
export async function setState(
  db: Db,
  id: number,
  state: SubscriberState,
  now: Date,
  from?: readonly SubscriberState[],
): Promise<boolean> {
  const ms = now.getTime();
  let q = db
    .updateTable('subscribers')
    .set({
      state,
      updated_at: ms,
      ...(state === 'active' ? { confirmed_at: ms } : {}),
      ...(state === 'unsubscribed' ? { unsubscribed_at: ms } : {}),
    })
    .where('id', '=', id);
  if (from !== undefined) q = q.where('state', 'in', from);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Claims the right to mail this subscriber a notice now: true when none went out within `intervalMs`. */
export async function claimNotice(db: Db, id: number, now: Date, intervalMs: number): Promise<boolean> {
  const ms = now.getTime();
  const result = await db
    .updateTable('subscribers')
    .set({ notified_at: ms })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('notified_at', 'is', null), eb('notified_at', '<=', ms - intervalMs)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Undoes claimNotice when the notice could not be sent, so the reader may ask again at once. */
export async function releaseNotice(db: Db, id: number, now: Date): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({ notified_at: null })
    .where('id', '=', id)
    .where('notified_at', '=', now.getTime())
    .execute();
}

export async function updateName(db: Db, id: number, name: string | null, now: Date): Promise<void> {
  await db.updateTable('subscribers').set({ name, updated_at: now.getTime() }).where('id', '=', id).execute();
}

/** Sets any of the reader's choices that `choices` names; the others stay as they are. */
export async function updateChoices(db: Db, id: number, choices: Partial<ReaderChoices>, now: Date): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({
      updated_at: now.getTime(),
      ...(choices.language !== undefined ? { language: choices.language } : {}),
      ...(choices.topics !== undefined ? { topics: topicsColumn(choices.topics) } : {}),
      ...(choices.pausedUntil !== undefined
        ? { paused_until: choices.pausedUntil === null ? null : choices.pausedUntil.getTime() }
        : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** Active subscribers by language (null: the default) and by topic id (`null`: everything), as counted rows. */
export async function activeChoiceRows(
  db: Db,
): Promise<{ language: string | null; topics: string | null; n: number }[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['language', 'topics', (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', '=', 'active')
    .groupBy(['language', 'topics'])
    .execute();
  return rows.map((r) => ({ language: r.language ?? null, topics: r.topics ?? null, n: Number(r.n) }));
}

export async function deleteByKey(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('subscribers').where('email_key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The suppressed addresses among `keys`, with why each is suppressed. */
export async function suppressedAmong(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500);
    if (slice.length === 0) continue;
    const rows = await db
      .selectFrom('suppressions')
      .select(['email_key', 'reason'])
      .where('email_key', 'in', slice)
      .execute();
    for (const r of rows) found.set(r.email_key, r.reason);
  }
  return found;
}

/** Lifts a suppression: a confirmed double opt-in is the one way back. */
export async function liftSuppression(db: Db, key: string): Promise<void> {
  await db.deleteFrom('suppressions').where('email_key', '=', key).execute();
}

/**
 * Readers who asked on the site and were never sent their confirmation (the mail server was down), most recent
 * first, asked since `since`.
 */
export async function awaitingConfirmation(
  db: Db,
  since: Date,
  limit: number,
): Promise<{ id: number; email: string; language: string | null }[]> {
  return db
    .selectFrom('subscribers')
    .select(['id', 'email', 'language'])
    .where('state', '=', 'pending')
    .where('source', '=', 'web')
    .where('notified_at', 'is', null)
    .where('updated_at', '>=', since.getTime())
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
}
