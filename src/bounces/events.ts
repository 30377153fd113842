// The return path's use-cases: every bounce, complaint and unsubscribe by mail, from any source (the SMTP reply
// while sending, the inbound listener, a mailbox, a provider's webhook), is recorded as one kind of event and acted
// on by one policy (classify.ts), and the suppression list keeps the addresses never to mail again.
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import { decide, type BounceClass, type EventAction } from './classify.ts';

export interface BounceDeps {
  store: Store;
  config: Config;
  logger: Logger;
  now: () => Date;
  /** GAZETTE_SECRET: the return path's tokens are signed with it. */
  secret: string;
}

export type MailEventType = 'bounce' | 'complaint' | 'unsubscribe';

export interface MailEventInput {
  type: MailEventType;
  class?: BounceClass | undefined;
  /** Who it is about, as precisely as the source knows: a subscriber, a delivery's Message-ID, an address. */
  subscriberId?: number | undefined;
  editionId?: number | undefined;
  messageId?: string | undefined;
  email?: string | undefined;
  status?: string | undefined;
  diagnostic?: string | undefined;
  /** `rcpt`, `smtp`, `imap`, `ses`, `postmark`, `sendgrid`, `mailgun`. */
  source: string;
  raw?: string | undefined;
}

export interface RecordedEvent {
  id: number;
  action: EventAction;
  subscriberId: number | null;
  email: string | null;
}

const DAY = 86_400_000;
const MAX_RAW = 256 * 1024;

/** Finds who an event is about: the subscriber named, the delivery its Message-ID names, or its address. */
async function resolve(
  store: Store,
  input: MailEventInput,
): Promise<{ subscriberId: number | null; editionId: number | null; email: string | null }> {
  let editionId = input.editionId ?? null;
  let subscriberId = input.subscriberId ?? null;
  if (subscriberId === null && input.messageId) {
    const id = input.messageId.trim();
    const row = await store.db
      .selectFrom('deliveries')
      .select(['edition_id', 'subscriber_id'])
      .where('message_id', 'in', [id, id.replace(/^<|>$/g, ''), `<${id.replace(/^<|>$/g, '')}>`])
      .executeTakeFirst();
    if (row) {
      subscriberId = row.subscriber_id;
      editionId ??= row.edition_id;
    }
  }
  if (subscriberId === null && input.email) {
    const row = await store.db
      .selectFrom('subscribers')
      .select('id')
      .where('email_key', '=', input.email.trim().toLowerCase())
      .executeTakeFirst();
    if (row) subscriberId = row.id;
  }
  let email = input.email?.trim().toLowerCase() ?? null;
  if (subscriberId !== null) {
    const row = await store.db
      .selectFrom('subscribers')
      .select('email_key')
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    if (row) email = row.email_key;
    else subscriberId = null;
  }
  return { subscriberId, editionId, email };
}

/** How many of the subscriber's latest editions, newest first and without a gap, had a soft bounce. */
async function softEditionsInARow(store: Store, subscriberId: number, limit: number): Promise<number> {
  const editions = await store.db
    .selectFrom('deliveries')
    .select('edition_id')
    .where('subscriber_id', '=', subscriberId)
    .where('status', 'in', ['sent', 'failed', 'uncertain'])
    .orderBy('edition_id', 'desc')
    .limit(limit)
    .execute();
  const bounced = new Set(
    (
      await store.db
        .selectFrom('mail_events')
        .select('edition_id')
        .where('subscriber_id', '=', subscriberId)
        .where('type', '=', 'bounce')
        .where('class', '=', 'soft')
        .execute()
    ).map((r) => r.edition_id),
  );
  let n = 0;
  for (const e of editions) {
    if (!bounced.has(e.edition_id)) break;
    n++;
  }
  return n;
}

