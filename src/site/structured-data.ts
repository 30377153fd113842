// Structured data for search engines: schema.org NewsArticle JSON-LD for item pages.
import type { NewsItem, Person } from '../content/types.ts';
import { machineDate, type ViewContext } from './view.ts';

/** Google shows at most 110 characters of a headline and asks for no more. */
export const HEADLINE_MAX = 110;

/**
 * The item's NewsArticle as the text of a `<script type="application/ld+json">`. `image` is the
 * item's image, else the site's (`site.image`), and is left out when there is neither; the author
 * is a Person when the item names one and the newsroom (an Organization) when it falls back to
 * `site.author`; the publisher is the site, with `site.image` as its logo when set.
 */
export function newsArticleJsonLd(item: NewsItem, ctx: ViewContext): string {
  const site = ctx.config.site;
  const url = ctx.urls.item(item.slug);
  const image = item.image?.url ?? site.image;
  const article = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
    headline: headline(item.title),
    ...(item.summary !== '' ? { description: item.summary } : {}),
    ...(image !== undefined ? { image: [image] } : {}),
    datePublished: machineDate(item.published, ctx),
    dateModified: machineDate(item.updated, ctx),
    inLanguage: item.lang ?? ctx.language,
    author: item.author ? agent('Person', item.author) : agent('Organization', site.author),
    publisher: {
      '@type': 'Organization',
      name: ctx.title,
      url: ctx.urls.home,
      ...(site.image !== undefined ? { logo: { '@type': 'ImageObject', url: site.image } } : {}),
    },
    ...(item.tags.length > 0 ? { keywords: item.tags } : {}),
  };
  return scriptJson(article);
}

function agent(type: 'Person' | 'Organization', who: Person): Record<string, string> {
  return { '@type': type, name: who.name, ...(who.url !== undefined ? { url: who.url } : {}) };
}

/** The title cut at a word to HEADLINE_MAX characters (code points), an ellipsis marking the cut. */
export function headline(title: string): string {
  const chars = [...title];
  if (chars.length <= HEADLINE_MAX) return title;
  const cut = chars.slice(0, HEADLINE_MAX - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space >= HEADLINE_MAX / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * JSON that stays inside a script element whatever its strings hold: `<`, `>` and `&` as \u
 * escapes, so no `</script>` or `<!--` can end or change the element, and the line separators that
 * older JavaScript parsers read as line ends.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
