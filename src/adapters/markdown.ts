// Adapter for markdown-it: CommonMark to HTML. Raw HTML is allowed here and made safe by sanitize.ts.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: true, linkify: true, typographer: false });

/** Renders Markdown to (unsanitized) HTML. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}
