// Adapter for gray-matter: splits a Markdown file into its YAML front matter and body.
// YAML is parsed by src/adapters/yaml.ts (YAML 1.2: dates stay strings, duplicate keys fail).
import matter from 'gray-matter';
import { parseYaml } from './yaml.ts';

export { YamlSyntaxError } from './yaml.ts';

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
    yaml: { parse: (text: string) => parseYaml(text) as object },
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
