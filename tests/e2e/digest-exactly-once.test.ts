// The paths around one edition that an operator takes: two sends at once, a pause from elsewhere, a cancel,
// a resume while another sender still works. Each keeps one copy per reader.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { pauseEdition, registerSender, type EditionReport } from '../../src/delivery/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, receivedCounts } from '../delivery/support.ts';
import { CONTENT, runGazette, SEND_NOW, startGazette } from './digest-support.ts';

const READERS = 2000;
const LATER = '2021-10-11T09:00:00+06:00';

describe.each(testDialects())('one edition, one copy per reader, on %s', { timeout: 300_000 }, (dialect) => {
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
  const status = async (edition = 1): Promise<EditionReport> =>
    JSON.parse((await runGazette(env(), ['digest', 'status', String(edition), '--json'])).stdout) as EditionReport;
  const send = ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT];

  it('two `digest send` at once make one edition; the second names it and sends nothing', async () => {
    await addSubscribers(await database.open(), READERS);
    // a slow server: the first send is still going out when the second one looks
    await smtp.close();
    smtp = await startSmtpServer({ delayMs: 10 });
    const [a, b] = await Promise.all([runGazette(env(), send), runGazette(env(), send)]);
    const results = [a, b].sort((x, y) => (x.status ?? 0) - (y.status ?? 0));
    expect(results.map((r) => r.status)).toEqual([0, 1]);
    expect(results[1]!.stderr).toMatch(/^gazette: edition 1 is still (sending|draft): `gazette digest resume 1`/m);
    const store = await database.open();
    expect(await store.db.selectFrom('editions').select('id').execute()).toEqual([{ id: 1 }]);
    const received = receivedCounts(smtp.messages);
    expect(received.size).toBe(READERS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);

    // a deliberate second edition needs the flag, and then carries only what the first did not
    const again = await runGazette(env(), [...send, '--concurrent']);
    expect(again.stdout).toContain('no new items since the last edition');
  });

  it('pause from another process stops the send at once: at most the messages in flight reach the server', async () => {
    const store = await database.open();
    await addSubscribers(store, READERS);
    const sender = startGazette(env(), send);
    await smtp.waitFor(200, 120_000);
    // what the dashboard's Pause does, from this process
    expect(await pauseEdition(store, 1, 'paused by an operator')).toBe(true);
    const atPause = smtp.messages.length;
    const done = await sender.done;
    expect(done.status).toBe(1);
    expect(done.stdout).toContain('paused: paused by an operator');
    // digest.concurrency is 4: only messages already in an SMTP conversation finish
    expect(smtp.messages.length - atPause).toBeLessThanOrEqual(4);
    const paused = await status();
    expect(paused.state).toBe('paused');
    // claimed rows that were never started went back at once
    expect(paused.counts.sending).toBe(0);
    expect(paused.counts.pending).toBe(READERS - paused.counts.sent);
    expect(paused.counts.sent).toBe(smtp.messages.length);

    const resumed = await runGazette(env(), ['digest', 'resume']);
    expect(resumed.status, resumed.stdout).toBe(0);
    const received = receivedCounts(smtp.messages);
    expect(received.size).toBe(READERS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
  });

  it('`digest cancel` stops an edition for good, and the next edition carries its items', async () => {
    const store = await database.open();
    await addSubscribers(store, READERS);
    // a slow server: the send is still going out when `digest cancel` (a process of its own) starts
    await smtp.close();
    smtp = await startSmtpServer({ delayMs: 10 });
    const sender = startGazette(env(), send);
    await smtp.waitFor(100, 120_000);
    const cancel = await runGazette(env(), ['digest', 'cancel']);
    expect(cancel.status, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/^edition 1 cancelled: \d+ rows will not be sent/);
    const done = await sender.done;
    expect(done.status).toBe(1);
    const atEnd = smtp.messages.length;
    const report = await status();
    expect(report.state).toBe('cancelled');
    expect(report.counts, done.stderr).toMatchObject({ sending: 0, pending: 0, retry: 0 });
    expect(report.counts.sent + report.counts.cancelled).toBe(READERS);
    expect(report.counts.sent).toBe(atEnd);
    // a cancelled edition is not resumed, and its items go into the next one (through a fast server again)
    await smtp.close();
    smtp = await startSmtpServer();
    expect((await runGazette(env(), ['digest', 'resume', '1'])).status).toBe(1);
    const next = await runGazette(env(), ['digest', 'send', '--now', LATER, '--content', CONTENT]);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/^edition 2: "[^"]+", 2 items, 2000 recipients/);
  });

  it('`digest resume` exits non-zero and says why while another live sender still holds rows', async () => {
    const store = await database.open();
    await addSubscribers(store, 50);
    const sent = await runGazette(env(), send);
    expect(sent.status).toBe(0);
    // another sender, alive, is in the middle of three messages of a reopened edition
    await store.db.updateTable('editions').set({ state: 'sending', completed_at: null }).where('id', '=', 1).execute();
    await store.db
      .updateTable('deliveries')
      .set({ status: 'sending', claimed_by: 'other-host:1:cli', claimed_at: Date.now(), message_id: '<m@x>' })
      .where('email', 'in', ['reader1@example.org', 'reader2@example.org', 'reader3@example.org'])
      .execute();
    const live = await registerSender({
      store,
      id: 'other-host:1:cli',
      kind: 'cli',
      now: () => new Date(),
      logger: silentLogger(),
    });
    try {
      const resumed = await runGazette(env(), ['digest', 'resume', '1']);
      expect(resumed.status).toBe(1);
      expect(resumed.stdout).toContain('in flight: 3 rows held by other-host:1:cli, alive');
      expect(resumed.stdout).toContain('edition 1 is not finished: 3 rows still being sent by another process');
      // and nothing of the live sender's was taken
      expect((await status()).counts.sending).toBe(3);
      const overall = await runGazette(env(), ['status']);
      expect(overall.stdout).toMatch(/in flight: +3 held by other-host:1:cli: alive/);
    } finally {
      await live.stop();
    }
    // once it is gone without a word, the next resume takes its rows back and finishes
    const finished = await runGazette(env(), ['digest', 'resume', '1']);
    expect(finished.status, finished.stdout).toBe(0);
    expect(finished.stdout).toContain('recovered the rows of other-host:1:cli: no liveness record (it stopped)');
    expect((await status()).counts).toMatchObject({ sent: 50, sending: 0 });
  });
});
