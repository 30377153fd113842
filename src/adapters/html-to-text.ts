// Adapter for html-to-text: plain text from sanitized HTML, for summaries.
import { compile } from 'html-to-text';

const firstParagraphOptions = {
  wordwrap: false as const,
  baseElements: { selectors: ['p'], returnDomByDefault: true },
  limits: { maxBaseElements: 1 },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
};

// convert() compiles its options (selector decision trees) on every call, which costs more than
// the conversion itself; compiled once, the same options give the same text.
const firstParagraph = compile(firstParagraphOptions);

/** Plain text of the first paragraph of `html` (of the whole document when it has no <p>). */
export function firstParagraphText(html: string): string {
  return firstParagraph(html);
}
