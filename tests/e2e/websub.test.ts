// A running worker with feeds.websub_hub tells a real hub (an HTTP server in this process) about each feed document
// an edit changed, once each, and about none when a rebuild changed no feed.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/websub-hub.ts';
import { gazetteIn, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, itemFile } from '../worker/support.ts';

const GAZETTE_SECRET = 'gazette-secret-websub-4e8b2d6f0a1c3e5f';
const SITE = 'https://caricc.org/';
const day = 86_400_000;

/** The subscription documents of the site (folder '') or of a tag's folder, as the hub must see them. */
const feedsOf = (folder: string): string[] =>
  ['feed.xml', 'atom.xml', 'feed.json'].map((name) => new URL(`${folder}${name}`, SITE).href);

describe('gazette start with feeds.websub_hub', { timeout: 120_000 }, () => {
  let root: string;
  let hub: TestHub;
  let worker: WorkerProcess | undefined;
  const env = { PORT: '0', GAZETTE_SECRET };
  const seizure = (title: string): string =>
    itemFile(title, new Date(Date.now() - 2 * day), 'tags: [heroin, наркотики]\n');
  const training = itemFile('Analysts trained in Tashkent', new Date(Date.now() - day), 'tags: [training]\n');

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-websub-'));
    hub = await startTestHub();
    const config = (await configOffSchedule()).replace('  limit: 20', `  limit: 20\n  websub_hub: ${hub.url}`);
    expect(config).toContain('websub_hub');
    await writeFile(path.join(root, 'gazette.yaml'), config);
    await mkdir(path.join(root, 'content/news'), { recursive: true });
    await writeFile(path.join(root, 'content/news/seizure.md'), seizure('Heroin seized at the border'));
    await writeFile(path.join(root, 'content/news/training.md'), training);
    // Built once before the worker starts: its first build finds the same feeds served and tells the hub nothing.
    expect(gazetteIn(root, ['build'], env).status).toBe(0);
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    await hub.close();
    await rm(root, { recursive: true, force: true });
  });

  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('pings the hub once per changed feed document, and not at all when no feed changed', async () => {
    worker = startWorkerProcess({ cwd: root, env });
    await worker.url;
    await worker.waitForLog((r) => r.msg === 'site unchanged' && r.reason === 'start');
    await settle(500);
    expect(hub.pings).toEqual([]);

    // The item's title changes: the site's feeds and the feeds of its two tags, not the other tag's.
    await writeFile(path.join(root, 'content/news/seizure.md'), seizure('Heroin and opium seized at the border'));
    await worker.waitForLog((r) => r.msg === 'site built' && String(r.reason).includes('seizure.md'));
    const expected = [...feedsOf(''), ...feedsOf('tags/heroin/'), ...feedsOf('tags/наркотики/')].sort();
    expect(expected).toContain(
      'https://caricc.org/tags/%D0%BD%D0%B0%D1%80%D0%BA%D0%BE%D1%82%D0%B8%D0%BA%D0%B8/feed.xml',
    );
    await worker.waitForLog(() => hub.pings.length >= expected.length, 10_000);
    await settle(500);
    expect(hub.pings.map((p) => p.topic).sort()).toEqual(expected);
    expect(new Set(hub.pings.map((p) => p.mode))).toEqual(new Set(['publish']));
    expect(hub.pings[0]!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    // The URL each ping names is the one the feed gives as its own.
    const atom = await readFile(path.join(root, 'public/tags/heroin/atom.xml'), 'utf8');
    expect(atom).toContain(`<link rel="self" type="application/atom+xml" href="${SITE}tags/heroin/atom.xml"/>`);
    expect(atom).toContain(`<link rel="hub" href="${hub.url}"/>`);
    const notified = worker.logs().filter((r) => r.msg === 'WebSub hub notified');
    expect(notified).toHaveLength(expected.length);
    expect(notified[0]).toMatchObject({ level: 30, component: 'websub', hub: hub.url, status: 204 });

    // The same bytes written again: a rebuild that changes no feed tells the hub nothing.
    await writeFile(path.join(root, 'content/news/training.md'), training);
    await worker.waitForLog((r) => r.msg === 'site unchanged' && String(r.reason).includes('training.md'));
    await settle(1_000);
    expect(hub.pings).toHaveLength(expected.length);

    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
