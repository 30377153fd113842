// Opens gazette's database (SQLite by default, PostgreSQL by DATABASE_URL) and brings its schema up to date.
import {
  openDatabase,
  parseDatabaseUrl,
  sql,
  type BatchWrites,
  type SessionLock,
  type Database,
  type DatabaseTarget,
  type DialectName,
  type Kysely,
} from '../adapters/database.ts';
import { GazetteError } from '../errors.ts';
import { migrations } from './migrations.ts';
import type { DatabaseSchema } from './schema.ts';

export interface StoreOptions {
  /** DATABASE_URL; unset means the SQLite file `<varDir>/gazette.db`. */
  databaseUrl: string | undefined;
  varDir: string;
  /** PostgreSQL pool size (default 10). */
  maxConnections?: number;
}

/** The database with its schema applied. */
export interface Store {
  db: Kysely<DatabaseSchema>;
  dialect: DialectName;
  /** A write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the default read committed). */
  transaction<T>(fn: (trx: Kysely<DatabaseSchema>) => Promise<T>): Promise<T>;
  /**
   * SQLite only: statements run by text in one write transaction, in one synchronous step (see Database.writeBatch).
   */
  writeBatch?<T>(fn: (writes: BatchWrites) => T): Promise<T>;
  /** PostgreSQL only: a session advisory lock held on a connection of its own (see Database.holdSessionLock). */
  holdSessionLock?(classId: number, objId: number): Promise<SessionLock>;
  close(): Promise<void>;
}

/** The database cannot be opened or migrated. */
export class StoreError extends GazetteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options);
  }
}

/** Opens the database named by `databaseUrl` and applies pending migrations (idempotent, safe to race). */
export async function openStore(options: StoreOptions): Promise<Store> {
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(options.databaseUrl, options.varDir);
  } catch (err) {
    throw new StoreError((err as Error).message, { cause: err });
  }
  const where = target.dialect === 'sqlite' ? `SQLite database ${target.file}` : 'PostgreSQL database';
  let database: Database<DatabaseSchema>;
  try {
    database = await openDatabase<DatabaseSchema>({
      target,
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    });
  } catch (err) {
    throw new StoreError(`cannot open ${where}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // SQLite's page cache (16 MB as better-sqlite3 builds it) would fill up on a large ledger and
    // stay resident: a send of 100,000 messages would hold 12 MB more than one of 10,000. The
    // ledger reads and writes in subscriber order, so a small cache loses nothing; the operating
    // system's file cache keeps the rest.
    if (database.dialect === 'sqlite') await sql`pragma cache_size = -4000`.execute(database.db);
    await database.migrate(migrations(database.dialect));
  } catch (err) {
    await database.close().catch(() => undefined);
    throw new StoreError(`cannot migrate ${where}: ${(err as Error).message}`, { cause: err });
  }
  return {
    db: database.db,
    dialect: database.dialect,
    transaction: (fn) => database.transaction(fn),
    ...(database.writeBatch ? { writeBatch: database.writeBatch } : {}),
    ...(database.holdSessionLock ? { holdSessionLock: database.holdSessionLock } : {}),
    close: () => database.close(),
  };
}
