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
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max).join('');
  const lastSpace = head.search(/\s\S*$/);
  const cut = lastSpace > max / 2 ? head.slice(0, lastSpace) : head;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
