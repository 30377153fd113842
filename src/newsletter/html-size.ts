// Gmail clips a message whose HTML passes 102,400 bytes ("[Message clipped]"), hiding what follows: the footer
// with the unsubscribe link and the postal address first. The compiled HTML is kept below that.

/** Gmail's clipping size, in bytes of the HTML part. */
export const GMAIL_CLIP_BYTES = 102_400;

/**
 * Bytes kept free for what each recipient's slots add (greeting, address, unsubscribe link and label,
 * escaped): a name of 100 characters and an address of 254, each character escaped to 6 bytes, fit.
 */
export const SLOT_RESERVE_BYTES = 4_096;

/** The HTML a digest may compile to, its slots still tokens. */
export const HTML_BUDGET_BYTES = GMAIL_CLIP_BYTES - SLOT_RESERVE_BYTES;

// Only <pre> and <textarea> keep their white space as written; <script> is never in a digest, but kept too.
const VERBATIM = /(<(pre|textarea|script)\b[^>]*>[\s\S]*?<\/\2\s*>)/i;
// HTML's white space (not \s: a no-break space is text); a run with a line break is indentation
const INDENTATION = /[ \t\f]*[\r\n][ \t\r\n\f]*/g;

/**
 * The compiled HTML with its indentation gone: every run of white space holding a line break becomes
 * one space, which renders the same outside <pre> (HTML collapses white space anyway). mjml writes
 * a few hundred such runs per item; its own `minify` (htmlnano) takes 1.4 s to load and cannot load
 * from mjml's bundle at all.
 */
export function collapseWhitespace(html: string): string {
  return html
    .split(VERBATIM)
    .map((part, i) => (i % 3 === 0 ? part.replace(INDENTATION, ' ') : i % 3 === 1 ? part : ''))
    .join('');
}

/** UTF-8 bytes of `text`. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
