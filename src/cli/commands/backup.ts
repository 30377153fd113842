// `gazette backup [DIR]` and `gazette restore DIR`: the SQLite store and var/secret, copied while the worker runs,
// and put back while it does not.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDatabaseUrl } from '../../adapters/database.ts';
import { judgeSenders } from '../../delivery/index.ts';
import { UsageError } from '../../errors.ts';
import {
  BACKUP_FILES,
  backupName,
  COUNTED_TABLES,
  countRows,
  createBackup,
  readBackupManifest,
  restoreBackup,
  type StoreLocation,
} from '../../store/backup.ts';
import { openStore, type Store } from '../../store/index.ts';
import { SCHEDULER_LEASE } from '../../worker/worker.ts';
import type { CommandSpec } from '../command.ts';
import { displayPath } from '../options.ts';

/** Who uses `store` now: live senders (workers, sends from a terminal) and an unexpired schedule lease. */
export async function activeProcesses(store: Store, now: Date): Promise<string[]> {
  const senders = await store.db.selectFrom('senders').select('id').execute();
  const judged = await judgeSenders(
    store,
    senders.map((s) => s.id),
    now,
  );
  const alive = [...judged.values()].filter((s) => s.alive).map((s) => `${s.kind ?? 'sender'} ${s.id} (${s.reason})`);
  const lease = await store.db
    .selectFrom('leases')
    .select(['holder', 'expires_at'])
    .where('name', '=', SCHEDULER_LEASE)
    .executeTakeFirst();
  if (lease && Number(lease.expires_at) > now.getTime() && !alive.some((a) => a.includes(lease.holder)))
    alive.push(
      `schedule lease held by ${lease.holder} for ${Math.ceil((Number(lease.expires_at) - now.getTime()) / 1000)} s`,
    );
  return alive;
}

/** `3 subscribers`, `1 delivery`, `0 mail events`: a table's rows as words. */
function plural(n: number, table: string): string {
  const name = table.replace(/_/g, ' ');
  return `${n} ${n !== 1 ? name : name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.replace(/s$/, '')}`;
}

function summary(counts: Record<string, number> | undefined): string {
  if (!counts) return '';
  return COUNTED_TABLES.map((t) => plural(counts[t] ?? 0, t)).join(', ');
}

/** The pg_dump line for a PostgreSQL DATABASE_URL, without printing the URL (it may hold a password). */
function pgDumpLine(databaseUrl: string, dir: string): string {
  const target = parseDatabaseUrl(databaseUrl, '.');
  const schema = target.dialect === 'postgres' && target.schema !== undefined ? ` --schema=${target.schema}` : '';
  const url = schema ? '"DATABASE_URL without its ?schema= parameter"' : '"$DATABASE_URL"';
  return `pg_dump --format=custom${schema} --file=${path.join(dir, 'gazette.pgdump')} ${url}`;
}

export const backupCommand: CommandSpec = {
  name: 'backup',
  description: 'Copy the SQLite store (safely, while the worker runs) and var/secret into a new private folder',
  args: [{ name: 'dir', description: 'the folder to create (default: ./gazette-backup-<UTC time>)', required: false }],
  async run(ctx, args) {
    const now = new Date();
    const location: StoreLocation = { databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir };
    const dir = path.resolve(args[0] ?? backupName(now));
    const manifest = await createBackup(location, dir, now);
    const kept = [
      ...(manifest.database === 'sqlite' ? [`${BACKUP_FILES.database} (${summary(manifest.counts)})`] : []),
      ...(manifest.secret ? [BACKUP_FILES.secret] : []),
    ];
    ctx.stdout.write(`backup written to ${displayPath(dir)}: ${kept.length > 0 ? kept.join(', ') : 'nothing'}\n`);
    if (manifest.database === 'postgres')
      ctx.stdout.write(
        `the database is on PostgreSQL, which gazette does not copy; back it up with: ` +
          `${pgDumpLine(ctx.env.databaseUrl!, displayPath(dir))}\n`,
      );
    if (ctx.env.secret)
      ctx.stdout.write('GAZETTE_SECRET is set: links are signed with it, not var/secret; keep it with the backup\n');
    else if (!manifest.secret)
      ctx.stdout.write(`no ${displayPath(path.join(ctx.env.varDir, 'secret'))} yet: the first start creates it\n`);
  },
};

export const restoreCommand: CommandSpec = {
  name: 'restore',
  description: 'Put a backup from `gazette backup` back: the SQLite store and var/secret (refused while a worker runs)',
  args: [{ name: 'dir', description: 'the backup folder', required: true }],
  options: [
    {
      flags: '--force',
      description: 'restore even while a worker seems to run, and replace a var/secret that differs from the backup',
    },
  ],
  async run(ctx, args, options) {
    const source = path.resolve(args[0]!);
    const force = options.force === true;
    const location: StoreLocation = { databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir };
    const manifest = await readBackupManifest(source);
    const target = parseDatabaseUrl(ctx.env.databaseUrl, ctx.env.varDir);
    if (!force && (target.dialect === 'postgres' || existsSync(target.file))) {
      const store = await openStore(location);
      let active: string[];
      try {
        active = await activeProcesses(store, new Date());
      } finally {
        await store.close();
      }
      if (active.length > 0)
        throw new UsageError(
          `a worker is using this store (${active.join('; ')}): stop it before restoring, or pass --force`,
        );
    }
    const result = await restoreBackup(location, source, { force });
    const done: string[] = [];
    if (result.database !== undefined) {
      // brings a backup from an older gazette up to this one's schema, and counts what came back
      const store = await openStore(location);
      try {
        const counts = await countRows(store.db, COUNTED_TABLES);
        done.push(`${displayPath(result.database)} (${summary(counts)})`);
      } finally {
        await store.close();
      }
    }
    const secretFile = displayPath(path.join(ctx.env.varDir, 'secret'));
    if (manifest.secret) done.push(result.secretWritten ? secretFile : `${secretFile} (already the same)`);
    ctx.stdout.write(`restored from ${displayPath(source)} (taken ${manifest.createdAt}): ${done.join(', ')}\n`);
    if (manifest.database === 'postgres')
      ctx.stdout.write('the backup holds no database: restore PostgreSQL from its pg_dump with pg_restore\n');
    if (manifest.secret && ctx.env.secret) {
      const kept = (await readFile(path.join(source, BACKUP_FILES.secret), 'utf8')).trim();
      if (kept !== ctx.env.secret)
        ctx.stderr.write(
          'warning: GAZETTE_SECRET is set and differs from the restored var/secret: links signed before the backup ' +
            'fail until GAZETTE_SECRET is unset or set to it\n',
        );
    }
  },
};
