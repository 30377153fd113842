// Adapter for sanitize-html: the one allow-list policy for HTML that reaches feeds, pages and mail.
import sanitize from 'sanitize-html';

export interface SanitizeOptions {
  /**
   * Maps each link target and image source to the absolute URL to emit, or
   * undefined to drop the attribute (unparseable URLs).
   */
  resolveUrl(url: string, attribute: 'href' | 'src'): string | undefined;
}

const allowedTags = [
  ...sanitize.defaults.allowedTags.filter((t) => t !== 'nav' && t !== 'main'),
  'img',
  'del',
  'ins',
  'details',
  'summary',
];

function rewrite(attribute: 'href' | 'src', options: SanitizeOptions): sanitize.Transformer {
  return (tagName, attribs) => {
    const out = { ...attribs };
    const value = out[attribute];
    if (value !== undefined) {
      const resolved = options.resolveUrl(value, attribute);
      if (resolved === undefined) delete out[attribute];
      else out[attribute] = resolved;
    }
    return { tagName, attribs: out };
  };
}

/**
 * Keeps only harmless markup: no script, iframe, object, embed, style (element
 * or attribute), event handlers, data-* attributes, or URLs other than
 * http(s), mailto and tel (images: http(s) only).
 */
export function sanitizeHtml(html: string, options: SanitizeOptions): string {
  // Images the policy keeps so far, and that count when each open paragraph began: a paragraph
  // is dropped as emptied only when it has no text and no image was kept inside it (sanitize-html's
  // own count of a frame's media children misses an image inside a link).
  let keptImages = 0;
  const paragraphs: number[] = [];
  return sanitize(html, {
    ...POLICY,
    transformTags: {
      a: rewrite('href', options),
      img: rewrite('src', options),
      p: (tagName, attribs) => {
        paragraphs.push(keptImages);
        return { tagName, attribs };
      },
    },
    exclusiveFilter: (frame) => {
      if (frame.tag === 'img') {
        if (!frame.attribs.src) return true;
        keptImages++;
      } else if (frame.tag === 'p') {
        const before = paragraphs.pop() ?? keptImages;
        return frame.text.trim() === '' && keptImages === before;
      }
      return false;
    },
  });
}

/** Whether the policy keeps the element `tag`. */
export function keepsTag(tag: string): boolean {
  return allowedTagSet.has(tag);
}

/** Whether the policy keeps the attribute `name="value"` on `tag` as it is (URLs aside: see keepsUrl). */
export function keepsAttribute(tag: string, name: string, value: string): boolean {
  // sanitize-html drops an empty attribute unless it is one that may be empty.
  if (value === '' && name !== 'alt') return false;
  const attributes = POLICY.allowedAttributes as Record<string, string[]>;
  if (!(attributes[tag]?.includes(name) || attributes['*']?.includes(name))) return false;
  if (name !== 'class') return true;
  const patterns = classPatterns.get(tag);
  return patterns !== undefined && value.split(' ').every((c) => patterns.some((p) => p.test(c)));
}

/** Whether the policy keeps the absolute URL `url` as a link target (`a`) or an image source (`img`). */
export function keepsUrl(tag: 'a' | 'img', url: string): boolean {
  const colon = url.indexOf(':');
  const byTag = POLICY.allowedSchemesByTag as Record<string, string[]>;
  const schemes = byTag[tag] ?? (POLICY.allowedSchemes as string[]);
  return colon > 0 && schemes.includes(url.slice(0, colon).toLowerCase());
}

// The policy's fixed part, built once rather than on every call.
const POLICY: sanitize.IOptions = {
  allowedTags,
  allowedAttributes: {
    a: ['href', 'title', 'hreflang'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    time: ['datetime'],
    ol: ['start', 'reversed'],
    li: ['value'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan', 'scope'],
    code: ['class'],
    '*': ['lang', 'dir'],
  },
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Elements whose content is code or a foreign document go with their content.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'iframe',
    'object',
    'embed',
    'svg',
    'math',
    'template',
    'noembed',
    'noframes',
    'xmp',
    'title',
    'head',
  ],
  // Text escapes `"` as markdown-it does, so Markdown finished without the sanitizer gives the same bytes.
  textFilter: (text) => text.replaceAll('"', '&quot;'),
  // Images left without a source, and paragraphs emptied by removing what they held, go too:
  // see exclusiveFilter in sanitizeHtml.
};

const allowedTagSet = new Set(allowedTags);

/** Each tag's allowed classes (`language-*`) as patterns, as sanitize-html reads them. */
const classPatterns = new Map(
  Object.entries(POLICY.allowedClasses ?? {}).map(([tag, globs]) => [
    tag,
    (globs as string[]).map((g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)),
  ]),
);
