// `gazette digest send` as an operator runs it: dry run, a test copy, a full send, status, and nothing sent when
// nothing is new.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers } from '../delivery/support.ts';
import { CONTENT, runGazette, SEND_NOW } from './digest-support.ts';

describe.each(testDialects())('gazette digest send on %s', { timeout: 120_000 }, (dialect) => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await smtp.close();
    await database.dispose();
  });
  const env = () => ({ cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url });
  const ledger = async () => {
    const store = await database.open();
    return {
      editions: await store.db.selectFrom('editions').selectAll().execute(),
      deliveries: await store.db.selectFrom('deliveries').selectAll().execute(),
    };
  };

  it('--dry-run prints subject, items and recipients and creates nothing', async () => {
    await addSubscribers(await database.open(), 7);
    const run = await runGazette(env(), ['digest', 'send', '--dry-run', '--now', SEND_NOW, '--content', CONTENT]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'dry run: nothing created or sent\nsubject: CARICC News: 2 new items, week of 4 October 2021\n' +
        'items: 2\nrecipients: 7\n',
    );
    expect(await ledger()).toEqual({ editions: [], deliveries: [] });
    expect(smtp.messages).toHaveLength(0);
  });

  it('--to sends one copy to that address and writes no ledger rows', async () => {
    await addSubscribers(await database.open(), 7);
    const run = await runGazette(env(), [
      'digest',
      'send',
      '--to',
      'editor@caricc.org',
      '--now',
      SEND_NOW,
      '--content',
      CONTENT,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^test copy of "CARICC News: 2 new items, week of 4 October 2021" \(2 items\) sent to editor@caricc\.org/,
    );
    expect(smtp.messages.map((m) => m.to)).toEqual([['editor@caricc.org']]);
    expect(smtp.messages[0]!.parsed.subject).toBe('CARICC News: 2 new items, week of 4 October 2021');
    expect(await ledger()).toEqual({ editions: [], deliveries: [] });
  });

  it('sends the edition to every active subscriber, reports it, and sends nothing when nothing is new', async () => {
    const store = await database.open();
    await addSubscribers(store, 40);
    await addSubscribers(store, 3, 'unsubscribed', 'gone');
    const run = await runGazette(env(), ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'edition 1: "CARICC News: 2 new items, week of 4 October 2021", 2 items, 40 recipients\n',
    );
    expect(run.stdout).toContain(
      'edition 1: sent; sent 40, failed 0, to retry 0, pending 0, in flight 0, uncertain 0 of 40\n',
    );
    // not a terminal: progress goes to the log
    expect(run.stderr).toBe('');
    expect(smtp.messages).toHaveLength(40);
    expect(new Set(smtp.messages.map((m) => m.to[0])).size).toBe(40);

    const status = await runGazette(env(), ['digest', 'status', '1']);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(
      // long-line: a regular expression literal cannot be split
      /^edition 1 {2}sent {2}"CARICC News: 2 new items, week of 4 October 2021"\n {2}recipients 40: sent 40, failed 0, retry 0, pending 0, in flight 0, uncertain 0\n/,
    );

    const again = await runGazette(env(), [
      'digest',
      'send',
      '--now',
      '2021-10-04T10:00:00+06:00',
      '--content',
      CONTENT,
    ]);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('no new items since the last edition: nothing sent (--force sends anyway)\n');
    expect((await ledger()).editions).toHaveLength(1);
    expect(smtp.messages).toHaveLength(40);

    // the preview reckons its window from the edition just sent, as the next send will
    const preview = await runGazette(env(), [
      'digest',
      'preview',
      '--now',
      '2021-10-04T10:00:00+06:00',
      '--content',
      CONTENT,
      '--out',
      path.join(database.varDir, 'preview'),
    ]);
    expect(preview.status).toBe(0);
    // edition 1 carried both items of the week: the window reaches back to its start, and nothing is left
    expect(preview.stdout).toMatch(
      /^no item published between 2021-09-27 09:00:00 Asia\/Almaty and .* is waiting to be mailed/,
    );
  });

  it('writes .eml files under var/outbox/edition-<id>/ without SMTP_URL', async () => {
    await addSubscribers(await database.open(), 3);
    const run = await runGazette({ ...env(), smtpUrl: '' }, [
      'digest',
      'send',
      '--now',
      SEND_NOW,
      '--content',
      CONTENT,
    ]);
    expect(run.status).toBe(0);
    const files = await readdir(path.join(database.varDir, 'var', 'outbox', 'edition-1'));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(3);
  });
});
