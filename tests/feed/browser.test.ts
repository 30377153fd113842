// A browser that opens feed.xml or atom.xml shows a readable page through feed.xsl, not raw XML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { renderFeeds } from '../../src/feed/index.ts';
import type { OutputFile } from '../../src/output.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { feedTestConfig, hostileItems } from '../helpers/feed-items.ts';

const ORIGIN = 'http://feeds.test';

describe('feed.xsl in chromium', () => {
  let browser: Browser;
  let files: OutputFile[];
  beforeAll(async () => {
    browser = await launchChromium();
    files = renderFeeds(hostileItems(), await feedTestConfig());
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string): Promise<{ text: string; links: string[] }> {
    const page = await browser.newPage();
    try {
      // Served as XML, the way a static host serves .xml and .xsl; nothing leaves the test.
      await page.route('**/*', async (route) => {
        const url = new URL(route.request().url());
        const file =
          url.origin === ORIGIN ? files.find((f) => `/${f.path}` === decodeURIComponent(url.pathname)) : undefined;
        if (file === undefined) return route.abort();
        return route.fulfill({ status: 200, contentType: 'application/xml; charset=utf-8', body: String(file.body) });
      });
      await page.goto(`${ORIGIN}/${path}`, { waitUntil: 'load' });
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees, as the page lays it out
      const text = await page.evaluate(() => document.body?.innerText ?? '');
      const links = await page.evaluate(() => Array.from(document.querySelectorAll('a'), (a) => a.href));
      return { text, links };
    } finally {
      await page.close();
    }
  }

  it.each(['feed.xml', 'atom.xml'])('renders %s as a page with the subscribe note and every item', async (path) => {
    const { text, links } = await open(path);
    expect(text).toContain('This is a web feed.');
    expect(text).toContain(`https://caricc.org/${path}`);
    expect(text).toContain('CARICC News');
    expect(text).toContain(`Fish & Chips <b>bold</b> "quoted" 'single' &amp; literal`);
    expect(text).toContain('Тоҷикистон: ҳамкорӣ ӯ ғ қ — Oʻzbekiston gʻalaba — Казахстан 🚀🇰🇿');
    expect(text).toContain('A & B < C > D "E"');
    expect(links).toContain('https://www.unodc.org/centralasia/en/news/a?x=1&y=2');
  });
});
