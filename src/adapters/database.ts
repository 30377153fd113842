// Adapter for kysely (the query layer), better-sqlite3 (SQLite) and pg (PostgreSQL): the one module that imports them.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type SqliteDatabaseType from 'better-sqlite3';
import type pgType from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Migration,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase as SqliteDialectDatabase,
} from 'kysely';

export { sql };
export type {
  ColumnType,
  Generated,
  Insertable,
  Kysely,
  Migration,
  Selectable,
  Transaction,
  Updateable,
  ExpressionBuilder,
  UpdateQueryBuilder,
  UpdateResult,
} from 'kysely';

// Where DATABASE_URL points is read without kysely (src/config/database-url.ts), so a command that
// finds no database loads no query layer.
import type { DatabaseTarget, DialectName } from '../config/database-url.ts';
export { parseDatabaseUrl, type DatabaseTarget, type DialectName } from '../config/database-url.ts';

export interface DatabaseOptions {
  target: DatabaseTarget;
  /** Pool size for PostgreSQL (default 10; at least 2, migrations hold one connection while using another). */
  maxConnections?: number;
  /** How long SQLite waits for another process's write lock before failing (default 10 s). */
  busyTimeoutMs?: number;
}

export interface Database<DB> {
  db: Kysely<DB>;
  dialect: DialectName;
  /** The PostgreSQL schema in use (`current_schema()`), undefined on SQLite. */
  schema: string | undefined;
  /**
   * Runs `fn` in a write transaction. SQLite: BEGIN IMMEDIATE, so that two processes never
   * both read and then both try to upgrade to a write lock (which fails at once instead of waiting).
   */
  transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /**
   * SQLite only (undefined on PostgreSQL): runs `fn` in one write transaction (BEGIN IMMEDIATE,
   * COMMIT; ROLLBACK when it throws) in one synchronous step, between the statements kysely runs on
   * the connection, never inside one of its transactions. `fn` runs statements by their text, each
   * prepared once. The cheapest way to write a few rows: a statement costs a few microseconds
   * this way, against tens through kysely.
   */
  writeBatch?<T>(fn: (writes: BatchWrites) => T): Promise<T>;
  /**
   * PostgreSQL only (undefined on SQLite): takes the session advisory lock (`classId`, `objId`) on a
   * connection of its own, outside the pool, and keeps it until `release` or until the connection
   * ends with the process. Other sessions see it in `pg_locks` for as long as this process lives.
   */
  holdSessionLock?(classId: number, objId: number): Promise<SessionLock>;
  /** Applies the migrations, in order, that this database has not seen; safe when two processes start at once. */
  migrate(migrations: Record<string, Migration>): Promise<string[]>;
  close(): Promise<void>;
}

/** A lock held by Database.holdSessionLock. */
export interface SessionLock {
  /** Whether the lock's connection is still up (a dropped connection drops the lock with it). */
  held(): boolean;
  release(): Promise<void>;
}

/** The statements of one Database.writeBatch. */
export interface BatchWrites {
  /** Runs one statement with its parameters; returns how many rows it changed. */
  run(text: string, params: readonly unknown[]): number;
}

// pg reads int8 (bigint: epoch milliseconds, ids, count(*)) as strings by default; every value
// gazette stores fits in a double, so numbers on both dialects.
const INT8_OID = 20;
function pgTypesOf(pg: typeof pgType) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
}

/** Opens the database; nothing is migrated until `migrate` is called. */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  const { target } = options;
  // Each driver is loaded only when used: a process on one database carries none of the other's code.
  if (target.dialect === 'sqlite') {
    const { default: SqliteDatabase } = await import('better-sqlite3');
    return openSqlite<DB>(SqliteDatabase, target.file, options.busyTimeoutMs ?? 10_000);
  }
  const { default: pg } = await import('pg');
  return openPostgres<DB>(pg, target.connectionString, target.schema, Math.max(2, options.maxConnections ?? 10));
}

