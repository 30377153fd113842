// SIGTERM while the worker sends an edition of 1,200 messages over a real SMTP server: it stops claiming, finishes the
// messages in flight, exits 0 within its bound; `gazette digest resume` then completes the edition with no duplicate.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { createMailer } from '../../src/mail/index.ts';
import { openStore } from '../../src/store/index.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { gazetteAsync, repoRoot, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { addActiveSubscribers, configOffSchedule, itemFile, templatesDir } from '../worker/support.ts';

const RECIPIENTS = 1200;

describe('gazette start stopped by SIGTERM during a send', { timeout: 180_000 }, () => {
  let root: string;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-sigterm-'));
    smtp = await startSmtpServer();
    // Paced at 150 messages a second, so the send takes several seconds and the signal lands in the middle of it.
    const yaml = (await configOffSchedule()).replace(
      /^ {2}max_lateness_hours: 24$/m,
      '  max_lateness_hours: 24\n  rate_per_second: 150\n  batch_size: 50',
    );
    expect(yaml).toContain('rate_per_second: 150');
    await writeFile(path.join(root, 'gazette.yaml'), yaml);
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(
      path.join(root, 'content/news/seizure.md'),
      itemFile('Heroin seized at the border', new Date(Date.now() - 86_400_000)),
    );
    await cp(path.join(repoRoot, 'templates'), path.join(root, 'templates'), { recursive: true });

    // The edition exists before the worker starts: its dispatch poll finds it and sends.
    const varDir = path.join(root, 'var');
    const store = await openStore({ databaseUrl: undefined, varDir });
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(varDir, 'outbox') });
    try {
      await addActiveSubscribers(store, RECIPIENTS, new Date(Date.now() - 30 * 86_400_000));
      const config = await loadConfig(path.join(root, 'gazette.yaml'));
      const created = await createEdition(
        {
          store,
          mailer,
          config,
          logger: silentLogger(),
          now: () => new Date(),
          contentDir: path.join(root, 'content'),
          templatesDir,
          root,
          secret: 'sigterm-test-secret-0123456789abcdef',
        },
        { now: new Date() },
      );
      expect(created).toMatchObject({ status: 'created', recipients: RECIPIENTS });
    } finally {
      await mailer.close();
      await store.close();
    }
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    await smtp.close();
    await rm(root, { recursive: true, force: true });
  });

  it('exits 0 mid-send, and resume delivers every remaining message exactly once', async () => {
    const env = { PORT: '0', SMTP_URL: smtp.url, GAZETTE_SECRET: 'sigterm-test-secret-0123456789abcdef' };
    worker = startWorkerProcess({ cwd: root, env });
    await worker.url;
    await smtp.waitFor(150, 60_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
    const logs = worker.logs();
    expect(logs.some((r) => r.msg === 'dispatch stopped' && r.aborted === true)).toBe(true);
    expect(logs.some((r) => r.msg === 'stopped')).toBe(true);
    const before = smtp.messages.length;
    expect(before).toBeGreaterThanOrEqual(150);
    expect(before).toBeLessThan(RECIPIENTS);

    // Nothing was left in flight: every claimed row was sent or handed back.
    const store = await openStore({ databaseUrl: undefined, varDir: path.join(root, 'var') });
    try {
      const sending = await store.db
        .selectFrom('deliveries')
        .select('email')
        .where('status', 'in', ['sending', 'uncertain'])
        .execute();
      expect(sending).toEqual([]);
      const sent = await store.db.selectFrom('deliveries').select('email').where('status', '=', 'sent').execute();
      expect(sent.length).toBe(before);
    } finally {
      await store.close();
    }

    // Asynchronously: the SMTP server answering it runs in this process.
    const resume = await gazetteAsync(root, ['digest', 'resume'], env);
    expect(resume.stderr).not.toMatch(/gazette: /);
    expect(resume.status).toBe(0);
    expect(resume.stdout).toContain(
      `sent ${RECIPIENTS}, failed 0, to retry 0, pending 0, in flight 0, uncertain 0 of ${RECIPIENTS}`,
    );
    expect(smtp.messages.length).toBe(RECIPIENTS);
    const received = new Map<string, number>();
    for (const m of smtp.messages) for (const to of m.to) received.set(to, (received.get(to) ?? 0) + 1);
    expect(received.size).toBe(RECIPIENTS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
  });
});
