// Creating an edition: the window since the last one, the digest composed once, and the recipients frozen in one transaction.
import { sql } from '../adapters/database.ts';
import { createHash } from 'node:crypto';
import { loadContent } from '../content/index.ts';
import {
  composeDigest,
  digestToJson,
  digestWindow,
  loadDigestTemplates,
  selectDigestItems,
} from '../newsletter/index.ts';
import type { Store } from '../store/index.ts';
import type { CreateEditionOptions, CreateEditionResult, DeliveryDeps } from './types.ts';

/** Editions whose window counts as covered: a paused edition will still go out. */
const COVERING_STATES = ['sent', 'sending', 'paused'] as const;

function isUniqueViolation(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  }
  return false;
}

async function editionForSlot(deps: DeliveryDeps, slot: string): Promise<number | undefined> {
  const row = await deps.store.db.selectFrom('editions').select('id').where('slot', '=', slot).executeTakeFirst();
  return row?.id;
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

/**
 * Creates the next edition: its window starts where the previous sent (or sending) edition's ended,
 * the digest is composed once and stored on the edition row, and one delivery row per active
 * subscriber is written in the same transaction. No new item: no edition (unless `force`).
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
  const window = digestWindow(await previousEditionEnd(store), options.now, config);
  const items = selectDigestItems(await loadContent(deps.contentDir, config, options.now), window);
  if (items.length === 0 && !options.force) {
    log.info(
      { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
      'no new items since the last edition: no edition created',
    );
    return { status: 'no-items' };
  }
  const templates = await loadDigestTemplates(deps.templatesDir);
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
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const editionId = inserted.id;
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
        select cast(${editionId} as bigint), id, email, 'pending', 0 from subscribers where state = 'active'`.execute(
        trx,
      );
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
    if (options.slot !== undefined && isUniqueViolation(err)) {
      const taken = await editionForSlot(deps, options.slot);
      if (taken !== undefined) {
        log.info({ slot: options.slot, edition: taken }, 'an edition exists for this slot already');
        return { status: 'slot-taken', editionId: taken };
      }
    }
    throw err;
  }
}
