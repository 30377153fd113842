// The plain-text part, written from the same view as the HTML by templates/digest.txt.eta: laid out for
// reading, not stripped from markup.
import type { SlotValues } from './slots.ts';
import type { DigestView } from './view.ts';

/** Columns the text part is wrapped at. */
export const TEXT_WIDTH = 72;

/** Wraps at spaces to `width` columns (counted in code points); a word longer than a line keeps its own line. */
export function wrap(text: string, width = TEXT_WIDTH, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if ([...indent].length + [...candidate].length <= width || line === '') line = candidate;
    else {
      lines.push(indent + line);
      line = word;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

/** What the text template receives besides the digest view: the slots and the helpers that lay out text. */
export interface DigestTextHelpers {
  /** The recipient's values, as tokens cut out after rendering. */
  slot: SlotValues;
  /** `wrap(text, width = 72, indent = '')`: text wrapped at spaces, every line indented by `indent`. */
  wrap: typeof wrap;
  /** The wrapping width, 72. */
  width: number;
  /** A line of 72 hyphens between the sections. */
  rule: string;
}

/** The data templates/digest.txt.eta is rendered with. */
export function digestTextData(view: DigestView, slot: SlotValues): DigestView & DigestTextHelpers {
  return { ...view, slot, wrap, width: TEXT_WIDTH, rule: '-'.repeat(TEXT_WIDTH) };
}
