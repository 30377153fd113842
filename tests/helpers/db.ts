// Test databases: a fresh SQLite file, and (when TEST_DATABASE_URL is set) a fresh PostgreSQL schema, per test.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openDatabase, parseDatabaseUrl, sql } from '../../src/adapters/database.ts';
import { openStore, type Store } from '../../src/store/index.ts';

export type TestDialect = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. Use with `describe.each(testDialects())`. */
export function testDialects(): TestDialect[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase {
  dialect: TestDialect;
  /**
   * A DATABASE_URL for this database alone (a SQLite file, or PostgreSQL with `?schema=`): also for child
   * processes.
   */
  url: string;
  /** A temporary folder to use as var/ (outbox, secret); removed by dispose(). */
  varDir: string;
  /** Opens (and migrates) a store on this database; dispose() closes every store opened here. */
  open(): Promise<Store>;
  /** Closes the stores, drops the PostgreSQL schema, removes the temporary folder. */
  dispose(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'gazette-db-'));
  let url: string;
  let schema: string | undefined;
  if (dialect === 'sqlite') {
    url = `sqlite:${path.join(varDir, 'gazette.db')}`;
  } else {
    const base = process.env.TEST_DATABASE_URL;
    if (!base) throw new Error('TEST_DATABASE_URL is not set');
    schema = `t_${process.pid}_${randomBytes(5).toString('hex')}`;
    const parsed = new URL(base);
    parsed.searchParams.set('schema', schema);
    url = parsed.toString();
  }
  const stores: Store[] = [];
  return {
    dialect,
    url,
    varDir,
    async open() {
      const store = await openStore({ databaseUrl: url, varDir });
      stores.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      if (schema !== undefined) {
        const admin = await openDatabase({ target: parseDatabaseUrl(process.env.TEST_DATABASE_URL, varDir) });
        try {
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
        } finally {
          await admin.close();
        }
      }
      await rm(varDir, { recursive: true, force: true });
    },
  };
}

export interface TestStore extends TestDatabase {
  store: Store;
}

/** Inside a describe: a fresh migrated store for each test, disposed after it. Call the returned getter in tests. */
export function useTestStore(dialect: TestDialect): () => TestStore {
  let current: TestStore | undefined;
  beforeEach(async () => {
    const database = await createTestDatabase(dialect);
    current = { ...database, store: await database.open() };
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTestStore: no store outside a test');
    return current;
  };
}
