// A reader subscribes while the mail server is down: the request is kept, the page says the mail may take a while,
// and the running worker sends the confirmation once the server is back, without the reader asking again.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, itemFile } from '../worker/support.ts';

const GAZETTE_SECRET = 'gazette-secret-confirmation-retry-0123';

describe('a confirmation while the mail server is down', { timeout: 120_000 }, () => {
  let root: string;
  let worker: WorkerProcess | undefined;
  let smtp: TestSmtpServer | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-confirm-retry-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(path.join(root, 'content/news/one.md'), itemFile('One item', new Date(Date.now() - 86_400_000)));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    await smtp?.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each(['start', 'serve'] as const)(
    'is kept, said to be on its way later, and sent by `gazette %s` once the server answers',
    async (command) => {
      const port = await freePort();
      worker = startWorkerProcess({
        cwd: root,
        command,
        env: { PORT: '0', SMTP_URL: `smtp://127.0.0.1:${port}`, GAZETTE_SECRET },
      });
      const url = await worker.url;
      const res = await fetch(new URL('subscribe', url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: `late.reader.${command}@example.org` }),
      });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('may take a while');
      expect(page).toContain('No need to subscribe again');
      // the operator reads why, in one line naming the setting, and no stack trace
      const warning = await worker.waitForLog((r) => String(r.msg).startsWith('confirmation not sent now'));
      expect(String(warning.error)).toContain(`SMTP_URL smtp://127.0.0.1:${port}: nothing accepts connections`);
      expect(worker.stderr()).not.toMatch(/\n\s+at /);

      // the mail server comes back on its address
      smtp = await startSmtpServer({ port });
      await smtp.waitFor(1, 60_000);
      const mail = smtp.messages[0]!;
      expect(mail.to).toEqual([`late.reader.${command}@example.org`]);
      expect(mail.parsed.subject).toMatch(/^Confirm your subscription/);
      const link = /https?:\/\/\S+\/confirm\?token=[^\s"<>]+/.exec(mail.parsed.text ?? '')?.[0];
      expect(link).toBeDefined();
      await worker.waitForLog((r) => r.msg === 'confirmation sent after a delay');

      // one mail, not one per round; the link confirms the reader
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(smtp.messages).toHaveLength(1);
      const token = new URL(link!).searchParams.get('token')!;
      const confirmed = await fetch(new URL(`confirm?token=${encodeURIComponent(token)}`, url), { method: 'POST' });
      expect(confirmed.status).toBe(200);
      const store = await openStore({ databaseUrl: undefined, varDir: path.join(root, 'var') });
      try {
        const row = await store.db
          .selectFrom('subscribers')
          .select('state')
          .where('email', '=', `late.reader.${command}@example.org`)
          .executeTakeFirstOrThrow();
        expect(row.state).toBe('active');
      } finally {
        await store.close();
        await worker?.stop('SIGTERM');
        worker = undefined;
        await smtp?.close();
        smtp = undefined;
      }
    },
  );
});
