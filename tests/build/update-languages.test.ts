// An update in place of a site in two languages gives what a full build gives: a translation added to a Russian
// item reaches the English page it translates (its hreflang alternate) without a full build.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBuild, updateBuild, type BuildOptions } from '../../src/build/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { copyNewsroom } from './newsroom-i18n.ts';
import { repoRoot, snapshot } from './tree.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-update-languages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('updating a site in two languages in place', () => {
  it('gives the files of a full build when a Russian item becomes a translation', async () => {
    const newsroom = await copyNewsroom(path.join(dir, 'newsroom'));
    const options: BuildOptions = {
      config: await loadConfig(path.join(newsroom, 'gazette.yaml')),
      contentDir: path.join(newsroom, 'content'),
      outDir: path.join(dir, 'public'),
      buildsDir: path.join(dir, 'builds'),
      templatesDir: path.join(repoRoot, 'templates'),
      now: new Date('2030-01-01T00:00:00Z'),
    };
    const { state } = await fullBuild(options);
    const englishPage = path.join(dir, 'public/news/analysts-trained-in-bishkek/index.html');
    expect(await readFile(englishPage, 'utf8')).not.toContain('hreflang="ru" href=');

    const changed = 'ru/2026-11-24-analitiki-v-bishkeke.md';
    const file = path.join(newsroom, 'content', changed);
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('lang: ru\n', 'lang: ru\ntranslation_of: en/2026-11-24-analysts-trained-in-bishkek\n'),
    );
    const update = await updateBuild(state, [changed], options, 1);
    expect(update?.result.updated?.written).toBeGreaterThan(0);
    expect(await readFile(englishPage, 'utf8')).toContain(
      '<link rel="alternate" hreflang="ru" href="https://caricc.example/ru/news/analitiki-v-bishkeke/">',
    );
    expect(await readFile(path.join(dir, 'public/ru/atom.xml'), 'utf8')).toContain(
      'hreflang="en" href="https://caricc.example/news/analysts-trained-in-bishkek/"',
    );
    await fullBuild({ ...options, outDir: path.join(dir, 'fresh'), buildsDir: path.join(dir, 'fresh-builds') });
    expect(await snapshot(path.join(dir, 'public'))).toEqual(await snapshot(path.join(dir, 'fresh')));
  });
});
