// Gmail clips a message whose HTML passes 102,400 bytes, and what it hides first is the footer: a big edition
// shows its first items in full, the rest as linked titles, then the edition's web page; the footer stays in.
import { describe, expect, it } from 'vitest';
import { composeDigest, escapeHtml, personalize, type Digest } from '../../src/newsletter/index.ts';
import { collapseWhitespace, GMAIL_CLIP_BYTES } from '../../src/newsletter/html-size.ts';
import { NOW, sampleConfig, seedItems, templates } from './factory.ts';

const config = sampleConfig();
// wide enough for every item seedItems makes, one an hour
const WINDOW = { start: new Date(NOW.getTime() - 60 * 86_400_000), end: NOW };
// a long name and address: the slots take their share of the budget too
const reader = {
  subscriberId: 7,
  email: `${'dilnoza.yusupova.'.repeat(8)}reader@pochta.example.uz`,
  name: 'Дилноза Юсупова-Рахимова «Читатель» & Co.'.repeat(2),
  unsubscribeUrl: `https://caricc.org/unsubscribe?token=${'A'.repeat(60)}`,
};

async function compose(count: number): Promise<Digest> {
  return composeDigest({
    items: seedItems(count),
    config,
    editionId: '40',
    window: WINDOW,
    now: NOW,
    templates: await templates(),
  });
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe("a digest too big for Gmail's clipping size", { timeout: 60_000 }, () => {
  it('keeps 40 items under 102,400 bytes: the first in full, the rest as linked titles, footer inside', async () => {
    const items = seedItems(40);
    const digest = await compose(40);
    const message = personalize(digest, reader, config);
    const html = message.html!;
    const size = bytes(html);
    console.info(`40-item digest: ${size} bytes of HTML`);
    expect(size).toBeLessThan(GMAIL_CLIP_BYTES);

    const full = [...html.matchAll(/<h2[^>]*><a href="([^"]+)"/g)].map((m) => m[1]);
    const titles = [...html.matchAll(/<li lang="[^"]+"[^>]*><a href="([^"]+)"[^>]*>([^<]*)<\/a><\/li>/g)];
    // some in full, the rest listed, none left out, in the edition's order
    expect(full.length).toBeGreaterThan(10);
    expect(titles.length).toBeGreaterThan(0);
    expect([...full, ...titles.map((m) => m[1])]).toEqual(items.map((i) => i.url));
    expect(titles.map((m) => m[2])).toEqual(items.slice(full.length).map((i) => escapeHtml(i.title)));
    expect(digest.itemIds).toHaveLength(40);

    // after the titles, the edition's web page; after that, the footer with the unsubscribe link and address
    const more = html.indexOf('More in this digest');
    const webPage = html.indexOf(`href="https://caricc.org/archive/${digest.slug}/"`, more);
    const unsubscribe = html.indexOf(`href="${reader.unsubscribeUrl}"`);
    const postal = html.indexOf(config.digest.postalAddress);
    expect(webPage).toBeGreaterThan(more);
    expect(unsubscribe).toBeGreaterThan(webPage);
    expect(postal).toBeGreaterThan(unsubscribe);
    expect(bytes(html.slice(0, postal + config.digest.postalAddress.length))).toBeLessThan(GMAIL_CLIP_BYTES);

    // the text part has every item, those that did not fit the HTML by title and link
    for (const item of items) expect(message.text).toContain(item.url);
    expect(message.text).toContain('More in this digest:');
  });

  it('lists as many titles as fit and counts the others when even titles alone are too many', async () => {
    const digest = await compose(1200);
    expect(digest.itemIds).toHaveLength(1200);
    const html = personalize(digest, reader, config).html!;
    expect(bytes(html)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(html.includes('<h2 style="margin:0;font-size:20px;line-height:1.3;font-weight:700"><a')).toBe(false);
    const listed = (html.match(/<li lang=/g) ?? []).length;
    expect(listed).toBeGreaterThan(100);
    expect(listed).toBeLessThan(1200);
    expect(html.includes(`${1200 - listed} more items are on the digest's web page.`)).toBe(true);
    expect(html.includes(`href="${reader.unsubscribeUrl}"`)).toBe(true);
    expect(html.includes(config.digest.postalAddress)).toBe(true);
  });

  it('sends a small edition in full, nothing listed apart', async () => {
    const html = personalize(await compose(4), reader, config).html!;
    expect((html.match(/<h2[^>]*><a href=/g) ?? []).length).toBe(4);
    expect(html.includes('More in this digest')).toBe(false);
  });
});

describe('collapseWhitespace', () => {
  it('turns indentation into one space and leaves <pre>, no-break spaces and text on one line alone', () => {
    const html =
      '<table>\n    <tr>\n      <td>a  b\u00a0\u00a0c</td>\n    </tr>\n  </table>\n<pre>  x\n    y\n</pre>\n';
    expect(collapseWhitespace(html)).toBe(
      '<table> <tr> <td>a  b\u00a0\u00a0c</td> </tr> </table> <pre>  x\n    y\n</pre> ',
    );
    expect(collapseWhitespace('<p>one\r\n\t two</p><textarea>\n k\n</textarea>')).toBe(
      '<p>one two</p><textarea>\n k\n</textarea>',
    );
  });
});
