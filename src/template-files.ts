// Which file each template comes from: the newsroom's templates_dir when it has one of that name, else the
// package's templates/. One resolution for the site, the digest and its text part.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** One template file as found: `name` is its path inside the templates folder, with forward slashes. */
export interface TemplateFile {
  name: string;
  /** Absolute path of the file read. */
  file: string;
  /** Where to say it is in a message: relative to the folder gazette runs in when inside it. */
  display: string;
}

/** The files of a templates folder and the newsroom's overrides, by name. */
export interface ResolvedTemplates {
  files: ReadonlyMap<string, TemplateFile>;
  /** One line each: an override whose name is none of the built-in templates'. */
  warnings: string[];
}

/** Files under `dir`, recursively, as sorted forward-slash paths; none when `dir` does not exist. */
export async function listTemplateFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '') return [];
    throw err;
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // the operators' dashboard has its own templates, not overridable here
    if (entry.isDirectory() && !(prefix === '' && entry.name === 'admin'))
      files.push(...(await listTemplateFiles(dir, `${prefix}${entry.name}/`)));
    else if (entry.isFile()) files.push(`${prefix}${entry.name}`);
  }
  return files;
}

/** How a path is named in messages: relative to the working folder when inside it, else absolute. */
export function displayTemplatePath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/**
 * The templates whose name `accept`s, each from `override` when it has the file, else from `builtin`.
 * An override no built-in template has the name of is still used (a partial of the newsroom's own), and warned of.
 */
export async function resolveTemplates(
  builtin: string,
  override: string | undefined,
  accept: (name: string) => boolean = () => true,
): Promise<ResolvedTemplates> {
  // the package's own folder must be there; the listing below takes a missing folder for an empty one
  await readdir(builtin);
  const builtinNames = await listTemplateFiles(builtin);
  const known = new Set(builtinNames);
  const chosen = new Map<string, string>(builtinNames.map((n) => [n, path.join(builtin, ...n.split('/'))]));
  const warnings: string[] = [];
  if (override !== undefined) {
    for (const name of await listTemplateFiles(override)) {
      if (!known.has(name)) {
        warnings.push(
          `templates_dir: ${displayTemplatePath(path.join(override, name))} is not one of gazette's templates ` +
            `(${name} overrides nothing)`,
        );
      }
      chosen.set(name, path.join(override, ...name.split('/')));
    }
  }
  const files = new Map<string, TemplateFile>();
  for (const name of [...chosen.keys()].sort()) {
    if (!accept(name)) continue;
    const file = chosen.get(name)!;
    files.set(name, { name, file, display: displayTemplatePath(file) });
  }
  return { files, warnings };
}
