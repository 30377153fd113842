// Small readers for the site's own HTML in tests: the templates always double-quote attributes.
import { HtmlValidate, type HtmlElement, Parser } from 'html-validate';

export type Attributes = Record<string, string>;

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e] ?? e);
}

/** Every start tag `<name …>` with its attributes decoded. */
export function tags(html: string, name: string): Attributes[] {
  const found: Attributes[] = [];
  const tagRe = new RegExp(`<${name}(\\s[^>]*)?>`, 'gi');
  for (const m of html.matchAll(tagRe)) {
    const attrs: Attributes = {};
    for (const a of (m[1] ?? '').matchAll(/([\w:-]+)(?:="([^"]*)")?/g))
      attrs[a[1]!.toLowerCase()] = decodeEntities(a[2] ?? '');
    found.push(attrs);
  }
  return found;
}

/** Text inside the first `<name …>…</name>` (markup kept, entities not decoded). */
export function inner(html: string, name: string): string | undefined {
  return new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'i').exec(html)?.[1];
}

/** Every `href` of `<a>` elements. */
export function links(html: string): string[] {
  return tags(html, 'a').map((a) => a.href ?? '');
}

export function bodyOf(files: { path: string; body: string | Uint8Array }[], path: string): string {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no output file ${path}; have: ${files.map((f) => f.path).join(', ')}`);
  return typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
}

const parser = new Parser(new HtmlValidate().getConfigForSync('page.html'));

/**
 * An HTML document parsed by html-validate's parser (its tokenizer follows HTML's rules for raw
 * text, so a `</script>` inside a script's text ends the element as it would in a browser).
 * Attribute values come back as written; `attribute` decodes the entities the templates write.
 */
export function parseDocument(html: string): HtmlElement {
  return parser.parseHtml(html);
}

export function attribute(element: HtmlElement, name: string): string | undefined {
  const value = element.getAttributeValue(name);
  return value === null ? undefined : decodeEntities(value);
}

/** `content` of every `<meta>` whose `key` attribute (`property` or `name`) is `value`. */
export function metaContents(doc: HtmlElement, key: 'property' | 'name', value: string): string[] {
  return doc
    .querySelectorAll(`meta[${key}="${value}"]`)
    .map((m) => attribute(m, 'content'))
    .filter((c): c is string => c !== undefined);
}
