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
  return sanitize(html, { ...POLICY, transformTags: { a: rewrite('href', options), img: rewrite('src', options) } });
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
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math', 'template', 'noembed', 'noframes', 'xmp', 'title', 'head'],
  // Images left without a source, and paragraphs emptied by removing what they held, go too.
  exclusiveFilter: (frame) =>
    (frame.tag === 'img' && !frame.attribs.src) || (frame.tag === 'p' && frame.text.trim() === '' && frame.mediaChildren.length === 0),
};
