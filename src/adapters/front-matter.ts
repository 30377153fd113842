// Adapter for gray-matter: splits a Markdown file into its YAML front matter and body.
// YAML is parsed by src/adapters/yaml.ts (YAML 1.2: dates stay strings, duplicate keys fail).
import matter from 'gray-matter';
import { parseYaml, YamlSyntaxError } from './yaml.ts';

export { YamlSyntaxError } from './yaml.ts';

/** parseYaml, with the line number filled in from the parser's offset when it gave none. */
function parseYamlWithLine(text: string): object {
  try {
    return parseYaml(text) as object;
  } catch (err) {
    const pos = (err as { cause?: { pos?: unknown } }).cause?.pos;
    if (err instanceof YamlSyntaxError && err.line === undefined && Array.isArray(pos) && typeof pos[0] === 'number') {
      throw new YamlSyntaxError(err.message, text.slice(0, pos[0]).split('\n').length, { cause: err.cause });
    }
    throw err;
  }
}

/** Front matter in another language than YAML (gray-matter would evaluate `---js` blocks). */
export class FrontMatterLanguageError extends Error {}

function refuse(language: string): { parse: () => never } {
  return {
    parse: () => {
      throw new FrontMatterLanguageError(`front matter must be YAML, not ${language}`);
    },
  };
}

const options = {
  language: 'yaml',
  engines: {
    yaml: { parse: parseYamlWithLine },
    json: refuse('JSON'),
    js: refuse('JavaScript'),
    javascript: refuse('JavaScript'),
  },
};

export interface FrontMatterParts {
  /** The parsed YAML value (not necessarily a mapping). */
  data: unknown;
  /** The Markdown after the closing delimiter. */
  body: string;
}

/**
 * Splits `text` (which must open with a `---` line) into front matter and body.
 * YAML line numbers in thrown YamlSyntaxErrors equal line numbers in `text`,
 * because the parsed block starts right after the opening `---` on line 1.
 */
export function parseFrontMatter(text: string): FrontMatterParts {
  // Passing options also turns off gray-matter's global cache, which would leak between files.
  const file = matter(text, options);
  return { data: file.data, body: file.content };
}
