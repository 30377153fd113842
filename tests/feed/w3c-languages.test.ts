// The W3C Feed Validator, strict, over every RSS and Atom document of a newsroom in two languages: the Russian
// feeds under /ru/ (with their hreflang alternates) as much as the English ones; and `npm run validate-feeds`, as
// an operator runs it over that build, passes.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { buildNewsroom, copyNewsroom, FIXTURE, filesUnder, SITE } from '../build/newsroom-i18n.ts';
import { repoRoot } from '../build/tree.ts';
import { w3cFeedProblems } from '../helpers/feed-validate.ts';

const FEED_DOCUMENT = /^(ru\/)?((tags\/[^/]+\/)?(feed|atom)\.xml|feeds\/(rss|atom)-\d+\.xml)$/;

let dir: string;
let out: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-w3c-languages-'));
  out = path.join(dir, 'public');
  buildNewsroom(FIXTURE, out);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the feeds of a newsroom in two languages', { timeout: 180_000 }, () => {
  it('pass the W3C Feed Validator, the Russian ones under /ru/ too', async () => {
    const paths = (await filesUnder(out)).filter((p) => FEED_DOCUMENT.test(p));
    expect(paths).toEqual(expect.arrayContaining(['ru/feed.xml', 'ru/atom.xml', 'ru/tags/kazakhstan/atom.xml']));
    const problems: string[] = [];
    for (const p of paths) {
      const url = SITE + p.split('/').map(encodeURIComponent).join('/');
      const text = await readFile(path.join(out, p), 'utf8');
      problems.push(...w3cFeedProblems({ name: p, text }, url).map((line) => `${p}: ${line}`));
    }
    expect(problems).toEqual([]);
    expect(await readFile(path.join(out, 'ru/atom.xml'), 'utf8')).toContain('hreflang="en"');
  });

  it("keep each language's history in its own RFC 5005 archive pages, valid too", async () => {
    const newsroom = await copyNewsroom(path.join(dir, 'short-feeds'));
    const yaml = await readFile(path.join(newsroom, 'gazette.yaml'), 'utf8');
    await writeFile(path.join(newsroom, 'gazette.yaml'), `${yaml}\nfeeds:\n  limit: 1\n  archive_page_size: 10\n`);
    // twenty older items in each language: with the four of each, two full archive pages per language (a lone
    // archive page links to no other, which the validator calls incomplete)
    for (let n = 1; n <= 20; n++) {
      const day = String(n).padStart(2, '0');
      const front = (lang: string, title: string) =>
        `---\ntitle: ${title} ${day}\ndate: 2026-11-${day}T09:00:00+05:00\n${lang}tags: [meetings]\n---\n\n${title}.\n`;
      await writeFile(path.join(newsroom, `content/en/2026-11-${day}-briefing-${day}.md`), front('', 'Briefing'));
      await writeFile(
        path.join(newsroom, `content/ru/2026-11-${day}-brifing-${day}.md`),
        front('lang: ru\n', 'Брифинг'),
      );
    }
    const built = path.join(newsroom, 'public');
    buildNewsroom(newsroom, built);
    const archives = (await filesUnder(built)).filter((p) => /^(ru\/)?feeds\/(rss|atom)-\d+\.xml$/.test(p));
    expect(archives).toEqual(
      ['atom-1', 'atom-2', 'rss-1', 'rss-2']
        .flatMap((n) => [`feeds/${n}.xml`])
        .concat(['atom-1', 'atom-2', 'rss-1', 'rss-2'].map((n) => `ru/feeds/${n}.xml`)),
    );
    const ruArchive = await readFile(path.join(built, 'ru/feeds/atom-1.xml'), 'utf8');
    expect(ruArchive).toContain(
      '<link rel="current" type="application/atom+xml" href="https://caricc.example/ru/atom.xml"/>',
    );
    expect(ruArchive).toContain('<title type="text">Брифинг 01</title>');
    expect(ruArchive).not.toContain('Briefing');
    const problems: string[] = [];
    for (const p of archives) {
      const text = await readFile(path.join(built, p), 'utf8');
      problems.push(...w3cFeedProblems({ name: p, text }, SITE + p).map((line) => `${p}: ${line}`));
    }
    expect(problems).toEqual([]);
  });

  it('pass npm run validate-feeds', () => {
    const run = spawnSync('npm', ['run', '--silent', 'validate-feeds', '--', out], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, GAZETTE_CONFIG: path.join(FIXTURE, 'gazette.yaml') },
      timeout: 170_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('ru/feed.xml: valid at https://caricc.example/ru/feed.xml');
    expect(run.stdout).toContain('ru/tags/kazakhstan/atom.xml: valid at');
    expect(run.stdout).toMatch(/\n30 feed documents, 0 with problems\n$/);
    expect(run.status).toBe(0);
  });
});
