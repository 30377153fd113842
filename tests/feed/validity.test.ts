// Every emitted document is well-formed and valid: Atom against RFC 4287's schema, JSON Feed
// against the 1.1 schema, RSS against the RSS Advisory Board profile.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFeeds } from '../../src/feed/index.ts';
import { loadContent } from '../../src/content/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { OutputFile } from '../../src/output.ts';
import { feedTestConfig, hostileItems, manyItems, REPO_ROOT } from '../helpers/feed-items.ts';
import {
  atomSchemaErrors,
  jsonFeedSchemaErrors,
  rssProfileViolations,
  xmllintErrors,
  xmlSyntaxError,
} from '../helpers/feed-validate.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

/** The URL a file is served at: site.url plus the path, each segment percent-encoded. */
function urlOf(config: Config, file: OutputFile): string {
  return config.site.url + file.path.split('/').map(encodeURIComponent).join('/');
}

const isRss = (f: OutputFile): boolean => /(^|\/)(feed\.xml|feeds\/rss-\d+\.xml)$/.test(f.path);
const isAtom = (f: OutputFile): boolean => /(^|\/)(atom\.xml|feeds\/atom-\d+\.xml)$/.test(f.path);
const isJson = (f: OutputFile): boolean => f.path.endsWith('.json');
const isXml = (f: OutputFile): boolean => /\.(xml|xsl)$/.test(f.path);

const sample = async (config: Config) => loadContent(path.join(REPO_ROOT, 'content'), config, NOW);

describe.each([
  ['the sample content', sample, {}],
  ['hostile items', async () => hostileItems(), {}],
  ['300 items with archive pages', async () => manyItems(300), {}],
  // The hub link in every subscription document, the site's and each tag's.
  ['the sample content with a WebSub hub', sample, { websubHub: 'https://hub.example.org/websub?x=1&y=2' }],
])('feeds of %s', (_name, load, feeds: Partial<Config['feeds']>) => {
  let config: Config;
  let files: OutputFile[];
  beforeAll(async () => {
    config = await feedTestConfig(feeds);
    files = renderFeeds(await load(config), config);
  });

  it('are well-formed XML by fast-xml-parser and by xmllint', () => {
    const xml = files.filter(isXml);
    expect(xml.length).toBeGreaterThan(3);
    for (const file of xml) expect(xmlSyntaxError(String(file.body)), file.path).toBeNull();
    expect(xmllintErrors(xml.map((f) => ({ name: f.path, text: String(f.body) })))).toEqual([]);
  });

  it('are valid Atom against RFC 4287 Appendix B (jing)', () => {
    const atom = files.filter(isAtom);
    expect(atom.length).toBeGreaterThan(0);
    expect(atomSchemaErrors(atom.map((f) => ({ name: f.path, text: String(f.body) })))).toEqual([]);
  });

  it('are valid JSON Feed 1.1', () => {
    const json = files.filter(isJson);
    expect(json.length).toBeGreaterThan(0);
    for (const file of json) expect(jsonFeedSchemaErrors(String(file.body)), file.path).toEqual([]);
  });

  it('meet the RSS profile with no violation', () => {
    const rss = files.filter(isRss);
    expect(rss.length).toBeGreaterThan(0);
    for (const file of rss) expect(rssProfileViolations(String(file.body), urlOf(config, file)), file.path).toEqual([]);
  });
});

describe('the validators themselves', () => {
  it('jing rejects an Atom feed without an id', () => {
    const bad =
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><updated>2021-01-01T00:00:00Z</updated></feed>';
    expect(atomSchemaErrors([{ name: 'bad.xml', text: bad }]).length).toBeGreaterThan(0);
  });

  it('the JSON Feed schema rejects version 1 and an item without content', () => {
    const bad = JSON.stringify({ version: 'https://jsonfeed.org/version/1', title: 't', items: [{ id: '1' }] });
    expect(jsonFeedSchemaErrors(bad).length).toBeGreaterThanOrEqual(2);
  });

  it('the RSS profile check reports relative links, bad dates, repeated guids and a wrong self link', () => {
    const bad = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>t</title><link>/relative</link><description>d</description>
    <atom:link href="https://example.org/other.xml" rel="self" type="application/rss+xml"/>
    <item><title>a</title><link>https://example.org/a</link><guid>same</guid><pubDate>Mon, 01 Jan 21 00:00:00</pubDate>
      <content:encoded><![CDATA[<img src="pic.png"><script>x()</script>]]></content:encoded>
      <enclosure url="https://example.org/a.jpg" type="image/jpeg"/></item>
    <item><title>b</title><link>https://example.org/b</link><guid isPermaLink="false">same</guid><pubDate>Tue, 01 Jan 2021 00:00:00 GMT</pubDate></item>
  </channel>
</rss>`;
    const problems = rssProfileViolations(bad, 'https://example.org/feed.xml');
    const expected = [
      /channel: <link>/,
      /<language> missing/,
      /atom:link rel="self" is/,
      /guid "same" is a permalink/,
      /<pubDate>.*four-digit/,
      /relative or non-http URL in src="pic.png"/,
      /dangerous markup/,
      /enclosure length/,
      /repeats item 1/,
      /wrong day of the week/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        `${pattern}\n${problems.join('\n')}`,
      ).toBe(true);
  });
});
