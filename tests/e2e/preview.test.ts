// `--base-url` as a user runs it: a preview build whose every link points at the preview URL and none at site.url's
// host, and a worker whose confirmation mail and digest link to the preview.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/index.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { gazetteIn, repoRoot, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, eventually, itemFile } from '../worker/support.ts';

const GAZETTE_SECRET = 'gazette-secret-preview-7a1c3e5f9b2d4f6a';
const ADMIN_TOKEN = 'admin-token-preview-3b5d7f9a1c-e2e-worker';
const day = 86_400_000;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Every place a file names `host` as a URL's host (`//host`), with the file it is in. */
async function linksTo(dir: string, host: string): Promise<string[]> {
  const pattern = new RegExp(`//${host.replace(/\./g, '\\.')}(?![\\w.-])`, 'gi');
  const found: string[] = [];
  for (const file of await filesUnder(dir)) {
    const text = (await readFile(file)).toString('latin1');
    for (const m of text.matchAll(pattern))
      found.push(`${path.relative(dir, file)}: …${text.slice(Math.max(0, m.index - 40), m.index + 40)}…`);
  }
  return found;
}

/** A port free at this moment, for a worker that must know its own URL before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('--base-url', { timeout: 120_000 }, () => {
  let root: string;
  let productionHost: string;
  let worker: WorkerProcess | undefined;
  let smtp: TestSmtpServer | undefined;
  const env = { GAZETTE_SECRET };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-preview-'));
    await cp(path.join(repoRoot, 'content'), path.join(root, 'content'), { recursive: true });
    await cp(path.join(repoRoot, 'gazette.yaml'), path.join(root, 'gazette.yaml'));
    productionHost = new URL((await loadConfig(path.join(root, 'gazette.yaml'))).site.url).host;
  });
  afterAll(async () => {
    await smtp?.close();
    await worker?.stop('SIGKILL').catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('gazette build --base-url: says it is a preview, and public/ links only there', async () => {
    const preview = 'http://127.0.0.1:8080/';
    const built = gazetteIn(root, ['build', '--base-url', preview], env);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain(
      `preview build for ${preview}: links point there, not to https://${productionHost}/`,
    );
    const publicDir = path.join(root, 'public');
    expect((await filesUnder(publicDir)).length).toBeGreaterThan(20);
    expect(await linksTo(publicDir, productionHost)).toEqual([]);

    for (const folder of ['', 'tags/cooperation/']) {
      const rss = await readFile(path.join(publicDir, folder, 'feed.xml'), 'utf8');
      expect(rss).toContain(`<atom:link href="${preview}${folder}feed.xml" rel="self" type="application/rss+xml"/>`);
      const atom = await readFile(path.join(publicDir, folder, 'atom.xml'), 'utf8');
      expect(atom).toContain(`<link rel="self" type="application/atom+xml" href="${preview}${folder}atom.xml"/>`);
      const json = JSON.parse(await readFile(path.join(publicDir, folder, 'feed.json'), 'utf8')) as {
        feed_url: string;
        items: { id: string; url: string }[];
      };
      expect(json.feed_url).toBe(`${preview}${folder}feed.json`);
      for (const item of json.items) {
        expect(item.url.startsWith(`${preview}news/`), item.url).toBe(true);
        // ids are what readers remember: a preview keeps the site's
        expect(item.id.startsWith(`tag:${productionHost},`), item.id).toBe(true);
      }
    }
    const page = await readFile(path.join(publicDir, 'index.html'), 'utf8');
    expect(page).toContain(`href="${preview}feed.xml"`);

    // The same check finds the production host in a build without the flag: it looks where links are.
    const plain = gazetteIn(root, ['build', '--out', 'public-production'], env);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('preview build');
    expect((await linksTo(path.join(root, 'public-production'), productionHost)).length).toBeGreaterThan(20);
  });

  it('refuses a --base-url that is not an http(s) URL, naming the flag', () => {
    for (const bad of ['127.0.0.1:8080', 'ftp://127.0.0.1/', 'preview']) {
      const res = gazetteIn(root, ['build', '--base-url', bad], env);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`gazette: --base-url must be an http(s) URL`);
      expect(res.stderr).toContain(`"${bad}"`);
    }
    const start = gazetteIn(root, ['start', '--base-url', 'nope'], { ...env, PORT: '0' });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain('--base-url must be an http(s) URL');
  });

  it('gazette start --base-url: the confirmation mail and the digest link to the preview', async () => {
    const site = await mkdtemp(path.join(os.tmpdir(), 'gazette-preview-worker-'));
    try {
      await cp(path.join(root, 'content'), path.join(site, 'content'), { recursive: true });
      await writeFile(path.join(site, 'gazette.yaml'), await configOffSchedule());
      // this week's news, for the digest
      await writeFile(
        path.join(site, 'content/2021/seizure.md'),
        itemFile('Heroin seized at the border', new Date(Date.now() - day)),
      );
      // a real mail server configured: a preview must not mail its links through it
      smtp = await startSmtpServer();
      const workerEnv = { ...env, ADMIN_TOKEN, SMTP_URL: smtp.url };
      expect(gazetteIn(site, ['subscribers', 'add', 'reader@example.org'], workerEnv).status).toBe(0);
      const port = await freePort();
      const preview = `http://127.0.0.1:${port}/`;
      worker = startWorkerProcess({
        cwd: site,
        env: { ...workerEnv, PORT: String(port) },
        args: ['--host', '127.0.0.1', '--base-url', preview],
      });
      expect(await worker.url).toBe(preview);
      expect(worker.stdout()).toContain(
        `gazette worker: preview build for ${preview}: links point there, not to https://${productionHost}/`,
      );
      expect(worker.stdout()).toContain('mail goes to var/outbox/ (not SMTP_URL) and the digest schedule is off');
      expect(await linksTo(path.join(site, 'public'), productionHost)).toEqual([]);

      const outbox = path.join(site, 'var/outbox');
      const mails = async () =>
        Promise.all(
          (await filesUnder(outbox))
            .filter((f) => f.endsWith('.eml'))
            .map(async (f) => simpleParser(await readFile(f))),
        );
      const subscribed = await fetch(new URL('subscribe', preview), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=new-reader%40example.org',
      });
      expect(subscribed.status).toBeLessThan(400);
      const [confirmation] = await eventually(mails, (m) => m.length === 1);
      const text = `${confirmation!.text ?? ''}\n${String(confirmation!.html || '')}`;
      expect(text).not.toMatch(new RegExp(`//${productionHost.replace(/\./g, '\\.')}`));
      const link = new RegExp(`${preview.replace(/[./]/g, '\\$&')}confirm\\?token=[\\w.~-]+`).exec(text)?.[0];
      expect(link, text).toBeDefined();
      // the link works on the preview server
      const page = await fetch(link!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('new-reader@example.org');

      // A digest the worker sends (here: into the outbox) links to the preview too: items, archive, unsubscribe.
      const trigger = await fetch(new URL('admin/api/digest/trigger', preview), {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(trigger.status).toBe(202);
      const all = await eventually(mails, (m) => m.length === 2, 30_000);
      const digest = all.find((m) => m.subject !== confirmation!.subject)!;
      expect(digest.to).toMatchObject({ text: 'reader@example.org' });
      const unsubscribe = digest.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '(none)';
      const body = `${digest.text ?? ''}\n${String(digest.html || '')}\n${unsubscribe}`;
      expect(body).not.toMatch(new RegExp(`//${productionHost.replace(/\./g, '\\.')}`));
      expect(body).toContain(`${preview}unsubscribe?token=`);
      expect(unsubscribe).toContain(`${preview}unsubscribe?token=`);
      expect(body).toContain(`${preview}archive/`);
      expect(body).toContain(`${preview}news/`);
      // nothing went through the mail server, and the preview never held the real worker's scheduler lease
      expect(smtp.messages).toEqual([]);
      const store = await openStore({ databaseUrl: undefined, varDir: path.join(site, 'var') });
      try {
        expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
      } finally {
        await store.close();
      }
      expect(await worker.stop('SIGTERM')).toBe(0);
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });
});
