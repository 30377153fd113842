// Markdown without raw HTML is finished by the Markdown renderer under the sanitizer's policy; these
// tests hold it to the sanitizer's bytes and summaries, and check that raw HTML always meets the sanitizer.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderWithoutRawHtml } from '../../src/adapters/markdown.ts';
import { sanitizeHtml } from '../../src/adapters/sanitize.ts';
import {
  absoluteUrl,
  deriveSummary,
  localReference,
  markupPolicy,
  renderBody,
  type ResolveContext,
} from '../../src/content/render.ts';
import { stripControlChars } from '../../src/content/text.ts';
import { syntheticItems } from '../../bench/generate.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ctx: ResolveContext = {
  pageUrl: 'https://caricc.org/news/item/',
  sourcePath: '2021/item.md',
  localFiles: new Map([['2021/images/map.png', 69]]),
};

/** What the sanitizer alone makes of `markdown`: HTML, summary and local references. */
function throughSanitizer(markdown: string) {
  const references = new Set<string>();
  const html = stripControlChars(
    sanitizeHtml(renderMarkdown(markdown), {
      resolveUrl: (url) => {
        const ref = localReference(url, ctx);
        if (ref) references.add(ref.source);
        return absoluteUrl(stripControlChars(url), ctx.pageUrl);
      },
    }),
  );
  // Given only the HTML, deriveSummary reads it with html-to-text.
  return { html, summary: deriveSummary({ html }), references: [...references].sort() };
}

function rendered(markdown: string) {
  const body = renderBody(markdown, ctx);
  return { html: body.html, summary: deriveSummary(body), references: body.references.map((r) => r.source).sort() };
}

const finishedWithoutSanitizer = (markdown: string): boolean =>
  renderWithoutRawHtml(
    markdown,
    markupPolicy((url) => absoluteUrl(url, ctx.pageUrl)),
  ) !== undefined;

// Markdown a newsroom writes, and Markdown that tries the policy's edges.
const snippets = [
  'Plain text with a [link](https://www.unodc.org/centralasia/ "UNODC") and **bold**, *em*, ~~struck~~ and `code "quoted" <b>`.',
  'Quotes "double" and \'single\', & ampersands, <angle brackets>, ' +
    '&copy; &amp; &nbsp;entities &#x22; and \\*escapes\\*.',
  '[relative](../about/) [root](/contacts/) [fragment](#part) [query](?page=2) ![a local map](images/map.png) ' +
    '[mail](mailto:press@caricc.org) [phone](tel:+77272000000)',
  'Linked logo:\n\n[![logo](https://caricc.org/logo.png)](https://caricc.org/)',
  '[![logo](https://caricc.org/logo.png)](https://caricc.org/)',
  'Bare links: https://caricc.org/en/ and www.unodc.org and press@caricc.org, <https://osce.org/> and <press@caricc.org>.',
  '[ftp link](ftp://files.example.org/a.zip) and ![ftp image](ftp://files.example.org/a.png) ' +
    'and ![data](data:image/png;base64,AAAA)',
  '![only an ftp image](ftp://files.example.org/a.png)',
  '[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox) [protocol-relative](//evil.example/x) [spaces]( https://caricc.org/a b )',
  '[unparseable](https://[bad) ![unparseable](http://exa mple.com/a.png)',
  '&nbsp;\n\nSecond paragraph after an empty one.',
  '# Heading\n\n## Sub-heading with `code`\n\n> A quote\n> on two lines\n\n- tight\n- list\n\n' +
    '1. loose\n\n2. ordered list\n\n3) three\n\n---\n\nText after a rule.',
  '5. A list that starts at five\n6. and goes on',
  'Line one  \nline two with a hard break\nand a soft one.',
  '```js\nconst a = "<script>" && 1;\n```\n\n```\nno language\n```\n\n' +
    '    indented code & <tags>\n\n```c++ {.numbered}\nint main();\n```',
  '```"><script>alert(1)</script>\nx\n```',
  '| a | b |\n|---|---|\n| 1 | 2 |\n\n| left | right |\n|:-----|------:|\n| 1 | 2 |',
  'Raw <b>bold</b> and <span onclick="x()">span</span> inline HTML.',
  '<div class="x">\n\nBlock HTML around Markdown\n\n</div>',
  '<script>alert("x")</script>\n\nAfter a script.',
  '<p><span><p>nested</p></span></p> and text',
  'Text with a zero\u200bwidth space and a non\u00a0breaking one.',
  'Control \u0007characters \u001b and C1 \u0085 in text.',
  '![alt with *emphasis* and "quotes"](https://caricc.org/a.png "A title") [titled link](https://caricc.org/ \'Single\')',
  '[link with <angle> text](<https://caricc.org/a b>) [encoded](https://caricc.org/%D0%B0?q=1&r=2#x)',
  '* * *\n\nSetext heading\n==============\n\nAnother\n-------',
  'Emoji 🚨🌍 and Cyrillic: Центр провёл семинар в Алматы. Tajik: Ҳамкорӣ ва қонун.',
  '',
  '\n\n\n',
  '- [ ] not a task list\n- [x] plain text',
  '- &nbsp;\n- a tight list item holding only a non-breaking space',
  'A paragraph.\n\n<!-- a comment -->\n\nAnother.',
];

