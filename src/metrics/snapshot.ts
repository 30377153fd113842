// What the database says at scrape time (deliveries, editions, subscribers, mail events), read in a few grouped
// queries and kept for a few seconds, so that however often /metrics is scraped the database sees at most one read
// of it per interval.
import { countDeliveries, type DeliveryCounts } from '../delivery/index.ts';
import { OPEN_EDITION_STATES, SUBSCRIBER_STATES, type Store, type SubscriberState } from '../store/index.ts';

export interface EditionSnapshot {
  id: number;
  state: string;
  recipients: number;
  deliveries: DeliveryCounts;
}

export interface LedgerSnapshot {
  /** Delivery rows of every edition by state. */
  deliveries: Record<string, number>;
  /** The open editions and the latest one (usually one edition). */
  editions: EditionSnapshot[];
  subscribers: Record<SubscriberState, number>;
  /** Rows of mail_events by type (`bounce`, `complaint`, `unsubscribe`) and class (`hard`, `soft`, or ``). */
  mailEvents: { type: string; class: string; count: number }[];
}

/** Reads the snapshot now. */
export async function readLedgerSnapshot(store: Store): Promise<LedgerSnapshot> {
  const deliveries: Record<string, number> = {};
  const byStatus = await store.db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status')
    .execute();
  for (const row of byStatus) deliveries[row.status] = Number(row.n);

  const open = await store.db
    .selectFrom('editions')
    .select(['id', 'state', 'recipients'])
    .where('state', 'in', [...OPEN_EDITION_STATES])
    .execute();
  const latest = await store.db
    .selectFrom('editions')
    .select(['id', 'state', 'recipients'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const chosen = new Map(open.map((e) => [e.id, e]));
  if (latest) chosen.set(latest.id, latest);
  const ids = [...chosen.keys()].sort((a, b) => a - b);
  const counts = await countDeliveries(store, ids);
  const editions = ids.map((id) => {
    const e = chosen.get(id)!;
    return { id, state: e.state, recipients: Number(e.recipients), deliveries: counts.get(id)! };
  });

  const subscribers = Object.fromEntries(SUBSCRIBER_STATES.map((s) => [s, 0])) as Record<SubscriberState, number>;
  const bySubscriberState = await store.db
    .selectFrom('subscribers')
    .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('state')
    .execute();
  for (const row of bySubscriberState) subscribers[row.state] = Number(row.n);

  const events = await store.db
    .selectFrom('mail_events')
    .select(['type', 'class', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['type', 'class'])
    .execute();
  const mailEvents = events.map((e) => ({ type: e.type, class: e.class ?? '', count: Number(e.n) }));

  return { deliveries, editions, subscribers, mailEvents };
}

/**
 * `read` at most once per `maxAgeMs`: callers within that time share the last answer, and callers while a read runs
 * share that read. A failed read is not kept.
 */
export function cachedRead<T>(
  read: () => Promise<T>,
  maxAgeMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (last !== undefined && at - last.at < maxAgeMs) return last.value;
    const value = read();
    const entry = { at, value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