/**
 * Copies the SQLite database `file` into `destination` with SQLite's online backup API: a consistent
 * snapshot even while other processes write to it (a write during the copy restarts it). The
 * destination is created 0600. Rejects when `file` does not exist rather than creating it.
 */
export async function backupSqliteFile(file: string, destination: string): Promise<void> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  const connection = new SqliteDatabase(file, { fileMustExist: true, timeout: 10_000 });
  try {
    closeSync(openSync(destination, 'wx', 0o600));
    await connection.backup(destination);
  } finally {
    connection.close();
  }
}

/** SQLite's `pragma quick_check` of the existing file `file`: `ok`, or what is wrong with it. */
export async function checkSqliteFile(file: string): Promise<string> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  const connection = new SqliteDatabase(file, { fileMustExist: true });
  try {
    const rows = connection.pragma('quick_check') as { quick_check: string }[];
    return rows.map((r) => r.quick_check).join('; ');
  } finally {
    connection.close();
  }
}

/**
 * Creates the folder (0700) and an empty database file (0600) before SQLite opens it: SQLite would create the file
 * 0644 less the umask, readable by every local user, and it gives the -wal and -shm files the database file's mode.
 * An empty file is an empty database. A file already there keeps its mode.
 */
function createPrivately(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function openSqlite<DB>(SqliteDatabase: typeof SqliteDatabaseType, file: string, busyTimeoutMs: number): Database<DB> {
  if (file !== ':memory:') createPrivately(file);
  const connection = new SqliteDatabase(file, { timeout: busyTimeoutMs });
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  const cached = withStatementCache(connection);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cached }) });
  const writes: BatchWrites = { run: (text, params) => Number(cached.prepare(text).run(params).changes) };
  const batch = connection.transaction((fn: (w: BatchWrites) => unknown) => fn(writes));

  const transaction = <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        if (connection.inTransaction) await sql`rollback`.execute(conn);
        throw err;
      }
    });

  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    transaction,
    // kysely runs one thing at a time on its connection, a transaction of store.transaction from
    // BEGIN to COMMIT included: the batch runs as one of them, so it never lands inside another
    writeBatch: <T>(fn: (w: BatchWrites) => T) => db.connection().execute(async () => batch.immediate(fn) as T),
    async migrate(migrations) {
      // Two processes migrating one file at once: the loser of the write lock gets SQLITE_BUSY
      // even with a busy timeout (lock upgrade), so it retries and then finds nothing to do.
      for (let attempt = 1; ; attempt++) {
        try {
          return await runMigrator(db, migrations, undefined);
        } catch (err) {
          const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
          // The loser may also have read "nothing applied" before the winner committed and then find
          // the winner's tables: its transaction rolled back, and the next attempt finds them applied.
          const lostRace =
            typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || /already exists/.test(errorText(err)));
          if (attempt >= 20 || !lostRace) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    },
    close: () => db.destroy(),
  };
}

/** Most prepared statements kept per SQLite connection. */
const STATEMENT_CACHE_SIZE = 100;

/**
 * The connection as kysely's SQLite driver sees it, with each statement prepared once per SQL text:
 * the driver prepares every query it runs, and preparing costs as much as running a short one.
 * The least recently used statement goes first when the cache is full; a statement still being
 * iterated (an unfinished stream) is not handed out again, a fresh one is prepared instead.
 */
