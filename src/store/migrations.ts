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
  };
}

/** Used by tests and `status`: the names of the applied migrations, oldest first. */
export async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
