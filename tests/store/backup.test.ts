// gazette backup while the worker runs, then gazette restore into an emptied var/: the store and var/secret come
// back as they were, and a link mailed before the backup still works against a worker started after the restore.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { freePort } from '../helpers/imap-server.ts';
import { gazetteAsync, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { CONTENT, SEND_NOW } from '../e2e/digest-support.ts';
import { configOffSchedule } from '../worker/support.ts';

const READERS = ['ana@example.org', 'bek@example.org', 'dina@example.org'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** The message's List-Unsubscribe https URL, unfolded. */
function unsubscribeUrl(raw: string): URL {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const header = /^List-Unsubscribe: (.*)$/im.exec(head)?.[1] ?? '';
  const url = /<(https?:[^>]+)>/.exec(header)?.[1];
  if (!url) throw new Error(`no https List-Unsubscribe in:\n${head}`);
  return new URL(url);
}

/** What a restore must bring back: the subscribers, the editions and the ledger, row for row. */
async function snapshot(store: Store) {
  return {
    subscribers: await store.db.selectFrom('subscribers').selectAll().orderBy('id').execute(),
    editions: await store.db.selectFrom('editions').selectAll().orderBy('id').execute(),
    editionItems: await store.db.selectFrom('edition_items').selectAll().orderBy('item_id').execute(),
    deliveries: await store.db.selectFrom('deliveries').selectAll().orderBy('subscriber_id').execute(),
  };
}

describe('gazette backup and restore', { timeout: 180_000 }, () => {
  let root: string;
  let worker: WorkerProcess | undefined;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-backup-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content'));
  });
  afterEach(async () => {
    await worker?.stop('SIGTERM').catch(() => undefined);
    worker = undefined;
    await rm(root, { recursive: true, force: true });
  });
  const varDir = () => path.join(root, 'var');
  const run = (args: string[]) => gazetteAsync(root, args);
  const startWorker = async (): Promise<string> => {
    worker = startWorkerProcess({ cwd: root, env: { PORT: String(await freePort()) }, args: ['--host', '127.0.0.1'] });
    return worker.url;
  };
  const readStore = async <T>(read: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore({ databaseUrl: undefined, varDir: varDir() });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  };

  it('round-trips a store taken from a running worker, and old unsubscribe links still work', async () => {
    await startWorker();
    for (const email of READERS) expect((await run(['subscribers', 'add', email, '--state', 'active'])).status).toBe(0);
    const sent = await run(['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    expect(sent.stderr).not.toMatch(/^gazette: /m);
    expect(sent.status).toBe(0);
    const emls = (await filesUnder(path.join(varDir(), 'outbox'))).filter((f) => f.endsWith('.eml'));
    const toBek = await Promise.all(emls.map((f) => readFile(f, 'utf8'))).then((texts) =>
      texts.find((t) => /^To: bek@example\.org/m.test(t)),
    );
    expect(toBek).toBeDefined();
    const link = unsubscribeUrl(toBek!);

    const dir = path.join(root, 'kept', 'nightly');
    const backup = await run(['backup', dir]);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    expect(backup.stdout).toContain(
      'gazette.db (3 subscribers, 1 edition, 3 deliveries, 0 mail events, 0 suppressions)',
    );
    expect(backup.stdout).toContain('secret');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(dir)) expect((await stat(path.join(dir, file))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['gazette.db', 'manifest.json', 'secret']);
    const before = await readStore(snapshot);
    expect(before.deliveries.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
    const secret = await readFile(path.join(varDir(), 'secret'), 'utf8');

    const refused = await run(['restore', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^gazette: a worker is using this store \(worker .+\): stop it before restoring/m);

    expect(await worker!.stop('SIGTERM')).toBe(0);
    worker = undefined;
    await rm(varDir(), { recursive: true, force: true });

    const restored = await run(['restore', dir]);
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/^restored from kept\/nightly \(taken .+\): var\/gazette\.db \(3 subscribers, /);
    expect(await readFile(path.join(varDir(), 'secret'), 'utf8')).toBe(secret);
    expect(await readStore(snapshot)).toEqual(before);

    const url = await startWorker();
    const res = await fetch(new URL(`${link.pathname}${link.search}`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await worker!.stop('SIGTERM')).toBe(0);
    worker = undefined;
    const states = await readStore((s) =>
      s.db.selectFrom('subscribers').select(['email', 'state']).orderBy('id').execute(),
    );
    expect(states).toEqual([
      { email: 'ana@example.org', state: 'active' },
      { email: 'bek@example.org', state: 'unsubscribed' },
      { email: 'dina@example.org', state: 'active' },
    ]);
  });

  it('refuses to replace a var/secret that differs unless --force, and writes nothing when it refuses', async () => {
    expect((await run(['subscribers', 'add', 'ana@example.org', '--state', 'active'])).status).toBe(0);
    await writeFile(path.join(varDir(), 'secret'), `${'a'.repeat(64)}\n`, { mode: 0o600 });
    const dir = path.join(root, 'b');
    expect((await run(['backup', dir])).status).toBe(0);
    await rm(varDir(), { recursive: true, force: true });
    expect((await run(['subscribers', 'add', 'other@example.org'])).status).toBe(0);
    await writeFile(path.join(varDir(), 'secret'), `${'b'.repeat(64)}\n`, { mode: 0o600 });

    const refused = await run(['restore', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^gazette: .*var\/secret differs from the backup's secret: .*pass --force/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(await readFile(path.join(varDir(), 'secret'), 'utf8')).toBe(`${'b'.repeat(64)}\n`);
    const kept = await readStore((s) => s.db.selectFrom('subscribers').select('email').execute());
    expect(kept).toEqual([{ email: 'other@example.org' }]);

    const forced = await run(['restore', dir, '--force']);
    expect(forced.status).toBe(0);
    expect(await readFile(path.join(varDir(), 'secret'), 'utf8')).toBe(`${'a'.repeat(64)}\n`);
    const back = await readStore((s) => s.db.selectFrom('subscribers').select('email').execute());
    expect(back).toEqual([{ email: 'ana@example.org' }]);
  });

  it('says so in one line for a folder that is not a backup, and for a backup folder that exists', async () => {
    const notBackup = await run(['restore', path.join(root, 'content')]);
    expect(notBackup.status).toBe(1);
    expect(notBackup.stderr).toMatch(/^gazette: .*content is not a gazette backup folder \(no manifest\.json\)\n$/);
    expect((await run(['subscribers', 'add', 'ana@example.org'])).status).toBe(0);
    const named = await run(['backup']);
    expect(named.status).toBe(0);
    expect(named.stdout).toMatch(/^backup written to gazette-backup-\d{8}T\d{6}Z: gazette\.db \(1 subscriber, /);
    const again = await run(['backup', path.join(root, 'content')]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^gazette: .*content already exists\n$/);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    'on PostgreSQL copies the secret only and prints the pg_dump line',
    async () => {
      await mkdir(varDir(), { recursive: true });
      await writeFile(path.join(varDir(), 'secret'), `${'c'.repeat(64)}\n`, { mode: 0o600 });
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.searchParams.set('schema', `backup_${process.pid}`);
      const dir = path.join(root, 'pg');
      const res = await gazetteAsync(root, ['backup', dir], { DATABASE_URL: url.toString() });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('backup written to pg: secret\n');
      expect(res.stdout).toContain(`pg_dump --format=custom --schema=backup_${process.pid} --file=pg/gazette.pgdump`);
      expect(res.stdout).not.toContain(url.host);
      expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'secret']);
    },
  );
});
