// Versioned schema migrations, defined in code and applied in name order at start-up.
import { sql, type Kysely, type Migration } from '../adapters/database.ts';
import type { DialectName } from '../adapters/database.ts';

/**
 * The migrations for one dialect. Names sort in the order they apply; a released migration
 * never changes, a new one is added after it. Times are bigint epoch milliseconds on both
 * dialects (SQLite's INTEGER is 64-bit), ids are 64-bit integers.
 */
export function migrations(dialect: DialectName): Record<string, Migration> {
  const bigint = 'bigint' as const;
  const idColumn = (table: ReturnType<Kysely<unknown>['schema']['createTable']>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await idColumn(db.schema.createTable('subscribers'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('email_key', 'text', (c) => c.notNull().unique())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('source', 'text', (c) => c.notNull().defaultTo('web'))
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('updated_at', bigint, (c) => c.notNull())
          .addColumn('confirmed_at', bigint)
          .addColumn('unsubscribed_at', bigint)
          .addColumn('notified_at', bigint)
          .execute();
        await db.schema.createIndex('subscribers_state').on('subscribers').columns(['state', 'id']).execute();

        await idColumn(db.schema.createTable('editions'))
          .addColumn('slot', 'text', (c) => c.unique())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull().defaultTo('draft'))
          .addColumn('item_ids', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('window_start', bigint, (c) => c.notNull())
          .addColumn('window_end', bigint, (c) => c.notNull())
          .addColumn('digest', 'text')
          .addColumn('content_hash', 'text')
          .addColumn('recipients', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('paused_reason', 'text')
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('started_at', bigint)
          .addColumn('completed_at', bigint)
          .execute();
        await db.schema.createIndex('editions_state').on('editions').columns(['state', 'id']).execute();

        await db.schema
          .createTable('deliveries')
          .addColumn('edition_id', bigint, (c) => c.notNull().references('editions.id').onDelete('cascade'))
          // a subscriber removed by an operator takes their not-yet-sent rows with them
          .addColumn('subscriber_id', bigint, (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', bigint)
          .addColumn('last_error', 'text')
          .addColumn('response_code', 'integer')
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_at', bigint)
          .addColumn('sent_at', bigint)
          .addColumn('message_id', 'text')
          .addPrimaryKeyConstraint('deliveries_pk', ['edition_id', 'subscriber_id'])
          .execute();
        // claiming: rows of one edition by status, the due ones first
        await db.schema
          .createIndex('deliveries_claim')
          .on('deliveries')
          .columns(['edition_id', 'status', 'next_attempt_at'])
          .execute();
        await db.schema.createIndex('deliveries_subscriber').on('deliveries').column('subscriber_id').execute();

        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['deliveries', 'leases', 'editions', 'subscribers'])
          await db.schema.dropTable(table).execute();
      },
    },
    '0002_deliveries_due': {
      // Claims read one status of one edition in subscriber order: with the status before the
      // subscriber in the index, a claim reads the rows it takes instead of sorting every row left.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createIndex('deliveries_due')
          .on('deliveries')
          .columns(['edition_id', 'status', 'subscriber_id'])
          .execute();
        await db.schema.dropIndex('deliveries_claim').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema
          .createIndex('deliveries_claim')
          .on('deliveries')
          .columns(['edition_id', 'status', 'next_attempt_at'])
          .execute();
        await db.schema.dropIndex('deliveries_due').execute();
      },
    },
    '0003_exactly_once': {
      // Liveness of the processes that claim rows, one open edition at a time, the items each
      // edition carried, rows a dead sender left in flight, and cancelled rows.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('senders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('host', 'text', (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('lock_key', 'integer')
          .addColumn('started_at', bigint, (c) => c.notNull())
          .addColumn('seen_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('edition_items')
          .addColumn('edition_id', bigint, (c) => c.notNull().references('editions.id').onDelete('cascade'))
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('edition_items_pk', ['edition_id', 'item_id'])
          .execute();
        await db.schema.createIndex('edition_items_item').on('edition_items').column('item_id').execute();
        await db.schema.alterTable('deliveries').addColumn('uncertain_at', bigint).execute();
        await db.schema.alterTable('deliveries').addColumn('uncertain_by', 'text').execute();
        await db.schema.alterTable('editions').addColumn('open_lock', 'text').execute();
        // editions already open keep the rule from here on: the newest open one holds the lock
        await sql`update editions set open_lock = 'open' where id = (
          select max(id) from editions where state in ('draft', 'sending', 'paused'))`.execute(db);
        await db.schema.createIndex('editions_open_lock').on('editions').column('open_lock').unique().execute();
        // the items of editions created before this migration, from the JSON list each row kept
        const rows = await sql<{ id: number; item_ids: string }>`select id, item_ids from editions`.execute(db);
        for (const row of rows.rows) {
          const ids = [...new Set(JSON.parse(row.item_ids) as string[])];
          for (const itemId of ids)
            await sql`insert into edition_items (edition_id, item_id) values (${row.id}, ${itemId})`.execute(db);
        }
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('editions_open_lock').execute();
        await db.schema.alterTable('editions').dropColumn('open_lock').execute();
        await db.schema.alterTable('deliveries').dropColumn('uncertain_by').execute();
        await db.schema.alterTable('deliveries').dropColumn('uncertain_at').execute();
        await db.schema.dropTable('edition_items').execute();
        await db.schema.dropTable('senders').execute();
      },
    },
    '0004_mail_events': {
      // The return path: bounces, complaints and unsubscribes by mail, and the suppression list.
      async up(db: Kysely<unknown>) {
        await idColumn(db.schema.createTable('mail_events'))
          .addColumn('at', bigint, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('class', 'text')
          .addColumn('email', 'text')
          .addColumn('subscriber_id', bigint)
          .addColumn('edition_id', bigint)
          .addColumn('status', 'text')
          .addColumn('diagnostic', 'text')
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('raw', 'text')
          .execute();
        await db.schema
          .createIndex('mail_events_subscriber')
          .on('mail_events')
          .columns(['subscriber_id', 'at'])
          .execute();
        await db.schema.createIndex('mail_events_edition').on('mail_events').columns(['edition_id', 'type']).execute();
        await db.schema.createIndex('mail_events_at').on('mail_events').column('at').execute();
        await db.schema
          .createTable('suppressions')
          .addColumn('email_key', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('created_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('deliveries_message_id').on('deliveries').column('message_id').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('deliveries_message_id').execute();
        await db.schema.dropTable('suppressions').execute();
        await db.schema.dropTable('mail_events').execute();
      },
    },
    '0005_revoked_sessions': {
      // Logouts outlive the process: a dashboard cookie copied before one is refused after a restart too.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('revoked_sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('revoked_sessions').execute();
      },
    },
    '0006_audit_log': {
      // What operators did, from the dashboard and the API: kept, read newest first.
      async up(db: Kysely<unknown>) {
        await idColumn(db.schema.createTable('audit_log'))
          .addColumn('at', bigint, (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('detail', 'text')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('audit_log').execute();
      },
    },
    '0007_languages_topics': {
      // Readers choose a language and topics, and may pause; an edition sends one digest per (language, topics).
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('subscribers').addColumn('language', 'text').execute();
        await db.schema.alterTable('subscribers').addColumn('topics', 'text').execute();
        await db.schema.alterTable('subscribers').addColumn('paused_until', bigint).execute();
        await db.schema.alterTable('deliveries').addColumn('group_key', 'text').execute();
        await db.schema
          .createTable('edition_groups')
          .addColumn('edition_id', bigint, (c) => c.notNull())
          .addColumn('group_key', 'text', (c) => c.notNull())
          .addColumn('language', 'text', (c) => c.notNull())
          .addColumn('topics', 'text')
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('item_ids', 'text', (c) => c.notNull())
          .addColumn('digest', 'text')
          .addColumn('recipients', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('edition_groups_pk', ['edition_id', 'group_key'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('edition_groups').execute();
        await db.schema.alterTable('deliveries').dropColumn('group_key').execute();
        await db.schema.alterTable('subscribers').dropColumn('paused_until').execute();
        await db.schema.alterTable('subscribers').dropColumn('topics').execute();
        await db.schema.alterTable('subscribers').dropColumn('language').execute();
      },
    },
  };
}

/** Used by tests and `status`: the names of the applied migrations, oldest first. */
export async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
