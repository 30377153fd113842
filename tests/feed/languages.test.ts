// Feeds of a site in several languages: which documents readers subscribe to (what WebSub is told about), and
// each language's feeds naming the hub.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent } from '../../src/content/index.ts';
import { isSubscriptionFeed, renderFeeds } from '../../src/feed/index.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/newsroom-i18n');

describe('the feeds of a site in two languages', () => {
  it('count each language’s site and tag feeds as subscription feeds, not their archive pages', () => {
    for (const p of ['feed.xml', 'atom.xml', 'feed.json', 'ru/feed.xml', 'ru/atom.xml', 'ru/feed.json'])
      expect(isSubscriptionFeed(p), p).toBe(true);
    for (const p of ['tags/kazakhstan/feed.xml', 'ru/tags/kazakhstan/atom.xml', 'ru-kz/tags/kazakhstan/feed.json'])
      expect(isSubscriptionFeed(p), p).toBe(true);
    for (const p of ['feeds/rss-1.xml', 'ru/feeds/rss-1.xml', 'ru/feed.xml.html', 'news/feed.xml', 'ru/ru/feed.xml'])
      expect(isSubscriptionFeed(p), p).toBe(false);
  });

  it('name the WebSub hub in every language’s subscription feeds', async () => {
    const config = await loadConfig(path.join(fixture, 'gazette.yaml'));
    const withHub = { ...config, feeds: { ...config.feeds, websubHub: 'https://hub.example/' } };
    const items = await loadContent(path.join(fixture, 'content'), config, new Date('2030-01-01T00:00:00Z'));
    const files = renderFeeds(items, withHub);
    const subscription = files.filter((f) => isSubscriptionFeed(f.path)).map((f) => f.path);
    expect(subscription).toEqual(expect.arrayContaining(['ru/feed.xml', 'ru/atom.xml', 'ru/tags/training/feed.json']));
    for (const f of files.filter((f) => isSubscriptionFeed(f.path)))
      expect(String(f.body), f.path).toContain('https://hub.example/');
    const ruJson = JSON.parse(String(files.find((f) => f.path === 'ru/feed.json')!.body)) as { hubs: unknown };
    expect(ruJson.hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example/' }]);
  });
});
