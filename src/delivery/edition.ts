// Creating an edition: the items no edition mailed yet, the digest composed once, the recipients frozen in one
// transaction.
import { sql } from '../adapters/database.ts';
import { createHash } from 'node:crypto';
import { loadContent } from '../content/index.ts';
import { groupItems, parseTopicsColumn, readerGroup, topicsColumn, type ReaderGroup } from '../audience.ts';
import { loadCatalogs } from '../i18n/catalog.ts';
import {
  composeDigest,
  digestToJson,
  loadDigestTemplates,
  nextEditionItems,
  type MailedHistory,
} from '../newsletter/index.ts';
import type { EditionState, Store } from '../store/index.ts';
import type { CreateEditionOptions, CreateEditionResult, DeliveryDeps, EditionGroupResult } from './types.ts';

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
  const catalogs = await loadCatalogs(config);
  const createdAt = deps.now().getTime();
  const defaultGroup = readerGroup({ language: null, topics: null }, config);

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
      // the readers, frozen here: active, not suppressed, not pausing; each in the group of their choice. Read as
      // the few (language, topics) choices there are, so that the rows are written by the database, not carried here.
      const now = options.now.getTime();
      const eligible = sql`state = 'active'
          and (paused_until is null or paused_until <= ${now})
          and not exists (select 1 from suppressions s where s.email_key = subscribers.email_key)`;
      const pausing = await sql<{ n: number | string }>`
        select count(*) as n from subscribers where state = 'active' and paused_until > ${now}
          and not exists (select 1 from suppressions s where s.email_key = subscribers.email_key)`.execute(trx);
      const paused = Number(pausing.rows[0]?.n ?? 0);
      const choices = await sql<{ language: string | null; topics: string | null; n: number | string }>`
        select language, topics, count(*) as n from subscribers where ${eligible}
        group by language, topics order by language, topics`.execute(trx);
      interface Entry {
        group: ReaderGroup;
        readers: number;
        choices: { language: string | null; topics: string | null }[];
      }
      const groups = new Map<string, Entry>();
      // the default group's digest is composed even without readers: the edition's web page and old code read it
      groups.set(defaultGroup.key, { group: defaultGroup, readers: 0, choices: [] });
      for (const c of choices.rows) {
        const group = readerGroup({ language: c.language, topics: parseTopicsColumn(c.topics) }, config);
        let entry = groups.get(group.key);
        if (!entry) {
          entry = { group, readers: 0, choices: [] };
          groups.set(group.key, entry);
        }
        entry.readers += Number(c.n);
        entry.choices.push({ language: c.language, topics: c.topics });
      }
      const sorted = [...groups.values()].sort((a, b) => (a.group.key < b.group.key ? -1 : 1));
      const wanted = sorted.map((e) => ({ ...e, items: groupItems(items, e.group, config) }));
      const sending = wanted.filter((e) => e.items.length > 0 || options.force);
      // composed here, once per group, once the id is known: the id is in every Message-ID and the archive slug.
      // All at once: mjml's thread loads once for every group's compile.
      const digests = await Promise.all(
        sending.map((e) =>
          composeDigest({
            items: e.items,
            config,
            editionId: String(editionId),
            window,
            now: options.now,
            templates,
            force: true,
            group: e.group,
            catalogs,
          }),
        ),
      );
      const composed = new Map(sending.map((e, i) => [e.group.key, digests[i]!]));
      const results: EditionGroupResult[] = [];
      let main: { subject: string; stored: string } | undefined;
      let count = 0;
      // a group with nothing new is kept too, with no digest: "skipped: nothing new"
      const recordGroup = (
        group: ReaderGroup,
        values: { subject: string; item_ids: string; digest: string | null; recipients: number },
      ) =>
        trx
          .insertInto('edition_groups')
          .values({
            edition_id: editionId,
            group_key: group.key,
            language: group.language,
            topics: topicsColumn(group.topics),
            ...values,
          })
          .execute();
      const same = (column: 'language' | 'topics', value: string | null) =>
        value === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${value}`;
      for (const { group, readers, choices: chosen, items: own } of wanted) {
        const digest = composed.get(group.key);
        if (!digest) {
          if (group.key === defaultGroup.key && readers === 0) continue;
          await recordGroup(group, { subject: '', item_ids: '[]', digest: null, recipients: readers });
          results.push({ key: group.key, recipients: readers, items: 0, skipped: true });
          continue;
        }
        const stored = digestToJson(digest);
        if (group.key === defaultGroup.key || main === undefined) main = { subject: digest.subject, stored };
        let written = 0;
        for (const c of chosen) {
          const inserted = await sql`
            insert into deliveries (edition_id, subscriber_id, email, status, attempts, group_key)
            select cast(${editionId} as bigint), id, email, 'pending', 0, ${group.key} from subscribers
            where ${eligible} and ${same('language', c.language)} and ${same('topics', c.topics)}`.execute(trx);
          written += Number(inserted.numAffectedRows ?? 0n);
        }
        await recordGroup(group, {
          subject: digest.subject,
          item_ids: JSON.stringify(digest.itemIds),
          digest: stored,
          recipients: written,
        });
        count += written;
        results.push({ key: group.key, recipients: written, items: own.length, skipped: false });
      }
      await trx
        .updateTable('editions')
        .set({
          subject: main?.subject ?? '',
          state: 'sending',
          // the default group's digest (HTML and text cut at the per-recipient slots) as digestToJson writes it
          digest: main?.stored ?? null,
          content_hash: main ? createHash('sha256').update(main.stored).digest('hex') : null,
          recipients: count,
        })
        .where('id', '=', editionId)
        .execute();
      return { editionId, recipients: count, subject: main?.subject ?? '', groups: results, paused };
    });
    const skipped = created.groups.filter((g) => g.skipped);
    for (const g of skipped)
      log.info({ edition: created.editionId, group: g.key, readers: g.recipients }, 'skipped: nothing new');
    log.info(
      {
        edition: created.editionId,
        slot: options.slot,
        items: items.length,
        recipients: created.recipients,
        groups: created.groups.length - skipped.length,
        skipped: skipped.reduce((n, g) => n + g.recipients, 0),
        paused: created.paused,
      },
      'edition created',
    );
    return {
      status: 'created',
      ...created,
      items: items.length,
      skipped: skipped.reduce((n, g) => n + g.recipients, 0),
    };
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
