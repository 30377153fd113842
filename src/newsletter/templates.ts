// The digest's MJML templates and its text part: read once from the templates folders, rendered with eta
// (the MJML before MJML compiles it).
import { readFile } from 'node:fs/promises';
import { GazetteError } from '../errors.ts';
import { resolveTemplates } from '../template-files.ts';

/** Template sources by name without extension: `digest` (the layout) and its `digest-*` partials. */
export interface DigestTemplates {
  readonly templates: ReadonlyMap<string, string>;
  /** Where each template was read from, by name, for error messages; e.g. `templates/digest-intro.mjml`. */
  readonly files?: ReadonlyMap<string, string>;
  /** An override in templates_dir that replaces nothing, one line each. */
  readonly warnings?: readonly string[];
}

/** The layout, its partials and the text part: `digest.mjml`, `digest-*.mjml`, `digest.txt.eta`. */
const DIGEST_FILE = /^digest(-[a-z0-9-]+)?\.mjml$|^digest\.txt\.eta$/;

/** The partials the layout includes; a templates folder without one of them is incomplete. */
export const DIGEST_TEMPLATE_NAMES = [
  'digest',
  'digest-masthead',
  'digest-intro',
  'digest-item',
  'digest-more',
  'digest-footer',
  'digest.txt',
] as const;

/** The text part's template, `digest.txt.eta`. */
export const DIGEST_TEXT_TEMPLATE = 'digest.txt';

/** The file a template name is read from. */
export function digestTemplateFile(name: string): string {
  return name === DIGEST_TEXT_TEMPLATE ? `${name}.eta` : `${name}.mjml`;
}

/**
 * Reads templates/digest.mjml and templates/digest-*.mjml once, each from `override` (the newsroom's
 * templates_dir) when it has one of that name. The only I/O of composition.
 */
export async function loadDigestTemplates(dir: string, override?: string): Promise<DigestTemplates> {
  const templates = new Map<string, string>();
  const files = new Map<string, string>();
  let warnings: string[];
  try {
    const resolved = await resolveTemplates(dir, override, (name) => DIGEST_FILE.test(name));
    warnings = resolved.warnings;
    for (const [name, found] of resolved.files) {
      const key = name.replace(/\.(mjml|txt\.eta)$/, (ext) => (ext === '.mjml' ? '' : '.txt'));
      templates.set(key, await readFile(found.file, 'utf8'));
      files.set(key, found.display);
    }
  } catch (err) {
    throw new GazetteError(
      'TEMPLATES_MISSING',
      `cannot read digest templates in ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      { cause: err },
    );
  }
  const missing = DIGEST_TEMPLATE_NAMES.filter((n) => !templates.has(n));
  if (missing.length > 0) {
    throw new GazetteError(
      'TEMPLATES_MISSING',
      `missing ${missing.length > 1 ? 'digest templates' : 'digest template'} in ${dir}: ` +
        `${missing.map(digestTemplateFile).join(', ')}`,
    );
  }
  return { templates, files, warnings };
}
