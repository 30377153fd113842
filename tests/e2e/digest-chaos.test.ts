// Senders killed with SIGKILL mid-send, early, mid-batch and near the end, and recovered exactly as an operator
// would: `gazette digest resume` with no flag, or `gazette start` started again with no flag. Nobody is missed;
// a second copy can only go to a reader the status reports as uncertain; the status agrees with the server.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createEdition, type EditionReport } from '../../src/delivery/index.ts';
import { createMailer } from '../../src/mail/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { gazetteAsync, startWorkerProcess } from '../helpers/worker-process.ts';
import { addSubscribers, receivedCounts } from '../delivery/support.ts';
import { addActiveSubscribers, configOffSchedule, eventually, itemFile, templatesDir } from '../worker/support.ts';
import { CONTENT, runGazette, SEND_NOW, startGazette } from './digest-support.ts';

const READERS = 2000;
/** Messages the server has taken when the sender is killed: early, in the middle of a batch, near the end. */
const KILL_POINTS = [20, 900, 1980];

/** What an operator checks after a recovery: everyone has the digest, and the status says what happened. */
function expectRecovered(report: EditionReport, smtp: TestSmtpServer, emails: readonly string[]): void {
  const received = receivedCounts(smtp.messages);
  const uncertain = new Set(report.uncertain.map((u) => u.email));
  expect(report.state).toBe('sent');
  // nobody missing
  const missing = emails.filter((e) => (received.get(e) ?? 0) === 0);
  expect(missing).toEqual([]);
  // duplicates only among the rows reported uncertain (at most one per message that was in flight)
  const duplicates = [...received].filter(([, n]) => n > 1).map(([email]) => email);
  expect(duplicates.filter((e) => !uncertain.has(e))).toEqual([]);
  expect(uncertain.size).toBeLessThanOrEqual(4 * 3);
  // the counts agree with what the server received
  expect(report.counts).toEqual({
    pending: 0,
    sending: 0,
    retry: 0,
    failed: 0,
    uncertain: 0,
    cancelled: 0,
    sent: received.size,
  });
  expect(received.size).toBe(emails.length);
  expect(smtp.messages.length).toBe(emails.length + duplicates.length);
  expect(report.inFlight).toEqual([]);
}

describe.each(testDialects())('a digest send killed with SIGKILL on %s', { timeout: 300_000 }, (dialect) => {
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

  it.each(KILL_POINTS)('after %i messages is finished by `gazette digest resume`, with no flag', async (point) => {
    await addSubscribers(await database.open(), READERS);
    const emails = Array.from({ length: READERS }, (_, i) => `reader${i + 1}@example.org`);
    const env = { cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url };

    const sender = startGazette(env, ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    await smtp.waitFor(point, 120_000);
    sender.child.kill('SIGKILL');
    expect((await sender.done).signal).toBe('SIGKILL');
    expect(smtp.messages.length).toBeLessThan(READERS);

    // what a status shows right after the crash: the dead sender's rows, in flight, held by a dead process
    const before = JSON.parse((await runGazette(env, ['digest', 'status', '1', '--json'])).stdout) as EditionReport;
    expect(before.state).toBe('sending');
    if (before.counts.sending > 0)
      expect(before.inFlight).toEqual([expect.objectContaining({ alive: false, rows: before.counts.sending })]);

    // at once, exactly as the README says
    const resumed = await runGazette(env, ['digest', 'resume']);
    expect(resumed.stderr).not.toMatch(/"level":[56]0/);
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/recovered the rows of \S+:cli: process \d+ is gone\n/);
    expect(resumed.stdout).toContain('edition 1: sent; ');

    const status = await runGazette(env, ['digest', 'status', '1', '--json']);
    const report = JSON.parse(status.stdout) as EditionReport;
    expectRecovered(report, smtp, emails);
    // each reader who may have two copies is named in the text status too
    const text = await runGazette(env, ['digest', 'status', '1']);
    for (const u of report.uncertain) expect(text.stdout).toContain(`  uncertain: ${u.email} (claimed by `);
  });
});

describe.each(testDialects())('a sending worker killed with SIGKILL on %s', { timeout: 300_000 }, (dialect) => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let root: string;
  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    smtp = await startSmtpServer();
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-chaos-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(
      path.join(root, 'content/news/seizure.md'),
      itemFile('Heroin seized at the border', new Date(Date.now() - 86_400_000)),
    );
  });
  afterEach(async () => {
    await smtp.close();
    await database.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it.each(KILL_POINTS)('after %i messages is finished by starting the worker again, with no flag', async (point) => {
    const store = await database.open();
    const emails = await addActiveSubscribers(store, READERS, new Date(Date.now() - 30 * 86_400_000));
    const config = await loadConfig(path.join(root, 'gazette.yaml'));
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(root, 'var/outbox') });
    const deps = {
      store,
      mailer,
      config,
      logger: silentLogger(),
      now: () => new Date(),
      contentDir: path.join(root, 'content'),
      templatesDir,
      root,
      secret: 'chaos-test-secret-0123456789abcdef',
    };
    expect((await createEdition(deps, { now: new Date() })).status).toBe('created');
    await mailer.close();

    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, PORT: '0', GAZETTE_SECRET: deps.secret };
    const first = startWorkerProcess({ cwd: root, env });
    await first.url;
    await smtp.waitFor(point, 120_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startWorkerProcess({ cwd: root, env });
    try {
      await second.url;
      const status = async (): Promise<EditionReport> =>
        JSON.parse((await gazetteAsync(root, ['digest', 'status', '1', '--json'], env)).stdout) as EditionReport;
      const report = await eventually(status, (r) => r.state === 'sent', 120_000);
      expectRecovered(report, smtp, emails);
      expect(second.stderr()).toMatch(/rows of a dead sender recovered \(process \d+ is gone\)/);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});
