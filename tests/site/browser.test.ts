// The rendered site in a real browser (Debian's chromium): no horizontal scrolling on a phone or a
// desktop, the subscribe form visible, the stylesheet applied. Screenshots go to tests/artifacts/.
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
import { newsItem } from './factory.ts';

const root = path.resolve(import.meta.dirname, '../..');
const artifacts = path.join(root, 'tests/artifacts');
const NOW = new Date('2026-01-01T00:00:00Z');

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;
let longSlug: string;

/** Serves the rendered folder the way a static host does: `/x/` answers with `/x/index.html`. */
function serve(folder: string): Promise<Server> {
  const srv = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(folder, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(folder)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) =>
        res
          .writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/html; charset=utf-8' })
          .end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

beforeAll(async () => {
  const config = await loadConfig(path.join(root, 'gazette.yaml'));
  const items = await loadContent(path.join(root, 'content'), config, NOW);
  // A headline with one very long word and content with a wide table and a long URL: the usual causes of
  // sideways scrolling.
  longSlug = 'long-words';
  const longItem = newsItem({
    slug: longSlug,
    title: 'Антинаркотическое сотрудничество: Oʻzbekiston–Тоҷикистон–Қазақстан межведомственныйкоординационныйсовет 🚔',
    summary:
      'A summary with https://www.unodc.org/unodc/en/frontpage/2021/October/a-very-long-address-without-any-break-points.html in it.',
    contentHtml:
      '<p>See https://www.unodc.org/unodc/en/frontpage/2021/October/a-very-long-address-without-any-break-points-at-all.html for details.</p>' +
      '<table><thead><tr><th>Country</th><th>Heroin, kg</th><th>Opium, kg</th><th>Hashish, kg</th>' +
      '<th>Cannabis, kg</th><th>Synthetic drugs, tablets</th></tr></thead>' +
      '<tbody><tr><td>Kazakhstan</td><td>123.4</td><td>56.7</td><td>8901.2</td><td>34567.8</td>' +
      '<td>1234567</td></tr></tbody></table>' +
      '<pre>2021-10-01 12:00:00 UTC ' +
      'operation-report-line-that-is-much-longer-than-a-phone-screen-is-wide-and-does-not-wrap</pre>',
    tags: ['Межведомственноесотрудничество', 'Oʻzbekiston'],
    published: new Date('2021-10-05T06:00:00Z'),
    url: `${config.site.url}news/${longSlug}/`,
  });
  const files = renderSite([longItem, ...items], config, await loadSiteTemplates(path.join(root, 'templates')));
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-site-'));
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
    await writeFile(path.join(dir, file.path), file.body);
  }
  await mkdir(artifacts, { recursive: true });
  server = await serve(dir);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each([375, 1280])('site at %i px wide', (width) => {
  async function open(pagePath: string, shot: string) {
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    // Only the local server answers: remote images must not make the layout depend on the network.
    await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
    await page.goto(`${origin}/${pagePath}`, { waitUntil: 'load' });
    const scrollWidth = await page.evaluate(() => document.scrollingElement!.scrollWidth);
    const innerWidth = await page.evaluate(() => window.innerWidth);
    const stylesheetApplied = await page.evaluate(
      () => getComputedStyle(document.querySelector('.site-header')!).borderBottomStyle === 'solid',
    );
    const input = page.locator('form[action="/subscribe"] input[type="email"]');
    const button = page.locator('form[action="/subscribe"] button[type="submit"]');
    await input.scrollIntoViewIfNeeded();
    const visible = (await input.isVisible()) && (await button.isVisible());
    const inputBox = await input.boundingBox();
    await page.screenshot({ path: path.join(artifacts, `site-${shot}-${width}.png`), fullPage: true });
    await context.close();
    return { scrollWidth, innerWidth, stylesheetApplied, visible, inputBox };
  }

  it('shows the home page without horizontal scrolling, with the subscribe form', async () => {
    const r = await open('', 'index');
    expect(r.stylesheetApplied).toBe(true);
    expect(r.innerWidth).toBe(width);
    expect(r.scrollWidth).toBeLessThanOrEqual(width);
    expect(r.visible).toBe(true);
    // The email field is wide enough to type an address into, even on a phone.
    expect(r.inputBox!.width).toBeGreaterThanOrEqual(180);
    expect(r.inputBox!.x + r.inputBox!.width).toBeLessThanOrEqual(width);
  });

  it(
    'shows an item page with long words, a wide table and preformatted text ' + 'without horizontal scrolling',
    async () => {
      const r = await open(`news/${longSlug}/`, 'item');
      expect(r.stylesheetApplied).toBe(true);
      expect(r.scrollWidth).toBeLessThanOrEqual(width);
      expect(r.visible).toBe(true);
    },
  );

  it('shows a sample item page without horizontal scrolling', async () => {
    const r = await open('news/caricc-director-meets-kazakhstan-interior-minister/', 'sample-item');
    expect(r.scrollWidth).toBeLessThanOrEqual(width);
    expect(r.visible).toBe(true);
  });
});
