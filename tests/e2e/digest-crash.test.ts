// A sender killed with SIGKILL mid-send: resume completes the edition with one copy per reader, except rows reported uncertain.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EditionReport } from '../../src/delivery/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, receivedCounts } from '../delivery/support.ts';
import { CONTENT, runGazette, SEND_NOW, startGazette } from './digest-support.ts';

const READERS = 2000;

describe.each(testDialects())('a crash mid-send on %s', { timeout: 300_000 }, (dialect) => {
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

  it('is completed by `digest resume`; only uncertain rows may be duplicates, and they are re-sent only when asked', async () => {
    await addSubscribers(await database.open(), READERS);
    const env = { cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url };

    const sender = startGazette(env, ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    await smtp.waitFor(300, 120_000);
    sender.child.kill('SIGKILL');
    const killed = await sender.done;
    expect(killed.signal).toBe('SIGKILL');
    const beforeResume = smtp.messages.length;
    expect(beforeResume).toBeLessThan(READERS);

    const resumed = await runGazette(env, ['digest', 'resume', '--stale-after', '0']);
    expect(resumed.stderr).not.toMatch(/"level":[56]0/);
    expect(resumed.status).toBe(0);

    const status = await runGazette(env, ['digest', 'status', '1', '--json']);
    expect(status.status).toBe(0);
    const report = JSON.parse(status.stdout) as EditionReport;
    const uncertain = new Set(report.uncertain.map((u) => u.email));
    expect(report.state).toBe('sent');
    expect(report.counts).toEqual({
      pending: 0,
      sending: 0,
      retry: 0,
      failed: 0,
      uncertain: uncertain.size,
      sent: READERS - uncertain.size,
    });
    // a killed sender leaves at most the messages it had in flight (concurrency) unaccounted for
    expect(uncertain.size).toBeLessThanOrEqual(4);
    expect(resumed.stdout).toContain(
      uncertain.size > 0
        ? `${uncertain.size} row${uncertain.size === 1 ? '' : 's'} left in flight by a stopped sender marked uncertain`
        : 'edition 1: sent',
    );
    const text = await runGazette(env, ['digest', 'status', '1']);
    for (const email of uncertain) expect(text.stdout).toContain(`  uncertain: ${email} (claimed by `);

    const received = receivedCounts(smtp.messages);
    for (let i = 1; i <= READERS; i++) {
      const email = `reader${i}@example.org`;
      if (uncertain.has(email)) expect(received.get(email) ?? 0).toBeLessThanOrEqual(1);
      else expect(received.get(email), email).toBe(1);
    }

    const resend = await runGazette(env, ['digest', 'resume', '--resend-uncertain', '--stale-after', '0']);
    expect(resend.status).toBe(0);
    const after = JSON.parse((await runGazette(env, ['digest', 'status', '1', '--json'])).stdout) as EditionReport;
    expect(after).toMatchObject({ state: 'sent', counts: { sent: READERS, uncertain: 0, pending: 0, sending: 0 } });
    const final = receivedCounts(smtp.messages);
    for (let i = 1; i <= READERS; i++) expect(final.get(`reader${i}@example.org`)).toBeGreaterThanOrEqual(1);
    const duplicates = [...final.entries()].filter(([, n]) => n > 1);
    expect(duplicates.every(([email, n]) => n === 2 && uncertain.has(email))).toBe(true);
    expect(duplicates.length).toBeLessThanOrEqual(uncertain.size);
    expect(smtp.messages.length).toBe(READERS + duplicates.length);
  });
});
