// With feeds.websub_hub set, every subscription feed (the site's and each tag's, in each format) names the hub
// next to its own URL; archive pages, and every feed without the key, do not.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/index.ts';
import type { Config } from '../../src/config/schema.ts';
import { isSubscriptionFeed, publishedUrl, renderFeeds } from '../../src/feed/index.ts';
import type { OutputFile } from '../../src/output.ts';
import { feedTestConfig, manyItems, REPO_ROOT } from '../helpers/feed-items.ts';
import { readAtomWithFeedsmith, readRssWithFeedsmith } from '../helpers/feed-parse.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const HUB = 'https://hub.example.org/websub?x=1&y=2';

function hubsOf(file: OutputFile): string[] {
  const text = String(file.body);
  if (file.path.endsWith('.json')) {
    const hubs = (JSON.parse(text) as { hubs?: { type: string; url: string }[] }).hubs ?? [];
    return hubs.map((h) => `${h.type} ${h.url}`);
  }
  return [...text.matchAll(/<(?:atom:)?link\b[^>]*\brel="hub"[^>]*>/g)].map((m) => m[0]);
}

function selfOf(file: OutputFile): string | undefined {
  const text = String(file.body);
  if (file.path.endsWith('.json')) return (JSON.parse(text) as { feed_url?: string }).feed_url;
  const link = /<(?:atom:)?link\b[^>]*\brel="self"[^>]*>/.exec(text)?.[0] ?? '';
  return /href="([^"]*)"/.exec(link)?.[1]?.replaceAll('&amp;', '&');
}

describe('feeds with feeds.websub_hub', () => {
  let config: Config;
  let files: OutputFile[];
  beforeAll(async () => {
    config = await feedTestConfig({ websubHub: HUB });
    files = renderFeeds(await loadContent(path.join(REPO_ROOT, 'content'), config, NOW), config);
  });

  it('name the hub and their own URL in every subscription feed, the tags’ included', () => {
    const feeds = files.filter((f) => isSubscriptionFeed(f.path));
    const tagFeeds = feeds.filter((f) => f.path.startsWith('tags/'));
    expect(feeds.map((f) => f.path)).toEqual(expect.arrayContaining(['feed.xml', 'atom.xml', 'feed.json']));
    expect(tagFeeds.length).toBeGreaterThanOrEqual(3);
    for (const file of feeds) {
      const expected = file.path.endsWith('feed.xml')
        ? `<atom:link href="https://hub.example.org/websub?x=1&amp;y=2" rel="hub"/>`
        : file.path.endsWith('atom.xml')
          ? `<link rel="hub" href="https://hub.example.org/websub?x=1&amp;y=2"/>`
          : `WebSub ${HUB}`;
      expect(hubsOf(file), file.path).toEqual([expected]);
      expect(selfOf(file), file.path).toBe(publishedUrl(config.site.url, file.path));
    }
  });

  it('are read with the hub and the self link by an independent parser (feedsmith)', () => {
    const body = (name: string): string => String(files.find((f) => f.path === name)!.body);
    for (const read of [readRssWithFeedsmith(body('feed.xml')), readAtomWithFeedsmith(body('atom.xml'))]) {
      expect(read.links.hub).toBe(HUB);
      expect(read.links.self).toMatch(/^https:\/\/caricc\.org\/(feed|atom)\.xml$/);
    }
  });

  it('leave archive pages without the hub, and every feed without it when the key is unset', async () => {
    const items = manyItems(300);
    const archives = renderFeeds(items, config).filter((f) => f.path.startsWith('feeds/'));
    expect(archives.length).toBeGreaterThan(0);
    for (const file of archives) expect(hubsOf(file), file.path).toEqual([]);
    const plain = renderFeeds(items, await feedTestConfig());
    for (const file of plain) expect(hubsOf(file), file.path).toEqual([]);
  });
});
