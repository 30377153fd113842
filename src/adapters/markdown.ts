// Adapter for markdown-it: CommonMark to HTML. Raw HTML is allowed here and made safe by sanitize.ts;
// Markdown without raw HTML can instead be finished here, under the same policy (see renderWithoutRawHtml).
import MarkdownIt, { type Token } from 'markdown-it';
import { boundedMemo } from '../memo.ts';

// xhtmlOut: void elements written `<br />`, as the sanitizer writes them, so both ways give the same bytes.
const md = new MarkdownIt({ html: true, linkify: true, typographer: false, xhtmlOut: true });

// linkify-it finds a link only after a scheme's `:` or `//`, before an e-mail's `@`, or in a host
// name, where a `.` is followed by the top-level domain; text with none of these (most sentences,
// which end in `. `) is passed over without its costlier search, and links are found as before.
const mayHoldLink = /[:/@]|\.\S/;
const linkifyTest = md.linkify.test.bind(md.linkify);
md.linkify.test = (text: string): boolean => mayHoldLink.test(text) && linkifyTest(text);

// A site's items link to the same places again and again, and normalizing a link target (parsing
// it, punycode for its host, percent-encoding) costs more than remembering it: the answer depends
// on the text alone.
const normalizeLink = md.normalizeLink.bind(md);
const rememberLink = boundedMemo<string>(10_000);
md.normalizeLink = (url: string): string => rememberLink(url, () => normalizeLink(url));

/** Renders Markdown to (unsanitized) HTML. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

/** What the HTML policy says of the markup Markdown writes (sanitize.ts holds the policy). */
export interface MarkupPolicy {
  /** The URL to write for a link target or image source, or undefined when the policy would not keep it as it is. */
  url(url: string, tag: 'a' | 'img'): string | undefined;
  /** Whether the policy keeps the attribute `name="value"` on `tag` as it is. */
  keepsAttribute(tag: string, name: string, value: string): boolean;
  /** Whether the policy keeps the element `tag` (with its content). */
  keepsTag(tag: string): boolean;
}

export interface FinishedMarkdown {
  /** The final HTML: what the sanitizer would make of renderMarkdown's output. */
  html: string;
  /**
   * The text of the first paragraph with the Markdown of its spans left out (no image, no link
   * target; a line break as a space), or undefined when the document has no paragraph.
   */
  firstParagraph: string | undefined;
}

/**
 * Markdown that holds no raw HTML, rendered straight to its final HTML: markdown-it escapes every
 * text and attribute value it writes and writes only its own fixed set of elements, so what is left
 * to decide is each element, attribute and URL, which `policy` decides. Returns undefined, so that
 * the caller sanitizes renderMarkdown's output instead, when the text holds raw HTML, or when the
 * policy would change anything but a URL: drop an element or an attribute, or empty a paragraph.
 */
export function renderWithoutRawHtml(text: string, policy: MarkupPolicy): FinishedMarkdown | undefined {
  const env = {};
  const tokens = md.parse(text, env);
  let firstParagraph: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!checkToken(token, policy)) return undefined;
    if (token.type !== 'inline' || token.children === null) continue;
    for (const child of token.children) if (!checkToken(child, policy)) return undefined;
    // A paragraph that is written as <p> (a tight list's are not).
    const opening = tokens[i - 1];
    if (opening?.type === 'paragraph_open' && !opening.hidden) {
      const paragraph = inlineText(token.children);
      // The policy drops a paragraph left with neither text nor an image.
      if (paragraph.trim() === '' && !token.children.some((c) => c.type === 'image')) return undefined;
      firstParagraph ??= paragraph;
    }
  }
  return { html: md.renderer.render(tokens, md.options, env), firstParagraph };
}

/** Checks one token against the policy, writing the policy's URL into a link or image. */
function checkToken(token: Token, policy: MarkupPolicy): boolean {
  if (token.type === 'html_block' || token.type === 'html_inline') return false;
  if (token.tag !== '' && token.nesting !== -1 && !policy.keepsTag(token.tag)) return false;
  const attrs = token.attrs;
  if (attrs === null) return true;
  for (const attr of attrs) {
    const name = attr[0];
    const value = String(attr[1]);
    if ((token.tag === 'a' && name === 'href') || (token.tag === 'img' && name === 'src')) {
      const url = policy.url(value, token.tag);
      if (url === undefined) return false;
      attr[1] = url;
    } else if (!(token.type === 'image' && name === 'alt') && !policy.keepsAttribute(token.tag, name, value)) {
      return false;
    }
  }
  // The fence rule adds a class from the info string: `language-` and its first word.
  if (token.type === 'fence' && token.info.trim() !== '') {
    const lang = md.utils.unescapeAll(token.info).trim().split(/(\s+)/g)[0]!;
    if (!policy.keepsAttribute('code', 'class', `${md.options.langPrefix}${lang}`)) return false;
  }
  return true;
}

/** Text of an inline run as html-to-text reads it from the rendered HTML: no images, breaks as spaces. */
function inlineText(children: readonly Token[]): string {
  let text = '';
  for (const child of children) {
    if (child.type === 'text' || child.type === 'code_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
  }
  return text;
}