function withStatementCache(connection: SqliteDatabaseType.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabaseType.Statement>();
  return {
    prepare(text) {
      const cached = statements.get(text);
      if (cached && !cached.busy) {
        // most recently used last: the Map's first key is the one to evict
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = connection.prepare(text);
      if (!cached) {
        statements.set(text, statement);
        if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
    close() {
      statements.clear();
      connection.close();
    },
  };
}

/** Most SQL texts run as named (prepared) statements on PostgreSQL; later ones are parsed each time. */
const NAMED_STATEMENTS = 200;
/** Runs of one text before it gets a name: a text run once or twice is not worth a statement kept on the server. */
const RUNS_BEFORE_NAMING = 3;

/**
 * The pool as kysely's PostgreSQL driver sees it, with a text run again and again sent as a named
 * statement: the server parses and plans it once per connection instead of on every run (the
 * ledger's writes spend more server time planning than executing). Texts without parameters
 * (transaction control, DDL) keep the simple protocol.
 */
function withNamedStatements(pool: pgType.Pool): PostgresPool {
  const names = new Map<string, string>();
  const runs = new Map<string, number>();
  const nameOf = (text: string, parameters: readonly unknown[]): string | undefined => {
    if (parameters.length === 0) return undefined;
    const named = names.get(text);
    if (named !== undefined || names.size >= NAMED_STATEMENTS) return named;
    const seen = (runs.get(text) ?? 0) + 1;
    if (seen < RUNS_BEFORE_NAMING) {
      if (runs.size >= 10 * NAMED_STATEMENTS) runs.clear();
      runs.set(text, seen);
      return undefined;
    }
    runs.delete(text);
    const name = `gazette_${names.size + 1}`;
    names.set(text, name);
    return name;
  };
  // kysely keeps its connection object per client: the same wrapper each time a client comes back
  const wrappers = new WeakMap<pgType.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = {
          query: ((textOrCursor: string | object, parameters: readonly unknown[] = []) => {
            if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
            const name = nameOf(textOrCursor, parameters);
            return name
              ? client.query({ name, text: textOrCursor, values: [...parameters] })
              : client.query(textOrCursor, [...parameters]);
          }) as unknown as PostgresPoolClient['query'],
          release: (destroy) => client.release(destroy),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

async function openPostgres<DB>(
  pg: typeof pgType,
  connectionString: string,
  schema: string | undefined,
  max: number,
): Promise<Database<DB>> {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: pgTypesOf(pg),
    // Each connection starts with the chosen schema as its search path, so every query is unqualified.
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; the pool drops it, and the next
  // query reports the problem where it can be handled. Without a listener the process would crash.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
  let current: string;
  try {
    if (schema !== undefined)
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db).catch(async (err) => {
        // a concurrent `create schema if not exists` can still lose a race on the catalog
        const exists = await sql<{
          n: number;
        }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db);
        if (exists.rows[0]?.n !== 1) throw err;
      });
    const row = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    if (!row.rows[0]?.schema) throw new Error('PostgreSQL: no schema on the search path');
    current = row.rows[0].schema;
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const holdSessionLock = async (classId: number, objId: number): Promise<SessionLock> => {
    const client = new pg.Client({ connectionString, types: pgTypesOf(pg) });
    let up = true;
    // a dropped connection drops the lock: held() says so, and the owner takes a new one
    client.on('error', () => {
      up = false;
    });
    client.on('end', () => {
      up = false;
    });
    await client.connect();
    try {
      await client.query('select pg_advisory_lock($1, $2)', [classId, objId]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return {
      held: () => up,
      async release() {
        if (!up) return;
        up = false;
        await client.end().catch(() => undefined);
      },
    };
  };
  return {
    db,
    dialect: 'postgres',
    schema: current,
    transaction: (fn) => db.transaction().execute(fn),
    holdSessionLock,
    async migrate(migrations) {
      // A session lock per schema held on its own connection for the whole run: a second process
      // waits here, then finds every migration applied.
      return db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(hashtext(${`gazette.migrate.${current}`}))`.execute(conn);
        try {
          return await runMigrator(db, migrations, current);
        } finally {
          await sql`select pg_advisory_unlock(hashtext(${`gazette.migrate.${current}`}))`.execute(conn);
        }
      });
    },
    close: () => db.destroy(),
  };
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return `${(err as Error).message ?? ''} ${cause instanceof Error ? cause.message : ''}`;
}

async function runMigrator<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
  schema: string | undefined,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // kysely looks for its bookkeeping tables in every schema unless told which one
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
