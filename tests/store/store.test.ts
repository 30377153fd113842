import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, sql } from '../../src/adapters/database.ts';
import { appliedMigrations } from '../../src/store/migrations.ts';
import { acquireLease, openStore, releaseLease, StoreError } from '../../src/store/index.ts';
import { createTestDatabase, testDialects, useTestStore } from '../helpers/db.ts';

const T = Date.UTC(2026, 10, 30, 4, 0, 0); // 2026-11-30T09:00+05:00

describe('parseDatabaseUrl', () => {
  it('defaults to var/gazette.db', () => {
    expect(parseDatabaseUrl(undefined, '/srv/news/var')).toEqual({
      dialect: 'sqlite',
      file: '/srv/news/var/gazette.db',
    });
  });
  it('reads sqlite: and bare paths against the working folder', () => {
    expect(parseDatabaseUrl('sqlite:data/g.db', '/v', '/srv')).toEqual({ dialect: 'sqlite', file: '/srv/data/g.db' });
    expect(parseDatabaseUrl('/tmp/x.db', '/v')).toEqual({ dialect: 'sqlite', file: '/tmp/x.db' });
  });
  it('reads postgres URLs and their schema parameter', () => {
    expect(parseDatabaseUrl('postgres://u@db:5432/news?schema=gz', '/v')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://u@db:5432/news',
      schema: 'gz',
    });
    expect(() => parseDatabaseUrl('postgres://u@db/news?schema=a;drop', '/v')).toThrow(/schema/);
  });
});

