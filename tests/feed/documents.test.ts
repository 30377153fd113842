// What each document says about the site and its items: ids, guids, links, enclosures, dates, stylesheet.
import { describe, expect, it } from 'vitest';
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { renderFeeds } from '../../src/feed/index.ts';
import { feedXsl } from '../../src/feed/xsl.ts';
import { readCatalogs } from '../../src/i18n/catalog.ts';
import { feedTestConfig, hostileItems, makeNewsItem } from '../helpers/feed-items.ts';
import {
  atomSchemaErrors,
  jsonFeedSchemaErrors,
  rssProfileViolations,
  xmllintErrors,
} from '../helpers/feed-validate.ts';

async function render(items = hostileItems()) {
  const config = await feedTestConfig();
  const files = renderFeeds(items, config);
  const get = (name: string): string => String(files.find((f) => f.path === name)!.body);
  return { config, files, rss: get('feed.xml'), atom: get('atom.xml'), json: get('feed.json') };
}

describe('feed documents', () => {
  it('name items by tag: URIs that survive a change of slug and title; RSS guids are not permalinks', async () => {
    const before = await render([makeNewsItem({ id: '2021/meeting', slug: 'meeting', title: 'Meeting' })]);
    const after = await render([
      makeNewsItem({
        id: '2021/meeting',
        slug: 'meeting-renamed',
        title: 'Renamed',
        url: 'https://caricc.org/news/meeting-renamed/',
      }),
    ]);
    for (const { rss, atom, json } of [before, after]) {
      expect(rss).toContain('<guid isPermaLink="false">tag:caricc.org,2009:2021/meeting</guid>');
      expect(parseAtomFeed(atom).entries?.[0]?.id).toBe('tag:caricc.org,2009:2021/meeting');
      expect(parseJsonFeed(json).items?.[0]?.id).toBe('tag:caricc.org,2009:2021/meeting');
    }
    expect(parseAtomFeed(before.atom).id).toBe('tag:caricc.org,2009:feed');
  });

  it('link items whose canonical page is elsewhere to that page, with external_url in JSON Feed', async () => {
    const { rss, atom, json } = await render();
    const elsewhere = 'https://www.unodc.org/centralasia/en/news/a?x=1&y=2';
    expect(parseRssFeed(rss).items?.find((i) => i.title === 'Canonical elsewhere')?.link).toBe(elsewhere);
    expect(parseAtomFeed(atom).entries?.find((e) => e.title?.value === 'Canonical elsewhere')?.links?.[0]?.href).toBe(
      elsewhere,
    );
    const item = parseJsonFeed(json).items?.find((i) => i.title === 'Canonical elsewhere');
    expect(item?.url).toBe(elsewhere);
    expect(item?.external_url).toBe(elsewhere);
    expect(parseJsonFeed(json).items?.filter((i) => i.external_url !== undefined)).toHaveLength(1);
  });

  it('carry images as enclosures with MIME type and length', async () => {
    const { rss, atom, json } = await render();
    const url = 'https://caricc.org/media/photo%20one.png?w=1&h=2';
    expect(parseRssFeed(rss).items?.find((i) => i.enclosures)?.enclosures).toEqual([
      { url, type: 'image/png', length: 20480 },
    ]);
    expect(
      parseAtomFeed(atom)
        .entries?.flatMap((e) => e.links ?? [])
        .filter((l) => l.rel === 'enclosure'),
    ).toEqual([{ href: url, rel: 'enclosure', type: 'image/png', length: 20480 }]);
    const item = parseJsonFeed(json).items?.find((i) => i.image !== undefined);
    expect(item?.image).toBe(url);
    expect(item?.attachments).toEqual([
      { url, mime_type: 'image/png', title: 'A "photo" & more', size_in_bytes: 20480 },
    ]);
  });

  it('give an enclosure length of 0 when the image size is unknown, as the RSS profile advises', async () => {
    const { rss, atom } = await render([
      makeNewsItem({ id: 'a', image: { url: 'https://caricc.org/a.webp', alt: '', type: 'image/webp' } }),
    ]);
    expect(rss).toContain('<enclosure length="0" type="image/webp" url="https://caricc.org/a.webp"/>');
    expect(atom).toContain('<link rel="enclosure" type="image/webp" href="https://caricc.org/a.webp"/>');
  });

  it('date the feed from its items: newest updated and newest published, RFC 822 in RSS', async () => {
    const { rss, atom } = await render();
    expect(rss).toContain('<lastBuildDate>Tue, 15 Mar 2022 09:30:50 GMT</lastBuildDate>');
    expect(rss).toContain('<pubDate>Tue, 15 Mar 2022 09:30:40 GMT</pubDate>');
    expect(parseAtomFeed(atom).updated).toBe('2022-03-15T09:30:50Z');
  });

  it('carry site metadata: language, authors, self and alternate links', async () => {
    const { rss, atom, json } = await render();
    const r = parseRssFeed(rss);
    expect(r.language).toBe('en');
    expect(r.atom?.links).toEqual([{ href: 'https://caricc.org/feed.xml', rel: 'self', type: 'application/rss+xml' }]);
    const a = parseAtomFeed(atom);
    expect(a.links?.map((l) => [l.rel, l.href])).toEqual([
      ['self', 'https://caricc.org/atom.xml'],
      ['alternate', 'https://caricc.org/'],
    ]);
    expect(a.authors?.[0]).toEqual({ name: 'CARICC Press Office', email: 'press@caricc.org' });
    expect(
      a.entries?.every((e) => (e.authors?.length ?? 0) > 0 && e.published !== undefined && e.summary !== undefined),
    ).toBe(true);
    const j = JSON.parse(json) as Record<string, unknown>;
    expect([j.language, j.home_page_url, j.feed_url]).toEqual([
      'en',
      'https://caricc.org/',
      'https://caricc.org/feed.json',
    ]);
  });

  it('point browsers at feed.xsl, a well-formed stylesheet that tells readers this is a feed', async () => {
    const { files, rss, atom } = await render();
    expect(
      rss.startsWith('<?xml version="1.0" encoding="utf-8"?><?xml-stylesheet href="/feed.xsl" type="text/xsl"?>'),
    ).toBe(true);
    expect(atom).toContain('<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>');
    const FEED_XSL = feedXsl(readCatalogs(await feedTestConfig()).messages('en'));
    expect(files.find((f) => f.path === 'feed.xsl')?.body).toBe(FEED_XSL);
    expect(xmllintErrors([{ name: 'feed.xsl', text: FEED_XSL }])).toEqual([]);
    expect(FEED_XSL).toContain('This is a web feed.');
  });

  it('stay valid for a site with no items yet, dated from the year the site was established', async () => {
    const { files, rss, atom, json } = await render([]);
    expect(files.map((f) => f.path)).toEqual([
      'feed.xsl',
      'feed.xml',
      'feed.xml.html',
      'atom.xml',
      'atom.xml.html',
      'feed.json',
    ]);
    expect(rss).toContain('<lastBuildDate>Thu, 01 Jan 2009 00:00:00 GMT</lastBuildDate>');
    expect(rssProfileViolations(rss, 'https://caricc.org/feed.xml')).toEqual([]);
    expect(atomSchemaErrors([{ name: 'atom.xml', text: atom }])).toEqual([]);
    expect(jsonFeedSchemaErrors(json)).toEqual([]);
  });
});
