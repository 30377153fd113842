// Backups of what gazette cannot rebuild: the SQLite store (copied online, while a worker runs) and var/secret,
// as one private folder; and putting them back.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  backupSqliteFile,
  checkSqliteFile,
  openDatabase,
  parseDatabaseUrl,
  type DialectName,
  type Kysely,
} from '../adapters/database.ts';
import { GazetteError } from '../errors.ts';
import type { DatabaseSchema } from './schema.ts';

/** A backup could not be written or restored; the message says why in one line. */
export class BackupError extends GazetteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKUP_FAILED', message, options);
  }
}

/** The file names inside a backup folder. */
export const BACKUP_FILES = { database: 'gazette.db', secret: 'secret', manifest: 'manifest.json' } as const;

/** What a backup's manifest.json records. */
export interface BackupManifest {
  format: 'gazette-backup';
  version: 1;
  createdAt: string;
  /** Where the store was: `sqlite` (gazette.db is in the backup) or `postgres` (it is not: pg_dump keeps it). */
  database: DialectName;
  /** Whether var/secret is in the backup. */
  secret: boolean;
  /** Rows per table in the copied database (SQLite only). */
  counts?: Record<string, number>;
}

/** The tables counted in a manifest and in the command's summary. */
export const COUNTED_TABLES = ['subscribers', 'editions', 'deliveries', 'mail_events', 'suppressions'] as const;

export interface StoreLocation {
  /** DATABASE_URL; unset means `<varDir>/gazette.db`. */
  databaseUrl: string | undefined;
  varDir: string;
}

