// gazette migrate-store --to URL from the default SQLite store into a fresh one: SQLite always, PostgreSQL when
// TEST_DATABASE_URL is set. Every kept table arrives row for row, and the new store goes on handing out ids.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COPIED_TABLES, copyStore } from '../../src/cli/commands/migrate-store.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../helpers/imap-server.ts';
import { gazetteAsync, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { CONTENT, SEND_NOW } from '../e2e/digest-support.ts';
import { configOffSchedule } from '../worker/support.ts';

const SECRET = { GAZETTE_SECRET: 'migrate-store-secret-0123456789abcdef' };

/** Every copied table, in primary-key order. */
async function tables(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const { table, order } of COPIED_TABLES) {
    let query = store.db.selectFrom(table).selectAll();
    for (const column of order) query = query.orderBy(column as never);
    out[table] = await query.execute();
  }
  return out;
}

describe.each(testDialects())('gazette migrate-store from SQLite to %s', { timeout: 180_000 }, (dialect) => {
  let root: string;
  let target: TestDatabase;
  let worker: WorkerProcess | undefined;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-migrate-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content'));
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await worker?.stop('SIGTERM').catch(() => undefined);
    worker = undefined;
    await target.dispose();
    await rm(root, { recursive: true, force: true });
  });
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => gazetteAsync(root, args, { ...SECRET, ...env });
  const source = () => openStore({ databaseUrl: undefined, varDir: path.join(root, 'var') });

  /** A store that has seen some life: readers, a sent edition, a bounce, a suppression, a logout. */
  async function populate(): Promise<void> {
    for (let i = 0; i < 7; i++)
      expect((await run(['subscribers', 'add', `reader${i}@example.org`, '--state', 'active'])).status).toBe(0);
    const sent = await run(['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    expect(sent.status).toBe(0);
    const store = await source();
    try {
      await store.db
        .insertInto('mail_events')
        .values({
          at: 1_700_000_000_000,
          type: 'bounce',
          class: 'hard',
          email: 'reader3@example.org',
          subscriber_id: 4,
          edition_id: 1,
          status: '5.1.1',
          diagnostic: '550 5.1.1 no such user — нет такого',
          source: 'smtp',
          action: 'bounced',
          raw: null,
        })
        .execute();
      await store.db
        .insertInto('suppressions')
        .values({
          email_key: 'reader3@example.org',
          email: 'reader3@example.org',
          reason: 'hard-bounce',
          created_at: 1,
        })
        .execute();
      await store.db
        .insertInto('revoked_sessions')
        .values({ id: 'session-1', expires_at: 9_999_999_999_999 })
        .execute();
    } finally {
      await store.close();
    }
  }

  it('copies every table, verifies the counts, and the new store goes on from the copied ids', async () => {
    await populate();
    const res = await run(['migrate-store', '--to', target.url]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    // the audit log holds the command line's 7 adds and its send
    expect(res.stdout).toContain(
      'subscribers 7, editions 1, edition_items 2, edition_groups 1, deliveries 7, mail_events 1, suppressions 1, ' +
        'revoked_sessions 1, audit_log 8; counts match',
    );
    const from = await source();
    try {
      const copied = await tables(await target.open());
      expect(copied).toEqual(await tables(from));
      expect(copied.deliveries!.every((d) => (d as { status: string }).status === 'sent')).toBe(true);
    } finally {
      await from.close();
    }

    // the new store in use: the next subscriber gets the next id, not one already taken
    const added = await run(['subscribers', 'add', 'new@example.org'], { DATABASE_URL: target.url });
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const store = await target.open();
    const row = await store.db.selectFrom('subscribers').select('id').where('email', '=', 'new@example.org').execute();
    expect(row).toEqual([{ id: 8 }]);
    const status = await run(['digest', 'status'], { DATABASE_URL: target.url });
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('sent 7');
  });

  it('copies in batches: a batch of 3 moves 7 readers and their ledger rows, each once', async () => {
    await populate();
    const from = await source();
    try {
      const to = await target.open();
      const report = await copyStore(from, to, 3);
      expect(report.find((r) => r.table === 'deliveries')).toEqual({ table: 'deliveries', rows: 7 });
      expect(await tables(to)).toEqual(await tables(from));
    } finally {
      await from.close();
    }
  });

  it('refuses a target that already has subscribers, and a source a worker is using', async () => {
    await populate();
    expect((await run(['subscribers', 'add', 'there@example.org'], { DATABASE_URL: target.url })).status).toBe(0);
    const full = await run(['migrate-store', '--to', target.url]);
    expect(full.status).toBe(1);
    expect(full.stderr).toBe(
      'gazette: the target store already has 1 row in subscribers: migrate-store copies into an empty store only\n',
    );

    worker = startWorkerProcess({
      cwd: root,
      env: { ...SECRET, PORT: String(await freePort()) },
      args: ['--host', '127.0.0.1'],
    });
    await worker.url;
    await worker.waitForLog((r) => r.msg === 'schedule running');
    const busy = await run(['migrate-store', '--to', `sqlite:${path.join(root, 'other.db')}`]);
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/^gazette: a worker is using the current store \(worker .+\): .*pass --force\n$/);
  });
});
