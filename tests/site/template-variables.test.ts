// The README's "Template variables" section names every variable each template receives: the keys are read
// from what gazette really renders the templates with, so a new key without its line in the README fails here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSiteTemplates, renderSite, SITE_TEMPLATE_NAMES } from '../../src/site/index.ts';
import { digestView } from '../../src/newsletter/index.ts';
import { createSlotTokens } from '../../src/newsletter/slots.ts';
import { digestTextData } from '../../src/newsletter/text.ts';
import { NOW, newsItem as digestItem, sampleConfig } from '../newsletter/factory.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The README section's rows by table: the heading above each table, and the `names` in its first column. */
async function documented(): Promise<Map<string, Set<string>>> {
  const readme = await readFile(path.join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf('### Template variables');
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const tables = new Map<string, Set<string>>();
  let heading = '';
  for (const line of section.split('\n')) {
    const h = /^#### (.+)$/.exec(line);
    if (h) heading = h[1]!.trim();
    const row = /^\| `([^`]+)`/.exec(line);
    if (row && heading) {
      if (!tables.has(heading)) tables.set(heading, new Set());
      tables.get(heading)!.add(row[1]!);
    }
  }
  return tables;
}

function keysOf(value: object | undefined): string[] {
  return Object.keys(value ?? {}).sort();
}

/** What each site page template is rendered with: the real site, its page templates swapped for a dump. */
async function siteData(): Promise<Record<string, Record<string, unknown>>> {
  const real = await loadSiteTemplates(path.join(repo, 'templates'));
  const templates = new Map(real.templates);
  const pages = ['index', 'item', 'tag', 'tags', 'not-found'];
  for (const name of pages) templates.set(name, '<%~ JSON.stringify(it) %>');
  const config = sampleConfig();
  const item = digestItem({
    tags: ['drugs'],
    image: { url: 'https://caricc.org/a.jpg', alt: 'A seizure', type: 'image/jpeg' },
  });
  const files = renderSite([item], config, { ...real, templates });
  const read = (p: string) => JSON.parse(String(files.find((f) => f.path === p)!.body));
  const itemPath = files.find((f) => /^news\/.+\/index\.html$/.test(f.path))!.path;
  const tagPath = files.find((f) => /^tags\/.+\/index\.html$/.test(f.path) && f.path !== 'tags/index.html')!.path;
  return {
    index: read('index.html'),
    item: read(itemPath),
    tag: read(tagPath),
    tags: read('tags/index.html'),
    'not-found': read('404.html'),
  };
}

describe('README: template variables', () => {
  it('lists every key of the digest view, its items, its listed titles and the text helpers', async () => {
    const tables = await documented();
    const view = digestView(
      [digestItem({ image: { url: 'https://caricc.org/a.jpg', alt: 'A seizure', type: 'image/jpeg' } })],
      sampleConfig(),
      NOW,
      '2021-10-04-12',
    );
    const tokens = createSlotTokens([JSON.stringify(view)]);
    const text = digestTextData(view, tokens.tokens);
    const expected: Record<string, string[]> = {
      'digest.mjml, its partials and digest.txt.eta': [...keysOf(view), 'slot'],
      '`it.items[]`: an item in full': keysOf(view.items[0]),
      '`it.more[]`: an item listed by its title': ['title', 'url', 'lang'],
      "`it.slot`: the recipient's values": keysOf(tokens.tokens),
      'digest.txt.eta only': keysOf(text).filter((k) => !(k in view) && k !== 'slot'),
    };
    for (const [table, keys] of Object.entries(expected)) {
      expect(tables.has(table), `README table "${table}"`).toBe(true);
      for (const key of keys) expect(tables.get(table), `${key} in "${table}"`).toContain(key);
    }
  });

  it('lists every key each site page, its frame and its cards receive', async () => {
    const tables = await documented();
    const data = await siteData();
    const page = (data.index as { page: object }).page;
    const expected: Record<string, string[]> = {
      '`it.page`: every page and layout.eta': keysOf(page),
      'index.eta': keysOf(data.index),
      'item.eta': keysOf(data.item),
      '`it.item` in item.eta': keysOf((data.item as { item: object }).item),
      'tag.eta': keysOf(data.tag),
      'tags.eta': keysOf(data.tags),
      'not-found.eta': keysOf(data['not-found']),
      '`it.cards[]`, `it.card` in item-card.eta': keysOf((data.index as { cards: object[] }).cards[0]),
      '`it.pagination`, in pagination.eta too': keysOf((data.index as { pagination: object }).pagination),
    };
    for (const [table, keys] of Object.entries(expected)) {
      expect(tables.has(table), `README table "${table}"`).toBe(true);
      for (const key of keys) expect(tables.get(table), `${key} in "${table}"`).toContain(key);
    }
    expect(SITE_TEMPLATE_NAMES).toEqual(expect.arrayContaining(['layout', 'item-card', 'pagination', 'subscribe']));
  });
});
