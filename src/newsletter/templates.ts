// The digest's MJML templates: read once from the templates folder, rendered with eta before MJML compiles them.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GazetteError } from '../errors.ts';

/** Template sources by name without extension: `digest` (the layout) and its `digest-*` partials. */
export interface DigestTemplates {
  readonly templates: ReadonlyMap<string, string>;
}

/** The partials the layout includes; a templates folder without one of them is incomplete. */
export const DIGEST_TEMPLATE_NAMES = [
  'digest',
  'digest-masthead',
  'digest-intro',
  'digest-item',
  'digest-more',
  'digest-footer',
] as const;

/** Reads templates/digest.mjml and templates/digest-*.mjml once. The only I/O of composition. */
export async function loadDigestTemplates(dir: string): Promise<DigestTemplates> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => /^digest(-[a-z0-9-]+)?\.mjml$/.test(f)).sort();
  } catch (err) {
    throw new GazetteError(
      'TEMPLATES_MISSING',
      `cannot read digest templates in ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      { cause: err },
    );
  }
  const templates = new Map<string, string>();
  for (const file of names) templates.set(file.slice(0, -'.mjml'.length), await readFile(path.join(dir, file), 'utf8'));
  const missing = DIGEST_TEMPLATE_NAMES.filter((n) => !templates.has(n));
  if (missing.length > 0) {
    throw new GazetteError(
      'TEMPLATES_MISSING',
      `missing ${missing.length > 1 ? 'digest templates' : 'digest template'} in ${dir}: ` +
        `${missing.map((n) => `${n}.mjml`).join(', ')}`,
    );
  }
  return { templates };
}
