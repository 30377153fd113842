// A person who opens a feed's URL in a browser reads a page; a feed reader asking the same URL gets the feed's bytes.
// `gazette build` and `gazette serve` as a user runs them, Debian's chromium navigating to the URLs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.ts';
import { feedPagePath, renderFeeds } from '../../src/feed/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { feedTestConfig, hostileItems } from '../helpers/feed-items.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { childEnv } from '../helpers/worker-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(repo, 'bin', 'gazette.js');
const ARTIFACTS = fileURLToPath(new URL('../artifacts/feed/', import.meta.url));

/** Accept headers feed readers send (as their sources have them), and curl's. */
const READERS: Record<string, Record<string, string>> = {
  'FreshRSS (SimplePie)': {
    accept:
      'application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, ' +
      'text/xml;q=0.8, text/html;q=0.7, unknown/unknown;q=0.1, application/unknown;q=0.1, */*;q=0.1',
  },
  NetNewsWire: {
    accept: 'application/rss+xml, application/atom+xml, application/feed+json, text/xml, application/xml, */*;q=0.9',
  },
  'a reader naming text/html beside the feed types': { accept: 'text/html, application/rss+xml, application/atom+xml' },
  curl: { accept: '*/*' },
  'no Accept at all': {},
  'a browser script (fetch)': { accept: '*/*', 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
};

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { cwd, env: childEnv() });
}

describe('a feed opened in a browser, from gazette serve', () => {
  let dir: string;
  let server: ChildProcess;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-feed-page-'));
    await mkdir(ARTIFACTS, { recursive: true });
    const config = ['--config', path.join(repo, 'gazette.yaml')];
    const built = await run(
      ['build', ...config, '--content', path.join(repo, 'content'), '--out', path.join(dir, 'public')],
      dir,
    );
    expect(built.code, built.stderr).toBe(0);
    server = spawn(
      process.execPath,
      [cli, 'serve', ...config, '--public', path.join(dir, 'public'), '--host', '127.0.0.1', '--port', '0'],
      { cwd: dir, env: childEnv() },
    );
    base = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
        const match = /at (http:\/\/\S+\/)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      server.once('exit', (code) => reject(new Error(`gazette serve exited with ${code}:\n${output}`)));
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['feed.xml', 'rss'],
    ['atom.xml', 'atom'],
    ['tags/unodc/feed.xml', 'rss-tag'],
  ])('shows %s as a page: what a feed is, the address to subscribe to, the items as links', async (file, name) => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${base}${file}`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
      expect(response?.headers().vary).toContain('Accept');
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees, as the page lays it out
      const text = await page.evaluate(() => document.body.innerText);
      expect(text).toContain('This is a web feed');
      expect(text).toContain(`https://caricc.org/${file}`);
      expect(text).not.toContain('<?xml');
      // every item of the feed is a link, with its title, to its page
      const feed = await readFile(path.join(dir, 'public', file), 'utf8');
      const titles = [...feed.matchAll(/<item>\s*<title>(?:<!\[CDATA\[)?([^<\]]+)/g)].map((m) => m[1]!.trim());
      const entryTitles = [...feed.matchAll(/<entry>[\s\S]*?<title[^>]*>([^<]+)</g)].map((m) => m[1]!.trim());
      const expected = [...titles, ...entryTitles].map((t) =>
        t
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"'),
      );
      expect(expected.length).toBeGreaterThan(0);
      const links = await page.$$eval('article h2 a', (as) =>
        as.map((a) => ({ text: a.textContent ?? '', href: (a as HTMLAnchorElement).href })),
      );
      expect(links.map((l) => l.text)).toEqual(expected);
      for (const link of links) expect(link.href).toMatch(/^https:\/\//);
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}-page-${width}.png`), fullPage: true });
      }
    } finally {
      await page.close();
    }
  });

  it.each(Object.keys(READERS))('gives %s the feed itself, byte for byte', async (reader) => {
    for (const file of ['feed.xml', 'atom.xml', 'tags/unodc/atom.xml']) {
      const res = await fetch(`${base}${file}`, { headers: READERS[reader]! });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/(rss|atom)\+xml; charset=utf-8$/);
      expect(res.headers.get('vary')).toContain('Accept');
      expect(await res.text()).toBe(await readFile(path.join(dir, 'public', file), 'utf8'));
    }
  });

  it('answers a conditional request for either form with its own ETag', async () => {
    const browserHeaders = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const asPage = await fetch(`${base}feed.xml`, { headers: browserHeaders });
    const asFeed = await fetch(`${base}feed.xml`, { headers: { accept: 'application/rss+xml' } });
    expect(asPage.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const pageTag = asPage.headers.get('etag')!;
    const feedTag = asFeed.headers.get('etag')!;
    expect(pageTag).not.toBe(feedTag);
    const again = await fetch(`${base}feed.xml`, { headers: { ...browserHeaders, 'if-none-match': pageTag } });
    expect(again.status).toBe(304);
    // a reader that saved the page's tag (it never would) gets the feed, not a 304 for the wrong form
    const reader = await fetch(`${base}feed.xml`, { headers: { accept: '*/*', 'if-none-match': pageTag } });
    expect(reader.status).toBe(200);
  });
});

describe('the feed page of hostile items', () => {
  it('is valid HTML that shows every title as text, markup-like ones included', async () => {
    const files = renderFeeds(hostileItems(), await feedTestConfig());
    const page = files.find((f) => f.path === feedPagePath('feed.xml'));
    expect(page).toBeDefined();
    const html = String(page!.body);
    expect(await validateHtml(html, 'feed.xml.html')).toEqual([]);
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage({ javaScriptEnabled: false });
      await tab.setContent(html);
      const titles = await tab.$$eval('article h2 a', (as) => as.map((a) => a.textContent));
      expect(titles).toContain(`Fish & Chips <b>bold</b> "quoted" 'single' &amp; literal`);
      expect(titles).toContain('Тоҷикистон: ҳамкорӣ ӯ ғ қ — Oʻzbekiston gʻalaba — Казахстан 🚀🇰🇿');
      expect(await tab.$$eval('b, script', (els) => els.length)).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
