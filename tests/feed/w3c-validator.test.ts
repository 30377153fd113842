// Every RSS and Atom document `gazette build` writes passes the W3C Feed Validator with no error and no
// warning (--strict; DuplicateUpdated aside, see the helper), each checked at the URL it is served at so
// that rel="self" is compared for real: the sample newsroom, and a hostile newsroom whose 35 items fill
// three RFC 5005 archive pages. CI installs the validator's Python modules (scripts/install-system-deps.sh):
// without them these tests fail, they do not skip.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gazette, repoRoot } from '../build/tree.ts';
import { readAtomWithFeedsmith, readRssWithFeedsmith } from '../helpers/feed-parse.ts';
import { w3cFeedProblems, xmllintErrors } from '../helpers/feed-validate.ts';

const SITE = 'https://caricc.org/';
const HOSTILE = path.join(repoRoot, 'tests/fixtures/feed-validator');
/** Every feed document gazette writes in XML: subscription feeds, tag feeds and archive pages. */
const FEED_DOCUMENT = /^((tags\/[^/]+\/)?(feed|atom)\.xml|feeds\/(rss|atom)-\d+\.xml)$/;

interface FeedFile {
  path: string;
  url: string;
  text: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-w3c-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function build(name: string, ...args: string[]): Promise<FeedFile[]> {
  const out = path.join(dir, name, 'public');
  const run = gazette('build', ...args, '--out', out);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const entries = await readdir(out, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => FEED_DOCUMENT.test(p))
    .sort();
  return Promise.all(
    paths.map(async (p) => ({
      path: p,
      url: SITE + p.split('/').map(encodeURIComponent).join('/'),
      text: await readFile(path.join(out, p), 'utf8'),
    })),
  );
}

function expectValid(files: FeedFile[]): void {
  const problems = files.flatMap((f) =>
    w3cFeedProblems({ name: f.path, text: f.text }, f.url).map((p) => `${f.path}: ${p}`),
  );
  expect(problems).toEqual([]);
}

describe('the W3C Feed Validator, strict', { timeout: 120_000 }, () => {
  it('finds nothing in any feed of the sample content', async () => {
    const files = await build('sample', '--content', path.join(repoRoot, 'content'));
    const names = files.map((f) => f.path);
    expect(names).toContain('feed.xml');
    expect(names).toContain('atom.xml');
    expect(names.filter((n) => n.startsWith('tags/')).length).toBeGreaterThan(10);
    expectValid(files);
  });

  describe('a hostile newsroom', () => {
    let files: FeedFile[];
    beforeAll(async () => {
      files = await build(
        'hostile',
        '--config',
        path.join(HOSTILE, 'gazette.yaml'),
        '--content',
        path.join(HOSTILE, 'content'),
      );
    });
    const text = (name: string): string => files.find((f) => f.path === name)!.text;

    it('has archive pages, tag feeds with markup, Cyrillic and emoji in their names, and all pass', () => {
      const names = files.map((f) => f.path);
      for (const n of [1, 2, 3]) {
        expect(names).toContain(`feeds/rss-${n}.xml`);
        expect(names).toContain(`feeds/atom-${n}.xml`);
      }
      expect(names).not.toContain('feeds/rss-4.xml');
      expect(names.filter((n) => n.startsWith('tags/')).length).toBeGreaterThan(15);
      expectValid(files);
    });

    it('reads back with the markup-like text, scripts and emoji of its titles as plain text', () => {
      const all = files.flatMap((f) =>
        (f.path.includes('rss') || f.path.endsWith('feed.xml') ? readRssWithFeedsmith : readAtomWithFeedsmith)(
          f.text,
        ).items.map((i) => i.title),
      );
      for (const title of [
        'Why <b> tags, &amp; entities, AT&T and a < b show up in titles',
        'A ]]> in the title ]]> twice, and ]]]]> nested',
        'Маводи мухаддир: ҳамкорӣ, рӯйхат, ғалла, қонун, ҷиноят — Тоҷикистон',
        'Oʻzbekiston: gʻalaba, oʻquv kursi va hamkorlik',
        'Ўзбекистон: ҳамкорлик, қонун, ғалаба — ўқув курси',
        'Emoji in a title 🚨🌍🇰🇿👩🏽‍💻 and after',
      ])
        expect(all, title).toContain(title);
      expect(readRssWithFeedsmith(text('feed.xml')).title).toBe('CARICC & Partners <News> ]]> AT&T');
      expect(readAtomWithFeedsmith(text('atom.xml')).title).toBe('CARICC & Partners <News> ]]> AT&T');
    });

    it('drops the control characters of a title, so the documents stay XML', () => {
      expect(xmllintErrors(files.map((f) => ({ name: f.path, text: f.text })))).toEqual([]);
      const titles = files.flatMap((f) =>
        (f.path.includes('rss') || f.path.endsWith('feed.xml') ? readRssWithFeedsmith : readAtomWithFeedsmith)(
          f.text,
        ).items.map((i) => i.title ?? ''),
      );
      expect(titles).toContain('Control characters in a title and C1');
      for (const file of files)
        expect(file.text, file.path).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
    });
  });
});
