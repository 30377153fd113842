// `gazette start` as an operator runs it: serves the build, rebuilds when content changes, keeps the last good build
// through a bad file, sends an edition an operator triggers over a real SMTP server, never logs a secret, stops on
// SIGTERM.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { gazetteIn, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, eventually, itemFile } from '../worker/support.ts';

const SMTP_PASSWORD = 'smtp-Pa55word-x9q';
const ADMIN_TOKEN = 'admin-token-7f3c9a1b5d-e2e-worker';
const GAZETTE_SECRET = 'gazette-secret-4e8b2d6f0a1c3e5f7a9b';

describe('gazette start', { timeout: 120_000 }, () => {
  let root: string;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess | undefined;
  let env: NodeJS.ProcessEnv;
  const day = 86_400_000;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-start-'));
    smtp = await startSmtpServer({ auth: { user: 'gazette', pass: SMTP_PASSWORD } });
    env = { PORT: '0', SMTP_URL: smtp.url, ADMIN_TOKEN, GAZETTE_SECRET };
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    // Dated just before now, so that they are this week's news for the digest.
    await writeFile(
      path.join(root, 'content/news/seizure.md'),
      itemFile('Heroin seized at the border', new Date(Date.now() - 2 * day)),
    );
    await writeFile(
      path.join(root, 'content/news/training.md'),
      itemFile('Analysts trained in Tashkent', new Date(Date.now() - day)),
    );
    for (const address of ['a@example.org', 'b@example.org']) {
      expect(gazetteIn(root, ['subscribers', 'add', address], env).status).toBe(0);
    }
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    await smtp.close();
    await rm(root, { recursive: true, force: true });
  });

  const feedTitles = async (): Promise<string[]> =>
    (
      JSON.parse(await readFile(path.join(root, 'public/feed.json'), 'utf8')) as { items: { title: string }[] }
    ).items.map((i) => i.title);

  it(`serves, rebuilds, survives a bad file, sends a triggered \
edition, logs no secret, and exits 0 on SIGTERM`, async () => {
    worker = startWorkerProcess({ cwd: root, env });
    const url = await worker.url;

    const feed = await fetch(new URL('feed.json', url));
    expect(feed.status).toBe(200);
    expect(feed.headers.get('etag')).toMatch(/^"/);
    expect(await feedTitles()).toEqual(['Analysts trained in Tashkent', 'Heroin seized at the border']);

    // A change: the new feed is on disk (and served) once the debounce has passed.
    await writeFile(
      path.join(root, 'content/news/training.md'),
      itemFile('Analysts trained in Tashkent and Bishkek', new Date(Date.now() - day)),
    );
    await eventually(feedTitles, (t) => t[0] === 'Analysts trained in Tashkent and Bishkek');
    const served = (await (await fetch(new URL('feed.json', url))).json()) as { items: { title: string }[] };
    expect(served.items[0]!.title).toBe('Analysts trained in Tashkent and Bishkek');

    // A bad file: its error is logged with the file and field, the last good build stays served, the worker lives on.
    await writeFile(
      path.join(root, 'content/news/bad.md'),
      itemFile('Broken', new Date(Date.now() - day), 'colour: red\n'),
    );
    const error = await worker.waitForLog((r) => r.file === 'news/bad.md');
    expect(error).toMatchObject({ level: 50, field: 'colour' });
    expect(error.msg).toContain('news/bad.md:5 (field "colour"): unknown field "colour"');
    await worker.waitForLog((r) => r.msg === 'build failed: the last good build is still served');
    expect((await fetch(new URL('feed.json', url))).status).toBe(200);
    expect(await feedTitles()).toEqual(['Analysts trained in Tashkent and Bishkek', 'Heroin seized at the border']);
    expect(worker.child.exitCode).toBeNull();

    // Fixed: rebuilt with the item.
    await writeFile(
      path.join(root, 'content/news/bad.md'),
      itemFile('Precursors intercepted', new Date(Date.now() - day / 2)),
    );
    await eventually(feedTitles, (t) => t.length === 3 && t[0] === 'Precursors intercepted');

    // The operators' API triggers an edition; the worker's dispatcher sends it.
    const trigger = await fetch(new URL('admin/api/digest/trigger', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(trigger.status).toBe(202);
    expect(((await trigger.json()) as { result: { status: string } }).result.status).toBe('created');
    await smtp.waitFor(2, 20_000);
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual(['a@example.org', 'b@example.org']);
    expect(smtp.messages[0]!.parsed.subject).toContain('3 new items');
    await worker.waitForLog((r) => r.msg === 'edition sending');
    await worker.waitForLog((r) => r.msg === 'dispatch done' && Array.isArray(r.completed) && r.completed.length === 1);

    // The sent edition goes into the web archive on the rebuild that follows.
    const archive = await eventually(
      () => readFile(path.join(root, 'public/archive/index.html'), 'utf8'),
      (html) => html.includes(smtp.messages[0]!.parsed.subject ?? '(none)'),
    );
    expect(archive).toContain('3 new items');
    await worker.waitForLog((r) => r.msg === 'site built' && r.reason === 'edition sent');

    const status = gazetteIn(root, ['status', '--json'], env);
    expect(status.status).toBe(0);
    const report = JSON.parse(status.stdout) as {
      items: { published: number };
      lastEdition: { state: string; deliveries: { sent: number } };
      subscribers: { active: number };
    };
    expect(report.items.published).toBe(3);
    expect(report.subscribers.active).toBe(2);
    expect(report.lastEdition).toMatchObject({ state: 'sent', deliveries: { sent: 2 } });

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.logs().some((r) => r.msg === 'stopped')).toBe(true);
    // Logs are JSON lines when not on a terminal, and never carry a secret.
    const logText = worker.stderr() + worker.stdout() + status.stdout + status.stderr;
    for (const secret of [SMTP_PASSWORD, encodeURIComponent(SMTP_PASSWORD), ADMIN_TOKEN, GAZETTE_SECRET])
      expect(logText).not.toContain(secret);
    expect(worker.logs().length).toBeGreaterThan(10);
  });
});
