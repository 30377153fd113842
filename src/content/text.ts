// Plain-text hygiene shared by every text field of an item.

// XML 1.0 forbids C0 controls other than tab, newline and carriage return, and the
// noncharacters U+FFFE/U+FFFF; DEL and C1 controls are legal XML but invalid in HTML.
const illegal = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g;

/** Removes characters that may not appear in XML or HTML output; keeps \t, \n and \r. */
export function stripControlChars(text: string): string {
  return text.replace(illegal, '');
}

/** One line of plain text: control characters gone, runs of whitespace collapsed to one space. */
export function cleanLine(text: string): string {
  return stripControlChars(text).replace(/\s+/g, ' ').trim();
}

/**
 * Cuts `text` to at most `max` characters (code points, so emoji are never split)
 * at a word boundary and appends an ellipsis when anything was cut.
 */
export function truncateAtWord(text: string, max: number): string {
  // No more UTF-16 units than `max` means no more code points either.
  if (text.length <= max) return text;
  // Where the code point after the first `max` starts (pairs of surrogates count as one, as the string
  // iterator counts).
  let end = 0;
  for (let count = 0; count < max && end < text.length; count++) {
    const unit = text.charCodeAt(end);
    end +=
      unit >= 0xd800 && unit <= 0xdbff && end + 1 < text.length && (text.charCodeAt(end + 1) & 0xfc00) === 0xdc00
        ? 2
        : 1;
  }
  if (end >= text.length) return text;
  const head = text.slice(0, end);
  const lastSpace = head.search(/\s\S*$/);
  const cut = lastSpace > max / 2 ? head.slice(0, lastSpace) : head;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
