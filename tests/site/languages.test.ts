// The pages of a site in two languages are valid HTML (html-validate), language switch, hreflang alternates and
// the subscribe form's topics included; and a page names the language of its chrome and of its item.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent } from '../../src/content/load.ts';
import { loadSiteTemplates, renderSite } from '../../src/site/index.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { bodyOf } from './html.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(root, 'tests/fixtures/newsroom-i18n');
const config = await loadConfig(path.join(fixture, 'gazette.yaml'));
const items = await loadContent(path.join(fixture, 'content'), config, new Date('2030-01-01T00:00:00Z'));
const files = renderSite(items, config, await loadSiteTemplates(path.join(root, 'templates')));

describe('the pages of a site in two languages', () => {
  it('pass html-validate, in both languages', async () => {
    const pages = files.filter((f) => f.path.endsWith('.html'));
    expect(pages.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'index.html',
        'ru/index.html',
        'ru/tags/index.html',
        'ru/news/geroin-izyat-v-almaty/index.html',
      ]),
    );
    for (const file of pages) {
      // the topics are checkboxes of one name, as HTML allows (each checked one is sent); html-validate shares a
      // name only among radio buttons unless told otherwise
      const problems = (await validateHtml(bodyOf(files, file.path), file.path)).filter(
        (p) => !(p.rule === 'form-dup-name' && p.message === 'Duplicate form control name "topics"'),
      );
      expect(problems, file.path).toEqual([]);
    }
  });

  it('have one 404 page, the default language’s, and Russian pagination words on a long Russian history', async () => {
    expect(files.filter((f) => f.path.endsWith('404.html')).map((f) => f.path)).toEqual(['404.html']);
    const many = [...items];
    const ru = items.find((i) => i.lang === 'ru')!;
    for (let n = 0; n < 12; n++) many.push({ ...ru, id: `ru/extra-${n}`, slug: `extra-${n}`, title: `Ещё ${n}` });
    const long = renderSite(many, config, await loadSiteTemplates(path.join(root, 'templates')));
    const first = bodyOf(long, 'ru/index.html');
    expect(first).toContain('<span>Страница 1 из 2</span>');
    expect(first).toContain('rel="next">Старше →</a>');
    expect(first).toContain('<nav class="pagination" aria-label="Страницы новостей">');
    const second = bodyOf(long, 'ru/page/2/index.html');
    expect(second).toContain('<title>Новости ЦАРИКЦ: новости, страница 2 из 2</title>');
    expect(second).toContain('rel="prev">← Новее</a>');
    expect(bodyOf(long, 'index.html')).not.toContain('pagination');
  });
});
