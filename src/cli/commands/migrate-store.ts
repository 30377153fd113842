// `gazette migrate-store --to URL`: copies every kept table of the current store into a fresh one (SQLite to
// PostgreSQL, typically), in batches, one transaction per table, and checks the counts at the end.
import { parseDatabaseUrl, sql } from '../../adapters/database.ts';
import { UsageError } from '../../errors.ts';
import { countRows } from '../../store/backup.ts';
import { openStore, type DatabaseSchema, type Store } from '../../store/index.ts';
import type { CommandSpec } from '../command.ts';
import { activeProcesses } from './backup.ts';

/**
 * The tables copied, parents before children, each with the columns it is read in order of. `senders` and `leases`
 * are left out on purpose: they describe the processes running on the old store, and a copy would make the new
 * store believe a worker holds the schedule until the lease lapsed.
 */
export const COPIED_TABLES = [
  { table: 'subscribers', order: ['id'] },
  { table: 'editions', order: ['id'] },
  { table: 'edition_items', order: ['edition_id', 'item_id'] },
  { table: 'edition_groups', order: ['edition_id', 'group_key'] },
  { table: 'deliveries', order: ['edition_id', 'subscriber_id'] },
  { table: 'mail_events', order: ['id'] },
  { table: 'suppressions', order: ['email_key'] },
  { table: 'revoked_sessions', order: ['id'] },
  { table: 'audit_log', order: ['id'] },
] as const satisfies readonly { table: keyof DatabaseSchema; order: readonly string[] }[];
const NOT_COPIED = ['senders', 'leases'] as const;
// A table added to the schema and to neither list fails the type check here, instead of being left behind.
type Unlisted = Exclude<keyof DatabaseSchema, (typeof COPIED_TABLES)[number]['table'] | (typeof NOT_COPIED)[number]>;
const everyTableListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTableListed;

/** Tables whose `id` the database hands out: PostgreSQL's sequence must continue after the copied ids. */
const SERIAL_TABLES = ['subscribers', 'editions', 'mail_events', 'audit_log'] as const;

/** Rows per insert: deliveries have 14 columns, 500 rows stay far below either database's parameter limit. */
const BATCH_ROWS = 500;

async function countOf(store: Store, table: keyof DatabaseSchema): Promise<number> {
  return (await countRows(store.db, [table]))[table]!;
}

/** What was copied, table by table. */
export type CopyReport = { table: keyof DatabaseSchema; rows: number }[];

/**
 * Copies COPIED_TABLES from `source` into `target` (both migrated), refusing when the target holds any row of them.
 * Each table is read in primary-key order, `batchRows` at a time, and written in one transaction of its own.
 */
export async function copyStore(source: Store, target: Store, batchRows = BATCH_ROWS): Promise<CopyReport> {
  for (const { table } of COPIED_TABLES) {
    const n = await countOf(target, table);
    if (n > 0)
      throw new UsageError(
        `the target store already has ${n} row${n === 1 ? '' : 's'} in ${table}: migrate-store copies into an empty ` +
          'store only',
      );
  }
  const report: CopyReport = [];
  for (const { table, order } of COPIED_TABLES) {
    const rows = await target.transaction(async (trx) => {
      let copied = 0;
      for (;;) {
        let query = source.db.selectFrom(table).selectAll();
        for (const column of order) query = query.orderBy(sql.ref(column));
        const batch = (await query.limit(batchRows).offset(copied).execute()) as Record<string, unknown>[];
        if (batch.length === 0) break;
        await trx
          .insertInto(table)
          .values(batch as never)
          .execute();
        copied += batch.length;
        if (batch.length < batchRows) break;
      }
      if (target.dialect === 'postgres' && (SERIAL_TABLES as readonly string[]).includes(table))
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false)
          from ${sql.table(table)}`.execute(trx);
      return copied;
    });
    report.push({ table, rows });
  }
  for (const { table, rows } of report) {
    const [from, to] = [await countOf(source, table), await countOf(target, table)];
    if (from !== rows || to !== rows)
      throw new UsageError(`${table}: ${from} rows in the current store, ${rows} copied, ${to} in the target`);
  }
  return report;
}

export const migrateStoreCommand: CommandSpec = {
  name: 'migrate-store',
  description: 'Copy the current store (DATABASE_URL) into a fresh one, e.g. from SQLite to PostgreSQL',
  options: [
    { flags: '--to <url>', description: 'the new store: postgres://… or a SQLite path, empty or not yet created' },
    { flags: '--force', description: 'copy even while a worker seems to be using the current store' },
  ],
  async run(ctx, _args, options) {
    if (typeof options.to !== 'string' || options.to === '')
      throw new UsageError('--to URL is required: the store to copy into');
    const from = parseDatabaseUrl(ctx.env.databaseUrl, ctx.env.varDir);
    const to = parseDatabaseUrl(options.to, ctx.env.varDir);
    if (JSON.stringify(from) === JSON.stringify(to)) throw new UsageError('--to names the current store');
    const source = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const active = await activeProcesses(source, new Date());
      if (active.length > 0 && options.force !== true)
        throw new UsageError(
          `a worker is using the current store (${active.join('; ')}): rows it writes during the copy would be lost; ` +
            'stop it first, or pass --force',
        );
      // opening migrates the target to this version's schema before anything is copied
      const target = await openStore({ databaseUrl: options.to, varDir: ctx.env.varDir });
      try {
        const report = await copyStore(source, target);
        ctx.stdout.write(
          `copied into the ${target.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} store: ` +
            `${report.map((r) => `${r.table} ${r.rows}`).join(', ')}; counts match\n` +
            'point DATABASE_URL at it and restart the workers\n',
        );
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
};