/** `gazette-backup-20261204T184900Z`: sorts by time, and has no character a shell or Windows minds. */
export function backupName(now: Date): string {
  return `gazette-backup-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

function sqliteFile(location: StoreLocation): string | undefined {
  const target = parseDatabaseUrl(location.databaseUrl, location.varDir);
  if (target.dialect !== 'sqlite') return undefined;
  if (target.file === ':memory:') throw new BackupError('DATABASE_URL is :memory:, which keeps nothing to back up');
  return target.file;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Rows per table of `tables`, as numbers on both dialects. */
export async function countRows(
  db: Kysely<DatabaseSchema>,
  tables: readonly (keyof DatabaseSchema)[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

async function countCopy(file: string): Promise<Record<string, number>> {
  const database = await openDatabase<DatabaseSchema>({ target: { dialect: 'sqlite', file } });
  try {
    return await countRows(database.db, COUNTED_TABLES);
  } finally {
    await database.close();
  }
}

/**
 * Writes a backup folder `destination` (0700, which must not exist yet) holding a consistent copy of the SQLite
 * store, var/secret when there is one (both 0600) and manifest.json. On PostgreSQL only the secret is copied:
 * the database is pg_dump's job. A failed backup leaves no folder behind.
 */
export async function createBackup(location: StoreLocation, destination: string, now: Date): Promise<BackupManifest> {
  const file = sqliteFile(location);
  if (file !== undefined && !(await exists(file)))
    throw new BackupError(`no SQLite database at ${file}: nothing to back up`);
  await mkdir(path.dirname(destination), { recursive: true });
  try {
    await mkdir(destination, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${destination} already exists`);
    throw err;
  }
  try {
    await chmod(destination, 0o700);
    const manifest: BackupManifest = {
      format: 'gazette-backup',
      version: 1,
      createdAt: now.toISOString(),
      database: file === undefined ? 'postgres' : 'sqlite',
      secret: false,
    };
    if (file !== undefined) {
      const copy = path.join(destination, BACKUP_FILES.database);
      await backupSqliteFile(file, copy);
      const check = await checkSqliteFile(copy);
      if (check !== 'ok') throw new BackupError(`the copy of ${file} fails SQLite's check: ${check}`);
      manifest.counts = await countCopy(copy);
      // opening the copy to count leaves its -wal and -shm behind; the folder holds one file per thing kept
      await rm(`${copy}-wal`, { force: true });
      await rm(`${copy}-shm`, { force: true });
    }
    try {
      await copyFile(path.join(location.varDir, 'secret'), path.join(destination, BACKUP_FILES.secret));
      await chmod(path.join(destination, BACKUP_FILES.secret), 0o600);
      manifest.secret = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await writeFile(path.join(destination, BACKUP_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    return manifest;
  } catch (err) {
    await rm(destination, { recursive: true, force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(`cannot write the backup ${destination}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads a backup folder's manifest; a folder without one is not a gazette backup. */
export async function readBackupManifest(source: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(path.join(source, BACKUP_FILES.manifest), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new BackupError(`${source} is not a gazette backup folder (no ${BACKUP_FILES.manifest})`);
    throw new BackupError(`cannot read ${source}: ${code ?? (err as Error).message}`, { cause: err });
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (err) {
    throw new BackupError(`${path.join(source, BACKUP_FILES.manifest)} is not JSON`, { cause: err });
  }
  if (manifest.format !== 'gazette-backup' || manifest.version !== 1)
    throw new BackupError(`${source} is not a gazette backup this version can restore`);
  return manifest;
}

export interface RestoreOptions {
  /** Replace a var/secret that differs from the backup's. */
  force: boolean;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** The SQLite file written, when the backup held one. */
  database: string | undefined;
  /** Whether var/secret was written (false: the backup had none, or it was already the same). */
  secretWritten: boolean;
}

/** Writes `file` (0600) under a temporary name first, so no reader sees half of it. */
async function replaceFile(file: string, write: (temp: string) => Promise<void>, database = false): Promise<void> {
  const temp = `${file}.restore-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await write(temp);
    await chmod(temp, 0o600);
    // the old database's write-ahead log belongs to the old file: left beside the restored one, SQLite would
    // replay it into pages it never wrote
    if (database) {
      await unlink(`${file}-wal`).catch(ignoreMissing);
      await unlink(`${file}-shm`).catch(ignoreMissing);
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

/**
 * Puts a backup's SQLite store and var/secret back. Refuses, before writing anything, when the backup holds no
 * database for a SQLite store (or one for a PostgreSQL store), when its copy fails SQLite's check, and when
 * var/secret exists and differs from the backup's unless `force`. Whether a worker runs is the caller's to check.
 */
export async function restoreBackup(
  location: StoreLocation,
  source: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const manifest = await readBackupManifest(source);
  const file = sqliteFile(location);
  const backupDb = path.join(source, BACKUP_FILES.database);
  if (file !== undefined && manifest.database !== 'sqlite')
    throw new BackupError(
      `${source} holds no database (it was taken from PostgreSQL): restore that from pg_dump, or set DATABASE_URL`,
    );
  if (file === undefined && manifest.database === 'sqlite')
    throw new BackupError(
      `${source} holds a SQLite database but DATABASE_URL points at PostgreSQL: restore with DATABASE_URL unset, ` +
        'then copy it over with `gazette migrate-store --to`',
    );
  if (file !== undefined) {
    if (!(await exists(backupDb))) throw new BackupError(`${backupDb} is missing`);
    const check = await checkSqliteFile(backupDb);
    if (check !== 'ok') throw new BackupError(`${backupDb} fails SQLite's check: ${check}`);
  }

  let secret: string | undefined;
  const secretFile = path.join(location.varDir, 'secret');
  if (manifest.secret) {
    secret = await readFile(path.join(source, BACKUP_FILES.secret), 'utf8');
    let current: string | undefined;
    try {
      current = await readFile(secretFile, 'utf8');
    } catch (err) {
      ignoreMissing(err);
    }
    if (current !== undefined && current.trim() === secret.trim()) secret = undefined;
    else if (current !== undefined && !options.force)
      throw new BackupError(
        `${secretFile} differs from the backup's secret: links signed with one fail with the other; ` +
          'pass --force to replace it',
      );
  }

  await mkdir(location.varDir, { recursive: true, mode: 0o700 });
  if (file !== undefined) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await replaceFile(file, (temp) => copyFile(backupDb, temp), true);
  }
  if (secret !== undefined) {
    const text = secret;
    await replaceFile(secretFile, (temp) => writeFile(temp, text, { mode: 0o600 }));
  }
  return { manifest, database: file, secretWritten: secret !== undefined };
}
