// The site rendered from the sample newsroom's real content folder and gazette.yaml.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { loadContent } from '../../src/content/load.ts';
import type { NewsItem } from '../../src/content/types.ts';
import type { OutputFile } from '../../src/output.ts';
import { loadSiteTemplates, renderSite } from '../../src/site/index.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { bodyOf, decodeEntities, inner, links, tags } from './html.ts';

const root = path.resolve(import.meta.dirname, '../..');
const NOW = new Date('2026-01-01T00:00:00Z');

let config: Config;
let items: NewsItem[];
let files: OutputFile[];
beforeAll(async () => {
  config = await loadConfig(path.join(root, 'gazette.yaml'));
  items = await loadContent(path.join(root, 'content'), config, NOW);
  files = renderSite(items, config, await loadSiteTemplates(path.join(root, 'templates')));
});

describe('site of the sample newsroom', () => {
  it('has the sample items', () => {
    expect(items.length).toBeGreaterThanOrEqual(8);
  });

  it('passes html-validate on every page', async () => {
    for (const file of files.filter((f) => f.path.endsWith('.html'))) {
      expect(await validateHtml(bodyOf(files, file.path), file.path), file.path).toEqual([]);
    }
  });

  it('lists every item on the home page, newest first, with its reader date', () => {
    const index = bodyOf(files, 'index.html');
    const titles = [...index.matchAll(/<h3 class="card-title"><a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => [
      m[1],
      decodeEntities(m[2]!),
    ]);
    expect(titles).toEqual(items.map((i) => [i.url, i.title]));
    expect(index).toContain('<time datetime="2021-10-01T00:00:00+06:00">1 October 2021</time>');
  });

  it('writes each item page with its full content and a canonical link', () => {
    for (const item of items.filter((i) => i.link === undefined)) {
      const page = bodyOf(files, `news/${item.slug}/index.html`);
      expect(decodeEntities(inner(page, 'h1')!)).toBe(item.title);
      expect(page).toContain(item.contentHtml.trim());
      expect(tags(page, 'link').find((l) => l.rel === 'canonical')?.href).toBe(item.url);
    }
  });

  it('links every tag of every item to a tag page that lists the item', () => {
    for (const item of items) {
      const page = bodyOf(files, item.link === undefined ? `news/${item.slug}/index.html` : 'index.html');
      for (const href of links(page).filter(
        (h) => h.startsWith(`${config.site.url}tags/`) && h !== `${config.site.url}tags/`,
      )) {
        const tagPath = `${decodeURIComponent(new URL(href).pathname).slice(1)}index.html`;
        expect(links(bodyOf(files, tagPath)), tagPath).toContain(item.url);
      }
    }
  });
});
