// The digest as a reader sees it: chromium at phone and desktop widths, screenshots in tests/artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDigest, personalize } from '../../src/newsletter/index.ts';
import { launchChromium, renderHtml } from '../helpers/chromium.ts';
import { HOSTILE_ALT, HOSTILE_SUMMARY, HOSTILE_TITLE, HOSTILE_TITLE_LINE } from './hostile.ts';
import { NOW, ROOT, newsItem, sampleConfig, sampleDigest, templates } from './factory.ts';

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

describe('the digest in chromium', () => {
  for (const width of [375, 600]) {
    it(`has no horizontal scrolling at ${width} px`, async () => {
      const config = sampleConfig();
      const html = personalize(await sampleDigest(config), reader, config).html!;
      const page = await renderHtml(browser, html, width);
      writeFileSync(path.join(ARTIFACTS, `digest-${width}.png`), page.screenshot);
      expect(page.scrollWidth).toBeLessThanOrEqual(width);
    });
  }

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
        titles: Array.from(document.querySelectorAll('.item-title a')).map((a) => a.textContent),
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