/** Adds an address to the suppression list (the first reason stays). */
export async function suppress(store: Store, email: string, reason: string, now: Date): Promise<void> {
  const key = email.trim().toLowerCase();
  await store.db
    .insertInto('suppressions')
    .values({ email_key: key, email: email.trim(), reason, created_at: now.getTime() })
    .onConflict((oc) => oc.column('email_key').doNothing())
    .execute();
}

/** The suppression of an address, if any. */
export async function suppression(
  store: Store,
  email: string,
): Promise<{ reason: string; createdAt: Date } | undefined> {
  const row = await store.db
    .selectFrom('suppressions')
    .select(['reason', 'created_at'])
    .where('email_key', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row ? { reason: row.reason, createdAt: new Date(Number(row.created_at)) } : undefined;
}

/** Lifts a suppression: only a confirmed double opt-in does this. */
export async function liftSuppression(store: Store, email: string): Promise<void> {
  await store.db.deleteFrom('suppressions').where('email_key', '=', email.trim().toLowerCase()).execute();
}

/**
 * Records one event and acts on it: a hard bounce (or the soft-bounce limit) makes the subscriber `bounced` and
 * suppresses the address; a complaint unsubscribes and suppresses; an unsubscribe by mail unsubscribes. An event
 * about nobody on the list is kept all the same, with action `none`.
 */
export async function recordMailEvent(deps: BounceDeps, input: MailEventInput): Promise<RecordedEvent> {
  const { store, config } = deps;
  const now = deps.now();
  const who = await resolve(store, input);
  const limit = config.bounces.softBounceEditions;
  const raw = input.raw === undefined ? null : input.raw.slice(0, MAX_RAW);
  const inserted = await store.db
    .insertInto('mail_events')
    .values({
      at: now.getTime(),
      type: input.type,
      class: input.class ?? null,
      email: who.email,
      subscriber_id: who.subscriberId,
      edition_id: who.editionId,
      status: input.status ?? null,
      diagnostic: input.diagnostic?.slice(0, 2000) ?? null,
      source: input.source,
      action: 'none',
      raw,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let action: EventAction = 'none';
  if (who.subscriberId !== null) {
    const soft = input.class === 'soft' ? await softEditionsInARow(store, who.subscriberId, limit) : 0;
    action = decide({ type: input.type, class: input.class }, soft, limit);
    await apply(deps, who.subscriberId, who.email, action, input, now);
  }
  await store.db.updateTable('mail_events').set({ action }).where('id', '=', inserted.id).execute();
  // raw messages are kept for bounces.keep_raw_days; the events themselves stay
  await store.db
    .updateTable('mail_events')
    .set({ raw: null })
    .where('at', '<', now.getTime() - config.bounces.keepRawDays * DAY)
    .where('raw', 'is not', null)
    .execute();
  deps.logger.child({ component: 'bounces' }).info(
    {
      type: input.type,
      class: input.class,
      source: input.source,
      subscriber: who.subscriberId,
      edition: who.editionId,
      status: input.status,
      action,
    },
    `${input.type} recorded`,
  );
  return { id: inserted.id, action, subscriberId: who.subscriberId, email: who.email };
}

async function apply(
  deps: BounceDeps,
  subscriberId: number,
  email: string | null,
  action: EventAction,
  input: MailEventInput,
  now: Date,
): Promise<void> {
  const { store } = deps;
  if (action === 'bounced') {
    await store.db
      .updateTable('subscribers')
      .set({ state: 'bounced', updated_at: now.getTime() })
      .where('id', '=', subscriberId)
      .where('state', 'in', ['active', 'pending'])
      .execute();
    if (email) await suppress(store, email, input.class === 'hard' ? 'hard bounce' : 'soft bounces', now);
  } else if (action === 'unsubscribed') {
    await store.db
      .updateTable('subscribers')
      .set({ state: 'unsubscribed', unsubscribed_at: now.getTime(), updated_at: now.getTime() })
      .where('id', '=', subscriberId)
      .where('state', 'in', ['active', 'pending'])
      .execute();
    if (email && input.type === 'complaint') await suppress(store, email, 'complaint', now);
  }
}

/** Records an event and logs, rather than throws, when the ledger cannot take it (a send goes on). */
export async function recordQuietly(deps: BounceDeps, input: MailEventInput): Promise<RecordedEvent | undefined> {
  try {
    return await recordMailEvent(deps, input);
  } catch (err) {
    deps.logger.child({ component: 'bounces' }).error({ err }, `cannot record a ${input.type}: ${errorMessage(err)}`);
    return undefined;
  }
}

/** Events as operators list them, newest first. */
export interface MailEventListing {
  id: number;
  at: Date;
  type: string;
  class: string | null;
  email: string | null;
  subscriberId: number | null;
  editionId: number | null;
  status: string | null;
  diagnostic: string | null;
  source: string;
  action: string;
  hasRaw: boolean;
}

export async function listMailEvents(
  store: Store,
  query: { email?: string; editionId?: number; subscriberId?: number; limit: number },
): Promise<MailEventListing[]> {
  let q = store.db
    .selectFrom('mail_events')
    .select([
      'id',
      'at',
      'type',
      'class',
      'email',
      'subscriber_id',
      'edition_id',
      'status',
      'diagnostic',
      'source',
      'action',
      (eb) => eb('raw', 'is not', null).as('has_raw'),
    ])
    .orderBy('id', 'desc')
    .limit(query.limit);
  if (query.email) q = q.where('email', '=', query.email.trim().toLowerCase());
  if (query.editionId !== undefined) q = q.where('edition_id', '=', query.editionId);
  if (query.subscriberId !== undefined) q = q.where('subscriber_id', '=', query.subscriberId);
  return (await q.execute()).map((r) => ({
    id: r.id,
    at: new Date(Number(r.at)),
    type: r.type,
    class: r.class,
    email: r.email,
    subscriberId: r.subscriber_id,
    editionId: r.edition_id,
    status: r.status,
    diagnostic: r.diagnostic,
    source: r.source,
    action: r.action,
    hasRaw: Boolean(r.has_raw),
  }));
}

/** Bounces and complaints of one edition, by type and class. */
export async function editionEventCounts(
  store: Store,
  editionId: number,
): Promise<{ hardBounces: number; softBounces: number; complaints: number; unsubscribes: number }> {
  const rows = await store.db
    .selectFrom('mail_events')
    .select(['type', 'class', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('edition_id', '=', editionId)
    .groupBy(['type', 'class'])
    .execute();
  const counts = { hardBounces: 0, softBounces: 0, complaints: 0, unsubscribes: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.type === 'bounce' && r.class === 'hard') counts.hardBounces += n;
    else if (r.type === 'bounce') counts.softBounces += n;
    else if (r.type === 'complaint') counts.complaints += n;
    else if (r.type === 'unsubscribe') counts.unsubscribes += n;
  }
  return counts;
}

/** The latest event about each of these subscribers (for the dashboard's subscriber rows). */
export async function latestEvents(
  store: Store,
  subscriberIds: readonly number[],
): Promise<
  Map<number, { at: Date; type: string; class: string | null; status: string | null; diagnostic: string | null }>
> {
  const latest = new Map<
    number,
    { at: Date; type: string; class: string | null; status: string | null; diagnostic: string | null }
  >();
  if (subscriberIds.length === 0) return latest;
  const rows = await store.db
    .selectFrom('mail_events')
    .select(['subscriber_id', 'at', 'type', 'class', 'status', 'diagnostic'])
    .where('subscriber_id', 'in', [...subscriberIds])
    .orderBy('id', 'desc')
    .execute();
  for (const r of rows)
    if (r.subscriber_id !== null && !latest.has(r.subscriber_id))
      latest.set(r.subscriber_id, {
        at: new Date(Number(r.at)),
        type: r.type,
        class: r.class,
        status: r.status,
        diagnostic: r.diagnostic,
      });
  return latest;
}
