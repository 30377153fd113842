// After a send: the edition in public/archive/ on the next build, and a digest triggered through the server's admin
// API.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers } from '../delivery/support.ts';
import { CONTENT, runGazette, SEND_NOW, startGazette } from './digest-support.ts';

describe('sent editions and the admin trigger', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await smtp.close();
    await database.dispose();
  });

  it('puts each sent edition under public/archive/ on the next build', async () => {
    await addSubscribers(await database.open(), 3);
    const env = { cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url };
    const sent = await runGazette(env, ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT]);
    expect(sent.status).toBe(0);
    const out = path.join(database.varDir, 'public');
    const build = await runGazette(env, ['build', '--content', CONTENT, '--out', out]);
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const index = await readFile(path.join(out, 'archive', 'index.html'), 'utf8');
    expect(index).toContain('CARICC News: 2 new items, week of 4 October 2021');
    expect(index).toContain('2021-10-04-1/');
    const page = await readFile(path.join(out, 'archive', '2021-10-04-1', 'index.html'), 'utf8');
    expect(page).toContain('CARICC Director meets the Minister of Internal Affairs of Kazakhstan');
    expect(page).not.toContain('unsubscribe?token=');
  });

  it(`POST /admin/api/digest/trigger creates the edition, \
answers 202 with its id, and sends it in the background`, async () => {
    await addSubscribers(await database.open(), 5);
    // one item published yesterday: the server composes for the real clock
    const content = path.join(database.varDir, 'content');
    await mkdir(content, { recursive: true });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await writeFile(
      path.join(content, 'fresh.md'),
      `---\ntitle: Fresh news\ndate: ${yesterday}\nsummary: Something new.\n---\nBody.\n`,
    );
    const server = startGazette({ cwd: database.varDir, databaseUrl: database.url, smtpUrl: smtp.url }, [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        server.child.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          const match = / at (http:\/\/\S+)/.exec(seen);
          if (match) resolve(match[1]!.replace(/\/$/, ''));
        });
        void server.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
      });
      const response = await fetch(`${url}/admin/api/digest/trigger`, {
        method: 'POST',
        headers: { authorization: 'Bearer e2e-admin-token-0123456789' },
      });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { result: { status: string; editionId: number; recipients: number } };
      expect(body.result).toMatchObject({ status: 'created', editionId: 1, recipients: 5, items: 1 });
      await smtp.waitFor(5, 30_000);
      expect(new Set(smtp.messages.map((m) => m.to[0])).size).toBe(5);
    } finally {
      server.child.kill('SIGTERM');
      await server.done;
    }
  });
});
