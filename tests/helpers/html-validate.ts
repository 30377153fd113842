// HTML5 validity for rendered pages: html-validate with its recommended rules.
import { HtmlValidate } from 'html-validate';

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Search-engine advice, not validity: a headline is as long as the newsroom writes it, and the
    // document title carries it whole for tabs, bookmarks and screen readers.
    'long-title': 'off',
  },
});

export interface ValidationProblem {
  rule: string;
  message: string;
  line: number;
  column: number;
}

/** Validates one document; returns every problem (an empty list means valid). */
export async function validateHtml(html: string, name = 'page.html'): Promise<ValidationProblem[]> {
  const report = await validator.validateString(html, name);
  return report.results.flatMap((r) =>
    r.messages.map((m) => ({ rule: m.ruleId, message: m.message, line: m.line, column: m.column })),
  );
}
