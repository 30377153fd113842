// The digest as a reader sees it: chromium at phone and desktop widths, screenshots in tests/artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDigest, personalize } from '../../src/newsletter/index.ts';
import { launchChromium, renderHtml } from '../helpers/chromium.ts';
import { HOSTILE_ALT, HOSTILE_SUMMARY, HOSTILE_TITLE, HOSTILE_TITLE_LINE } from './hostile.ts';
import { NOW, ROOT, newsItem, sampleConfig, sampleDigest, seedItems, templates } from './factory.ts';

const ARTIFACTS = path.join(ROOT, 'tests/artifacts/newsletter');
const reader = {
  subscriberId: 1,
  email: 'reader@example.com',
  name: 'Dilnoza Yusupova',
  unsubscribeUrl: 'https://caricc.org/unsubscribe?token=tok-1',
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** What overflows the viewport horizontally, measured in the page: the scroll width and every box past the edge. */
async function overflow(page: Page): Promise<{ scrollWidth: number; viewport: number; outside: string[] }> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const outside = Array.from(document.querySelectorAll('body *'))
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && (box.right > viewport + 0.5 || box.left < -0.5);
      })
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)})`);
    return { scrollWidth: (document.scrollingElement ?? document.documentElement).scrollWidth, viewport, outside };
  });
}

describe('the digest in chromium', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [375, 600]) {
      it(`has nothing wider than the screen at ${width} px, ${scheme}, and shows the ${scheme} palette`, async () => {
        const config = sampleConfig();
        const html = personalize(await sampleDigest(config), reader, config).html!;
        const context = await browser.newContext({
          viewport: { width, height: 800 },
          deviceScaleFactor: 1,
          colorScheme: scheme,
        });
        try {
          const page = await context.newPage();
          await page.route('**/*', (route) =>
            route.request().url().startsWith('data:') ? route.continue() : route.abort(),
          );
          await page.setContent(html, { waitUntil: 'load' });
          writeFileSync(
            path.join(ARTIFACTS, `digest-${width}-${scheme}.png`),
            await page.screenshot({ fullPage: true }),
          );
          const measured = await overflow(page);
          expect(measured.viewport).toBe(width);
          expect(measured.scrollWidth).toBeLessThanOrEqual(width);
          expect(measured.outside).toEqual([]);
          const colours = await page.evaluate(() => ({
            page: getComputedStyle(document.body).backgroundColor,
            card: getComputedStyle(document.querySelector('.card')!).backgroundColor,
            text: getComputedStyle(document.querySelector('.item p')!).color,
            title: getComputedStyle(document.querySelector('h2 a')!).color,
          }));
          expect(colours).toEqual(
            scheme === 'dark'
              ? {
                  page: 'rgb(15, 20, 25)',
                  card: 'rgb(24, 32, 42)',
                  text: 'rgb(168, 179, 191)',
                  title: 'rgb(245, 247, 250)',
                }
              : {
                  page: 'rgb(242, 244, 247)',
                  card: 'rgb(255, 255, 255)',
                  text: 'rgb(82, 96, 109)',
                  title: 'rgb(16, 42, 67)',
                },
          );
        } finally {
          await context.close();
        }
      });
    }
  }

  it('gives every link a name, every item a heading and its language, and a decorative image no link', async () => {
    const config = sampleConfig();
    const items = seedItems(40);
    const digest = await composeDigest({
      items,
      config,
      editionId: '40',
      window: { start: new Date(NOW.getTime() - 7 * 86_400_000), end: NOW },
      now: NOW,
      templates: await templates(),
    });
    const html = personalize(digest, reader, config).html!;
    const context = await browser.newContext({ viewport: { width: 600, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      writeFileSync(path.join(ARTIFACTS, 'digest-40-items-600-dark.png'), await page.screenshot({ fullPage: true }));
      const found = await page.evaluate(() => {
        const name = (a: Element): string =>
          (a.getAttribute('aria-label') ?? (a.textContent ?? '').trim() ?? '').trim() ||
          Array.from(a.querySelectorAll('img'))
            .map((img) => img.getAttribute('alt') ?? '')
            .join('')
            .trim();
        const links = Array.from(document.querySelectorAll('a'));
        return {
          unnamed: links.filter((a) => name(a) === '').map((a) => a.outerHTML.slice(0, 120)),
          readMore: links
            .filter((a) => a.textContent === 'Read the full story')
            .map((a) => a.getAttribute('aria-label')),
          headings: Array.from(document.querySelectorAll('.item h2')).map((h) => ({
            text: h.textContent,
            lang: h.closest('[lang]')?.getAttribute('lang'),
          })),
          listed: Array.from(document.querySelectorAll('li[lang]')).map((li) => li.getAttribute('lang')),
          images: Array.from(document.querySelectorAll('img')).map((img) => ({
            alt: img.getAttribute('alt'),
            linked: img.closest('a') !== null,
          })),
          colorScheme: document.querySelector('meta[name="color-scheme"]')?.getAttribute('content'),
          preheader: (document.querySelector('[role="article"] > div') as HTMLElement | null)?.textContent,
          preheaderShown: (document.querySelector('[role="article"] > div') as HTMLElement | null)?.offsetHeight,
        };
      });
      expect(found.unnamed).toEqual([]);
      const full = found.readMore.length;
      expect(full).toBeGreaterThan(10);
      // a screen reader's list of links tells the stories apart
      expect(new Set(found.readMore).size).toBe(full);
      expect(found.readMore).toEqual(items.slice(0, full).map((i) => `Read the full story: ${i.title}`));
      // one heading per item in full, then the list's own, each in the item's language
      expect(found.headings.map((h) => h.text)).toEqual([
        ...items.slice(0, full).map((i) => i.title),
        'More in this digest',
      ]);
      expect(found.headings.slice(0, full).map((h) => h.lang)).toEqual(items.slice(0, full).map((i) => i.lang ?? 'en'));
      expect(found.listed).toEqual(items.slice(full).map((i) => i.lang ?? 'en'));
      // an image with alternative text links to its story; one without is decorative and links nowhere
      const withImages = items.slice(0, full).filter((i) => i.image);
      expect(found.images).toEqual(withImages.map((i) => ({ alt: i.image!.alt, linked: i.image!.alt !== '' })));
      expect(found.images.some((img) => img.alt === '')).toBe(true);
      expect(found.colorScheme).toBe('light dark');
      expect(found.preheader).toBe("This week's news from the Centre and its partners.");
      expect(found.preheaderShown).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('keeps a long unbroken title, a wide image and hostile text inside a 375 px screen', async () => {
    const config = sampleConfig();
    const items = [
      newsItem({
        title: HOSTILE_TITLE,
        summary: HOSTILE_SUMMARY,
        published: new Date('2021-10-01T00:00:00Z'),
        // A 1200 px wide image, inline so the test does not touch the network.
        image: { url: 'https://caricc.org/images/wide.png', alt: HOSTILE_ALT, type: 'image/png' },
      }),
      newsItem({
        title: 'Антинаркотикалық_операция_«Канал»_Тоҷикистон_Oʻzbekiston_Қазақстан_Кыргызстан_2021',
        published: new Date('2021-09-30T00:00:00Z'),
      }),
    ];
    const digest = await composeDigest({
      items,
      config,
      editionId: 'hostile',
      window: { start: new Date('2021-09-27T00:00:00Z'), end: NOW },
      now: NOW,
      templates: await templates(),
    });
    const html = personalize(digest, reader, config).html!.replace('https://caricc.org/images/wide.png', WIDE_PNG);
    const page = await renderHtml(browser, html, 375);
    writeFileSync(path.join(ARTIFACTS, 'digest-hostile-375.png'), page.screenshot);
    expect(page.scrollWidth).toBeLessThanOrEqual(375);

    const context = await browser.newContext();
    try {
      const p = await context.newPage();
      await p.setContent(html);
      const found = await p.evaluate(() => ({
        scripts: document.querySelectorAll('script').length,
        handlers: Array.from(document.querySelectorAll('*')).filter((el) =>
          Array.from(el.attributes).some((a) => a.name.startsWith('on')),
        ).length,
        titles: Array.from(document.querySelectorAll('h2 a')).map((a) => a.textContent),
        alts: Array.from(document.querySelectorAll('img')).map((img) => img.getAttribute('alt')),
      }));
      expect(found.scripts).toBe(0);
      expect(found.handlers).toBe(0);
      expect(found.titles[0]).toBe(HOSTILE_TITLE_LINE);
      expect(found.alts).toEqual([HOSTILE_ALT]);
    } finally {
      await context.close();
    }
  });
});

// 1200×300 PNG, solid colour: wider than any phone, so only a fluid image keeps the page from scrolling.
const WIDE_PNG = (() => {
  const w = 1200;
  const h = 300;
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(2, 9);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x5a)]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
})();
