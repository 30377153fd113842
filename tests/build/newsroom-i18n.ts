// Test helpers: the two-language test newsroom (tests/fixtures/newsroom-i18n) built with `gazette build`, and the
// same newsroom in English only (no site.languages, no languages:, no Russian items, no translation_of).
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { gazette, repoRoot } from './tree.ts';

export const FIXTURE = path.join(repoRoot, 'tests/fixtures/newsroom-i18n');
export const SITE = 'https://caricc.example/';

/** Builds the newsroom whose gazette.yaml and content/ are in `dir` into `out`; the build must succeed. */
export function buildNewsroom(dir: string, out: string): void {
  const run = gazette(
    'build',
    '--config',
    path.join(dir, 'gazette.yaml'),
    '--content',
    path.join(dir, 'content'),
    '--out',
    out,
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}

/** A copy of the test newsroom in `dir`, to spoil for an error case. */
export async function copyNewsroom(dir: string): Promise<string> {
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

/** The English-only newsroom made from the fixture, in `dir`. */
export async function englishOnlyNewsroom(dir: string): Promise<string> {
  const yaml = (await readFile(path.join(FIXTURE, 'gazette.yaml'), 'utf8'))
    .replace('  languages: [en, ru]\n', '  language: en\n')
    .replace(/\nlanguages:\n(?: {2}.*\n)+/, '\n')
    .replace(/name: \{ en: ([^,]+), ru: [^}]+\}/g, 'name: { en: $1 }');
  expect(yaml).not.toContain('ru');
  await mkdir(path.join(dir, 'content/en'), { recursive: true });
  await writeFile(path.join(dir, 'gazette.yaml'), yaml);
  for (const name of await readdir(path.join(FIXTURE, 'content/en'))) {
    const text = await readFile(path.join(FIXTURE, 'content/en', name), 'utf8');
    await writeFile(path.join(dir, 'content/en', name), text.replace(/^translation_of:.*\n/m, ''));
  }
  return dir;
}

/** Every file under `dir`, relative, forward slashes, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