describe.each(testDialects())('store on %s', (dialect) => {
  const t = useTestStore(dialect);

  it('creates every table at start-up and a second start applies nothing', async () => {
    const { store } = t();
    const names = (await store.db.introspection.getTables()).map((x) => x.name).sort();
    expect(names).toEqual(expect.arrayContaining(['deliveries', 'editions', 'leases', 'subscribers']));
    const again = await t().open();
    expect(await appliedMigrations(again.db as never)).toEqual([
      '0001_initial',
      '0002_deliveries_due',
      '0003_exactly_once',
      '0004_mail_events',
      '0005_revoked_sessions',
      '0006_audit_log',
      '0007_languages_topics',
    ]);
  });

  it('returns ids and epoch-millisecond times as numbers', async () => {
    const { store } = t();
    const row = await store.db
      .insertInto('subscribers')
      .values({
        email: 'a@example.org',
        email_key: 'a@example.org',
        state: 'active',
        source: 'cli',
        created_at: T,
        updated_at: T,
        confirmed_at: T + 1,
      })
      .returning(['id', 'created_at', 'confirmed_at'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ id: expect.any(Number), created_at: T, confirmed_at: T + 1 });
    const count = await store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('refuses a second subscriber with the same address key and a second edition for one slot', async () => {
    const { store } = t();
    const subscriber = {
      email: 'A@example.org',
      email_key: 'a@example.org',
      state: 'active' as const,
      source: 'cli',
      created_at: T,
      updated_at: T,
    };
    await store.db.insertInto('subscribers').values(subscriber).execute();
    await expect(
      store.db
        .insertInto('subscribers')
        .values({ ...subscriber, email: 'a@example.org' })
        .execute(),
    ).rejects.toThrow();

    const edition = {
      slot: '2026-11-30T09:00+05:00',
      subject: 'Week',
      state: 'draft' as const,
      item_ids: '[]',
      window_start: T - 7 * 86_400_000,
      window_end: T,
      created_at: T,
    };
    await store.db.insertInto('editions').values(edition).execute();
    await expect(store.db.insertInto('editions').values(edition).execute()).rejects.toThrow();
    // manual editions have no slot, and there may be many
    await store.db
      .insertInto('editions')
      .values({ ...edition, slot: null })
      .execute();
    await store.db
      .insertInto('editions')
      .values({ ...edition, slot: null })
      .execute();
  });

  it("keeps one delivery per (edition, subscriber) and drops a removed subscriber's rows", async () => {
    const { store } = t();
    const s = await store.db
      .insertInto('subscribers')
      .values({
        email: 'b@example.org',
        email_key: 'b@example.org',
        state: 'active',
        source: 'cli',
        created_at: T,
        updated_at: T,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const e = await store.db
      .insertInto('editions')
      .values({
        slot: null,
        subject: 'S',
        state: 'sending',
        item_ids: '["a"]',
        window_start: 0,
        window_end: T,
        created_at: T,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const delivery = {
      edition_id: e.id,
      subscriber_id: s.id,
      email: 'b@example.org',
      status: 'pending' as const,
      attempts: 0,
    };
    await store.db.insertInto('deliveries').values(delivery).execute();
    await expect(store.db.insertInto('deliveries').values(delivery).execute()).rejects.toThrow();
    await store.db.deleteFrom('subscribers').where('id', '=', s.id).execute();
    expect(await store.db.selectFrom('deliveries').selectAll().execute()).toEqual([]);
  });

  it('rolls a failed transaction back', async () => {
    const { store } = t();
    await expect(
      store.transaction(async (trx) => {
        await trx.insertInto('leases').values({ name: 'x', holder: 'h', expires_at: T }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
    await store.transaction((trx) =>
      trx.insertInto('leases').values({ name: 'x', holder: 'h', expires_at: T }).execute(),
    );
    expect(await store.db.selectFrom('leases').select('name').execute()).toEqual([{ name: 'x' }]);
  });

  it('gives a lease to one holder until it lapses', async () => {
    const { store } = t();
    const lease = { name: 'scheduler', ttlMs: 30_000 };
    expect(await acquireLease(store, { ...lease, holder: 'w1', now: new Date(T) })).toBe(true);
    expect(await acquireLease(store, { ...lease, holder: 'w2', now: new Date(T + 10_000) })).toBe(false);
    // the holder renews
    expect(await acquireLease(store, { ...lease, holder: 'w1', now: new Date(T + 20_000) })).toBe(true);
    expect(await acquireLease(store, { ...lease, holder: 'w2', now: new Date(T + 40_000) })).toBe(false);
    // lapsed: taken over
    expect(await acquireLease(store, { ...lease, holder: 'w2', now: new Date(T + 50_000) })).toBe(true);
    expect(await acquireLease(store, { ...lease, holder: 'w1', now: new Date(T + 51_000) })).toBe(false);
    await releaseLease(store, 'scheduler', 'w1'); // not the holder: no effect
    expect(await acquireLease(store, { ...lease, holder: 'w1', now: new Date(T + 52_000) })).toBe(false);
    await releaseLease(store, 'scheduler', 'w2');
    expect(await acquireLease(store, { ...lease, holder: 'w1', now: new Date(T + 53_000) })).toBe(true);
  });

  it('answers one query text run many times, at once too, each with its own values', async () => {
    const { store } = t();
    const rows = Array.from({ length: 12 }, (_, i) => ({
      email: `r${i}@example.org`,
      email_key: `r${i}@example.org`,
      state: 'active' as const,
      source: 'cli',
      created_at: T + i,
      updated_at: T,
    }));
    await store.db.insertInto('subscribers').values(rows).execute();
    const byKey = (key: string) =>
      store.db
        .selectFrom('subscribers')
        .select(['email', 'created_at'])
        .where('email_key', '=', key)
        .executeTakeFirstOrThrow();
    for (let i = 0; i < 12; i++)
      expect(await byKey(`r${i}@example.org`)).toEqual({ email: `r${i}@example.org`, created_at: T + i });
    const all = await Promise.all(rows.map((r) => byKey(r.email_key)));
    expect(all.map((r) => r.created_at)).toEqual(rows.map((r) => r.created_at));
  });

  // Several SQLite connections in one process would block each other synchronously (better-sqlite3
  // waits on the lock inside the event loop), so races on SQLite run in child processes below.
  it.runIf(dialect === 'postgres')('gives a contested lease to exactly one of many concurrent holders', async () => {
    const others = await Promise.all([t().open(), t().open(), t().open()]);
    const results = await Promise.all(
      [t().store, ...others].map((store, i) =>
        acquireLease(store, { name: 'digest', holder: `w${i}`, ttlMs: 60_000, now: new Date(T) }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

const openInChild = (url: string, varDir: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const script = `const { openStore } = await import(${JSON.stringify(
      pathToFileURL(path.resolve('src/store/index.ts')).href,
    )});
const store = await openStore({ databaseUrl: ${JSON.stringify(url)}, varDir: ${JSON.stringify(varDir)} });
await store.close(); console.log('ok');`;
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: process.cwd() },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())),
    );
  });

describe.each(testDialects())('migrating a fresh %s database', (dialect) => {
  it('is safe when several processes start at once', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => openInChild(database.url, database.varDir)));
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
      const store = await database.open();
      expect(await appliedMigrations(store.db as never)).toEqual([
        '0001_initial',
        '0002_deliveries_due',
        '0003_exactly_once',
        '0004_mail_events',
        '0005_revoked_sessions',
        '0006_audit_log',
        '0007_languages_topics',
      ]);
    } finally {
      await database.dispose();
    }
  });
});

describe('SQLite specifics', () => {
  it('uses WAL and creates the default file under var/', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const store = await openStore({ databaseUrl: undefined, varDir: database.varDir });
      try {
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
        expect(mode.rows[0]?.journal_mode).toBe('wal');
        expect((await stat(path.join(database.varDir, 'gazette.db'))).isFile()).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await database.dispose();
    }
  });

  it('runs one query text again and again with new values, also after the table it reads changed', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const store = await openStore({ databaseUrl: undefined, varDir: database.varDir });
      try {
        await sql`create table notes (id integer primary key, body text)`.execute(store.db);
        const read = (id: number) =>
          sql<Record<string, unknown>>`select * from notes where id = ${id}`.execute(store.db).then((r) => r.rows);
        await sql`insert into notes (id, body) values (1, 'one'), (2, 'two')`.execute(store.db);
        expect(await read(1)).toEqual([{ id: 1, body: 'one' }]);
        expect(await read(2)).toEqual([{ id: 2, body: 'two' }]);
        await sql`alter table notes add column tag text default 'x'`.execute(store.db);
        expect(await read(2)).toEqual([{ id: 2, body: 'two', tag: 'x' }]);
      } finally {
        await store.close();
      }
    } finally {
      await database.dispose();
    }
  });

  it('writes a batch all or nothing, and never inside a transaction that is still running', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const store = await openStore({ databaseUrl: undefined, varDir: database.varDir });
      try {
        const write = store.writeBatch!;
        const names = async () =>
          (await store.db.selectFrom('leases').select('name').orderBy('name').execute()).map((r) => r.name);
        const insert = 'insert into leases (name, holder, expires_at) values (?, ?, ?)';
        expect(await write((w) => w.run(insert, ['a', 'h', T]) + w.run(insert, ['b', 'h', T]))).toBe(2);
        expect(await names()).toEqual(['a', 'b']);
        // the second statement fails (the name is taken): the first is undone with it
        await expect(write((w) => [w.run(insert, ['c', 'h', T]), w.run(insert, ['a', 'h', T])])).rejects.toThrow(
          /UNIQUE/,
        );
        expect(await names()).toEqual(['a', 'b']);

        // a transaction that waits in the middle, then fails: a batch asked for meanwhile waits for
        // it to end, and is not undone with it
        let batched: Promise<number> | undefined;
        await expect(
          store.transaction(async (trx) => {
            await trx.insertInto('leases').values({ name: 'd', holder: 'h', expires_at: T }).execute();
            batched = write((w) => w.run(insert, ['e', 'h', T]));
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await batched).toBe(1);
        expect(await names()).toEqual(['a', 'b', 'e']);
      } finally {
        await store.close();
      }
    } finally {
      await database.dispose();
    }
  });

  it('reports an unreachable database as a StoreError', async () => {
    await expect(openStore({ databaseUrl: 'sqlite:/etc/hostname/nope.db', varDir: '/tmp' })).rejects.toBeInstanceOf(
      StoreError,
    );
  });
});
