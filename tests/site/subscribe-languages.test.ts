// The subscribe form of a site in two languages with topics, in Chromium: what it posts to /subscribe is the
// address, the page's language and each checked topic as a repeated `topics` field; none checked is everything.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent } from '../../src/content/load.ts';
import { loadSiteTemplates, renderSite } from '../../src/site/index.ts';
import { launchChromium } from '../helpers/chromium.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(root, 'tests/fixtures/newsroom-i18n');

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;
const posted: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-subscribe-languages-'));
  const loaded = await loadConfig(path.join(fixture, 'gazette.yaml'));
  const items = await loadContent(path.join(fixture, 'content'), loaded, new Date('2030-01-01T00:00:00Z'));
  for (const file of renderSite(items, loaded, await loadSiteTemplates(path.join(root, 'templates')))) {
    await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
    await writeFile(path.join(dir, file.path), file.body);
  }
  server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method === 'POST' && pathname === '/subscribe') {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        posted.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
      return;
    }
    const file = path.join(dir, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function subscribe(pagePath: string, topics: string[]): Promise<URLSearchParams> {
  const page = await browser.newPage();
  try {
    // the form's action is root-relative, so it posts to this server
    await page.goto(origin + pagePath);
    await page.fill('#subscribe-email', 'reader@example.org');
    for (const topic of topics) await page.getByLabel(topic, { exact: true }).check();
    const before = posted.length;
    await Promise.all([page.waitForURL(`${origin}/subscribe`), page.click('.subscribe-form button[type=submit]')]);
    expect(posted.length).toBe(before + 1);
    return new URLSearchParams(posted.at(-1));
  } finally {
    await page.close();
  }
}

describe('the subscribe form of a site in two languages', { timeout: 60_000 }, () => {
  it('posts the Russian page’s language and the topics checked, by their ids', async () => {
    const form = await subscribe('/ru/', ['Казахстан', 'Обучение']);
    expect([...form.entries()]).toEqual([
      ['email', 'reader@example.org'],
      ['language', 'ru'],
      ['topics', 'kazakhstan'],
      ['topics', 'training'],
    ]);
  });

  it('posts no topic for everything, the default, and the English page’s language', async () => {
    const form = await subscribe('/', []);
    expect([...form.entries()]).toEqual([
      ['email', 'reader@example.org'],
      ['language', 'en'],
    ]);
  });
});