function seedParagraphs(): string[] {
  const seed = path.join(root, '../shared/seed');
  let files: string[];
  try {
    files = readdirSync(seed);
  } catch {
    return [];
  }
  return files.map((f) => readFileSync(path.join(seed, f), 'utf8'));
}

function sampleBodies(): string[] {
  const dir = path.join(root, 'content');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.md'))
        out.push(readFileSync(path.join(d, e.name), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, ''));
    }
  };
  walk(dir);
  return out;
}

describe('Markdown finished without the sanitizer', () => {
  it(
    'gives the same HTML, summary and local references as the sanitizer, ' +
      'for the sample, the seed page, synthetic items and edge cases',
    () => {
      const corpus = [...snippets, ...sampleBodies(), ...seedParagraphs(), ...syntheticItems(300).map((i) => i.body)];
      expect(corpus.length).toBeGreaterThan(330);
      for (const markdown of corpus) {
        const input = stripControlChars(markdown);
        expect({ input, ...rendered(input) }).toEqual({ input, ...throughSanitizer(input) });
      }
    },
  );

  it(
    'is taken for plain Markdown and never for raw HTML, table alignment, ' +
      'or a link or image the policy would change',
    () => {
      const plain = [
        'Text with a [link](https://www.unodc.org/ "UNODC"), **bold** and `code "quoted" <b>`.',
        '[relative](../about/) ![a local map](images/map.png) ' +
          '[mail](mailto:press@caricc.org) [phone](tel:+77272000000)',
        '[![logo](https://caricc.org/logo.png)](https://caricc.org/)',
        '```js\nconst a = "<script>";\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |',
        ...syntheticItems(20).map((i) => i.body),
      ];
      for (const markdown of plain) expect(finishedWithoutSanitizer(markdown), markdown).toBe(true);
      const sanitized = [
        'Raw <b>bold</b> inline HTML.',
        '<div>\n\nBlock HTML\n\n</div>',
        'A paragraph.\n\n<!-- a comment -->',
        '| left | right |\n|:-----|------:|\n| 1 | 2 |',
        '[ftp link](ftp://files.example.org/a.zip)',
        '![ftp image](ftp://files.example.org/a.png)',
        '[unparseable](https://[bad)',
        '&nbsp;\n\nAfter an empty paragraph.',
      ];
      for (const markdown of sanitized) expect(finishedWithoutSanitizer(markdown), markdown).toBe(false);
    },
  );

  it('keeps a paragraph that holds only a linked image (the sanitizer used to drop it as empty)', () => {
    expect(renderBody(snippets[4]!, ctx).html).toBe(
      '<p><a href="https://caricc.org/"><img src="https://caricc.org/logo.png" alt="logo" /></a></p>\n',
    );
    expect(
      renderBody('<p><a href="https://caricc.org/"><img src="https://caricc.org/logo.png" alt="logo"></a></p>', ctx)
        .html,
    ).toBe('<p><a href="https://caricc.org/"><img src="https://caricc.org/logo.png" alt="logo" /></a></p>');
    expect(
      renderBody('<p><a href="https://caricc.org/"><img src="ftp://x/a.png"></a><script>x</script></p>', ctx).html,
    ).toBe('');
  });

  it('links bare URLs with a scheme and bare e-mail addresses', () => {
    const links: Array<[string, string]> = [
      ['See https://caricc.org/en/ today.', 'https://caricc.org/en/'],
      ['Write to press@caricc.org.', 'mailto:press@caricc.org'],
      ['Or mailto:press@caricc.org', 'mailto:press@caricc.org'],
      ['Protocol-relative //caricc.org/x here', 'https://caricc.org/x'],
      ['Local: http://localhost:3000/path', 'http://localhost:3000/path'],
      ['Query: https://caricc.org/search?q=heroin&lang=ru#top.', 'https://caricc.org/search?q=heroin&amp;lang=ru#top'],
      [
        'Cyrillic: https://пример.рф/новости',
        'https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8',
      ],
      ['Parenthesised (https://caricc.org/a) and quoted "https://caricc.org/b"', 'https://caricc.org/a'],
      ['Two: https://caricc.org/1 and https://caricc.org/2', 'https://caricc.org/2'],
    ];
    for (const [text, href] of links) expect(renderBody(text, ctx).html, text).toContain(`<a href="${href}">`);
    for (const text of [
      'An IP 10.0.0.1 stays text.',
      'Sentences end. Then go on.',
      'Decimals 10.5 and e.g. abbreviations.',
    ]) {
      expect(renderBody(text, ctx).html, text).not.toContain('<a ');
    }
  });
});
