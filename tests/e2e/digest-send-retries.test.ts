// `digest send` in a terminal returns once every reader has had a first attempt and leaves the retries to the
// worker, saying so; `--wait` (on resume, or on send) stays until they are done.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EditionReport } from '../../src/delivery/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers } from '../delivery/support.ts';
import { CONTENT, runGazette, SEND_NOW } from './digest-support.ts';

const READERS = 30;
/** Greylisted: these three are answered 451 until `accepting` says otherwise. */
const GREYLISTED = new Set(['reader3@example.org', 'reader13@example.org', 'reader23@example.org']);

describe('digest send with readers to retry', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let accepting = false;
  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    await addSubscribers(await database.open(), READERS);
    accepting = false;
    smtp = await startSmtpServer({ onRcptTo: (a) => (GREYLISTED.has(a) && !accepting ? 451 : undefined) });
  });
  afterEach(async () => {
    await smtp.close();
    await database.dispose();
  });
  const env = () => ({ cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url });

  it('returns after the first attempts, says who sends the retries, and resume --wait finishes them', async () => {
    const started = Date.now();
    const sent = await runGazette(env(), ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    expect(sent.status, sent.stderr).toBe(0);
    // the first retry is 30 s away at the earliest: it did not wait for it
    expect(Date.now() - started).toBeLessThan(30_000);
    const last = sent.stdout.trimEnd().split('\n').at(-1)!;
    // the time as the operator reads it: in site.timezone, named
    const at = /\(the next at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) Asia\/Almaty\)/.exec(last);
    expect(last).toMatch(/^every row has had its first attempt; 3 rows wait for a retry \(the next at /);
    expect(at).not.toBeNull();
    expect(last).toContain('no worker runs now: `gazette start` sends them when they are due; ');
    expect(last).toContain('`gazette digest resume 1 --wait` sends them from here');
    expect(smtp.messages).toHaveLength(READERS - 3);
    const status = JSON.parse((await runGazette(env(), ['digest', 'status', '1', '--json'])).stdout) as EditionReport;
    expect(status.state).toBe('sending');
    expect(status.counts).toMatchObject({ sent: READERS - 3, retry: 3 });

    accepting = true;
    const resumed = await runGazette(env(), ['digest', 'resume', '1', '--wait']);
    expect(resumed.status, resumed.stdout).toBe(0);
    expect(resumed.stdout).toContain(`edition 1: sent; sent ${READERS}, failed 0, to retry 0`);
    expect(new Set(smtp.messages.map((m) => m.to[0])).size).toBe(READERS);
  });

  it('with --wait stays until the retries are sent', async () => {
    // the greylisting ends while the send waits for its retries
    const send = runGazette(env(), ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT, '--wait']);
    await smtp.waitFor(READERS - 3, 60_000);
    accepting = true;
    const done = await send;
    expect(done.status, done.stdout).toBe(0);
    expect(done.stdout).toContain(`edition 1: sent; sent ${READERS}, failed 0, to retry 0`);
  });
});
