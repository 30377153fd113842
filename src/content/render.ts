// Markdown body → safe HTML with absolute URLs, and the plain-text summary derived from it.
import path from 'node:path';
import { renderMarkdown, renderWithoutRawHtml, type MarkupPolicy } from '../adapters/markdown.ts';
import { keepsAttribute, keepsTag, keepsUrl, sanitizeHtml } from '../adapters/sanitize.ts';
import { firstParagraphText } from '../adapters/html-to-text.ts';
import { cleanLine, stripControlChars, truncateAtWord } from './text.ts';

/** A file under the content folder that an item references and the site must publish with it. */
export interface LocalReference {
  /** Path relative to the content folder, forward slashes. */
  source: string;
  /** Path relative to the item's page folder, e.g. `images/map.png`. */
  relative: string;
}

export interface ResolveContext {
  /** Absolute URL of the item's page: relative references resolve against it. */
  pageUrl: string;
  /** The item's source path relative to the content folder. */
  sourcePath: string;
  /** Files other than Markdown that exist in the content folder: path (relative to it) → size in bytes. */
  localFiles: ReadonlyMap<string, number>;
}

/** Absolute URL for `ref`, or undefined when it cannot be parsed. */
export function absoluteUrl(ref: string, pageUrl: string): string | undefined {
  try {
    return new URL(ref.trim(), pageUrl).href;
  } catch {
    return undefined;
  }
}

/**
 * The content file a relative reference names, when it exists and stays inside the
 * item's own folder: only then does its URL under the item's page match its file.
 */
export function localReference(ref: string, ctx: ResolveContext): LocalReference | undefined {
  const trimmed = ref.trim();
  if (trimmed === '' || /^[a-z][a-z0-9+.-]*:/i.test(trimmed) || /^[/?#]/.test(trimmed)) return undefined;
  let relative: string;
  try {
    relative = path.posix.normalize(decodeURIComponent(trimmed.replace(/[?#].*$/, '')));
  } catch {
    return undefined;
  }
  if (relative.startsWith('../') || relative === '..' || relative === '.' || relative.endsWith('/')) return undefined;
  const source = path.posix.join(path.posix.dirname(ctx.sourcePath), relative);
  return ctx.localFiles.has(source) ? { source, relative } : undefined;
}

export interface RenderedBody {
  html: string;
  references: LocalReference[];
  /** The text of the first paragraph, when rendering found it (see deriveSummary). */
  firstParagraph?: string;
}

/** The sanitizer's policy for the markup Markdown writes, links and images resolved by `resolveUrl`. */
export function markupPolicy(resolveUrl: (url: string) => string | undefined): MarkupPolicy {
  return {
    url: (url, tag) => {
      const resolved = resolveUrl(url);
      return resolved !== undefined && keepsUrl(tag, resolved) ? resolved : undefined;
    },
    keepsAttribute,
    keepsTag,
  };
}

/**
 * Renders and sanitizes a Markdown body; every link and image source comes out absolute.
 * Markdown without raw HTML is finished by the Markdown renderer under the sanitizer's policy
 * (the same bytes, without parsing the HTML again); the rest goes through the sanitizer.
 */
export function renderBody(markdown: string, ctx: ResolveContext): RenderedBody {
  const references = new Map<string, LocalReference>();
  const resolveUrl = (url: string): string | undefined => {
    const ref = localReference(url, ctx);
    if (ref) references.set(ref.source, ref);
    return absoluteUrl(stripControlChars(url), ctx.pageUrl);
  };
  const finished = renderWithoutRawHtml(markdown, markupPolicy(resolveUrl));
  if (finished !== undefined) {
    const body: RenderedBody = { html: stripControlChars(finished.html), references: [...references.values()] };
    if (finished.firstParagraph !== undefined) body.firstParagraph = finished.firstParagraph;
    return body;
  }
  // The sanitizer resolves every link and image again.
  references.clear();
  const html = sanitizeHtml(renderMarkdown(markdown), { resolveUrl });
  return { html: stripControlChars(html), references: [...references.values()] };
}

/** Longest derived summary, in characters, before the ellipsis. */
export const SUMMARY_LENGTH = 280;

const paragraphStart = /<p[\s>]/;

/**
 * The start of sanitized `html` up to the end of its first paragraph, or all of it when it
 * has none, or when that paragraph holds another (raw HTML can put one inside a span): the
 * first paragraph is then the same, and what follows it need not be parsed. Sanitized HTML
 * has every `<` of text and attribute values escaped and its end tags written `</p>`.
 */
function throughFirstParagraph(html: string): string {
  const open = html.search(paragraphStart);
  if (open < 0) return html;
  const close = html.indexOf('</p>', open);
  if (close < 0 || paragraphStart.test(html.slice(open + 2, close))) return html;
  return html.slice(0, close + 4);
}

/**
 * Plain text of the first paragraph of a rendered body, cut at a word boundary: the text its
 * rendering found, or else what html-to-text reads from its HTML. Both give the same text, but
 * html-to-text also counts U+200B as white space.
 */
export function deriveSummary(body: Pick<RenderedBody, 'html' | 'firstParagraph'>): string {
  const text =
    body.firstParagraph !== undefined && !body.firstParagraph.includes('\u200B')
      ? body.firstParagraph
      : firstParagraphText(throughFirstParagraph(body.html));
  return truncateAtWord(cleanLine(text), SUMMARY_LENGTH);
}
