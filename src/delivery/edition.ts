// Creating an edition: the items no edition mailed yet, the digest composed once, the recipients frozen in one
// transaction.
import { sql } from '../adapters/database.ts';
import { createHash } from 'node:crypto';
import { loadContent } from '../content/index.ts';
import {
  composeDigest,
  digestToJson,
  loadDigestTemplates,
  nextEditionItems,
  type MailedHistory,
} from '../newsletter/index.ts';
import type { EditionState, Store } from '../store/index.ts';
import type { CreateEditionOptions, CreateEditionResult, DeliveryDeps } from './types.ts';

/** Editions whose items count as mailed: a paused edition will still go out. */
const COVERING_STATES = ['sent', 'sending', 'paused'] as const;

/** Which constraint a failed insert broke, if it was a unique one. */
function uniqueViolation(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown; constraint?: unknown; message?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    // PostgreSQL names the index; SQLite names the column in its message
    if (e.code === '23505') return String(e.constraint ?? '');
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') return String(e.message ?? '');
  }
  return undefined;
}

async function editionForSlot(deps: DeliveryDeps, slot: string): Promise<number | undefined> {
  const row = await deps.store.db.selectFrom('editions').select('id').where('slot', '=', slot).executeTakeFirst();
  return row?.id;
}

/** The edition still open (draft, sending or paused) that holds the one-open-edition lock, if any. */
export async function openEdition(store: Store): Promise<{ id: number; state: EditionState } | undefined> {
  return store.db.selectFrom('editions').select(['id', 'state']).where('open_lock', '=', 'open').executeTakeFirst();
}

/** Where the next edition's window starts: the end of the last edition that went, or is going, out. */
export async function previousEditionEnd(store: Store): Promise<Date | null> {
  const row = await store.db
    .selectFrom('editions')
    .select('window_end')
    .where('state', 'in', [...COVERING_STATES])
    .orderBy('window_end', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? new Date(Number(row.window_end)) : null;
}

/** The items earlier editions carried (sent, being sent or paused) and where the first edition's window began. */
export async function mailedHistory(store: Store): Promise<MailedHistory> {
  const items = await store.db
    .selectFrom('edition_items')
    .select('item_id')
    .distinct()
    .where('edition_id', 'in', (eb) =>
      eb
        .selectFrom('editions')
        .select('id')
        .where('state', 'in', [...COVERING_STATES]),
    )
    .execute();
  // of every edition, a cancelled one included: its items are still to be mailed, and no older ones
  const first = await store.db
    .selectFrom('editions')
    .select((eb) => eb.fn.min<number | null>('window_start').as('start'))
    .executeTakeFirst();
  const start = first?.start;
  return {
    mailed: new Set(items.map((r) => r.item_id)),
    firstWindowStart: start === null || start === undefined ? null : new Date(Number(start)),
  };
}

/**
 * Creates the next edition: it carries every published item no edition has mailed yet (see
 * nextEditionItems), the digest is composed once and stored on the edition row, and one delivery
 * row per active subscriber is written in the same transaction, with the items it carries. No new
 * item: no edition (unless `force`). While another edition is open (draft, sending, paused) none is
 * created ('open-exists'), unless `concurrent` asks for a second one on purpose: the database
 * itself refuses a second open edition (a unique key), so two processes racing cannot both make one.
 */
export async function createEdition(deps: DeliveryDeps, options: CreateEditionOptions): Promise<CreateEditionResult> {
  const { store, config, logger } = deps;
  const log = logger.child({ component: 'delivery' });
  if (options.slot !== undefined) {
    const taken = await editionForSlot(deps, options.slot);
    if (taken !== undefined) {
      log.info({ slot: options.slot, edition: taken }, 'an edition exists for this slot already');
      return { status: 'slot-taken', editionId: taken };
    }
  }
  if (!options.concurrent) {
    const open = await openEdition(store);
    if (open) {
      log.info({ edition: open.id, state: open.state }, 'an edition is still open: no second one created');
      return { status: 'open-exists', editionId: open.id, state: open.state };
    }
  }
  const content = await loadContent(deps.contentDir, config, options.now);
  const { window, items } = nextEditionItems(content, await mailedHistory(store), options.now, config);
  if (items.length === 0 && !options.force) {
    // another process may have opened an edition with these items since the check above: name it
    const open = options.concurrent ? undefined : await openEdition(store);
    if (open) {
      log.info({ edition: open.id, state: open.state }, 'an edition is still open: no second one created');
      return { status: 'open-exists', editionId: open.id, state: open.state };
    }
    log.info(
      { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
      'no new items since the last edition: no edition created',
    );
    return { status: 'no-items' };
  }
  const templates = await loadDigestTemplates(deps.templatesDir, config.templatesDir);
  const createdAt = deps.now().getTime();

  try {
    const created = await store.transaction(async (trx) => {
      const inserted = await trx
        .insertInto('editions')
        .values({
          slot: options.slot ?? null,
          subject: '',
          state: 'draft',
          item_ids: JSON.stringify(items.map((i) => i.id)),
          window_start: window.start.getTime(),
          window_end: window.end.getTime(),
          digest: null,
          content_hash: null,
          paused_reason: null,
          created_at: createdAt,
          started_at: null,
          completed_at: null,
          open_lock: options.concurrent ? null : 'open',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const editionId = inserted.id;
      if (items.length > 0)
        await trx
          .insertInto('edition_items')
          .values(items.map((i) => ({ edition_id: editionId, item_id: i.id })))
          .execute();
      // composed here, once the id is known: the id is in every Message-ID and in the archive slug
      const digest = await composeDigest({
        items,
        config,
        editionId: String(editionId),
        window,
        now: options.now,
        templates,
        force: options.force ?? false,
      });
      const stored = digestToJson(digest);
      const recipients = await sql`
        insert into deliveries (edition_id, subscriber_id, email, status, attempts)
        select cast(${editionId} as bigint), id, email, 'pending', 0 from subscribers
        where state = 'active'
          and not exists (select 1 from suppressions s where s.email_key = subscribers.email_key)`.execute(trx);
      const count = Number(recipients.numAffectedRows ?? 0n);
      await trx
        .updateTable('editions')
        .set({
          subject: digest.subject,
          state: 'sending',
          // the composed digest (HTML and text cut at the per-recipient slots) as digestToJson writes it
          digest: stored,
          content_hash: createHash('sha256').update(stored).digest('hex'),
          recipients: count,
        })
        .where('id', '=', editionId)
        .execute();
      return { editionId, recipients: count, subject: digest.subject };
    });
    log.info(
      { edition: created.editionId, slot: options.slot, items: items.length, recipients: created.recipients },
      'edition created',
    );
    return { status: 'created', ...created, items: items.length };
  } catch (err) {
    const broken = uniqueViolation(err);
    if (broken !== undefined && options.slot !== undefined) {
      const taken = await editionForSlot(deps, options.slot);
      if (taken !== undefined) {
        log.info({ slot: options.slot, edition: taken }, 'an edition exists for this slot already');
        return { status: 'slot-taken', editionId: taken };
      }
    }
    if (broken !== undefined && /open_lock/.test(broken)) {
      const open = await openEdition(store);
      if (open) {
        log.info({ edition: open.id }, 'another process opened an edition first: no second one created');
        return { status: 'open-exists', editionId: open.id, state: open.state };
      }
    }
    throw err;
  }
}
