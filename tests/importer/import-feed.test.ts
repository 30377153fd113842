// `gazette import-feed`: RSS and Atom files become content files; a second run creates nothing; build accepts them.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent } from '../../src/content/index.ts';
import { importFeed } from '../../src/importer/index.ts';
import { gazette, repoRoot, snapshot } from '../build/tree.ts';

const fixtures = path.join(repoRoot, 'tests/fixtures/importer');
let dir: string;
let content: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-import-'));
  content = path.join(dir, 'content');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gazette import-feed', { timeout: 120_000 }, () => {
  it('imports an RSS and an Atom file, then skips every item on a second run', async () => {
    const rss = gazette('import-feed', path.join(fixtures, 'rss.xml'), '--out', content);
    expect(rss.status).toBe(0);
    expect(rss.stdout).toBe(
      `imported "Old CARICC site" into ${content}: 2 created, 0 skipped (already present), 1 skipped (no date)\n`,
    );
    expect(rss.stderr).toContain('skipped "Item without a date": the feed gives it no date');
    const atom = gazette('import-feed', path.join(fixtures, 'atom.xml'), '--out', content);
    expect(atom.stdout).toBe(
      `imported "Old CARICC Atom feed" into ${content}: 2 created, 0 skipped (already present)\n`,
    );
    const files = await snapshot(content);

    for (const feed of ['rss.xml', 'atom.xml']) {
      const again = gazette('import-feed', path.join(fixtures, feed), '--out', content);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/: 0 created, 2 skipped \(already present\)/);
    }
    expect(await snapshot(content)).toEqual(files);
    expect(Object.keys(files)).toEqual([
      '2021/2021-05-10-seminar-on-precursors-synthetic-drugs-in-dushanbe-2.md',
      '2021/2021-05-20-working-group-on-cybercrime-meets-in-almaty.md',
      '2021/2021-06-03-встреча-в-бишкеке.md',
      '2021/2021-06-14-seminar-on-precursors-synthetic-drugs-in-dushanbe.md',
    ]);
  });

  it('keeps ids, titles, dates, authors, tags and content, with links absolute against the old site', async () => {
    const config = await loadConfig(path.join(repoRoot, 'gazette.yaml'));
    const items = await loadContent(content, config, new Date('2030-01-01T00:00:00Z'));
    const byId = new Map(items.map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual([
      'caricc-old-101',
      'https://old.caricc.example/news/100',
      'tag:old.caricc.example,2009:entry-76',
      'tag:old.caricc.example,2009:entry-77',
    ]);

    const seminar = byId.get('caricc-old-101')!;
    expect(seminar.title).toBe('Seminar on precursors & <synthetic> drugs in Dushanbe');
    expect(seminar.published.toISOString()).toBe('2021-06-14T04:30:00.000Z');
    expect(seminar.author).toEqual({ name: 'Press Office' });
    expect(seminar.tags).toEqual(['tajikistan', 'training']);
    expect(seminar.contentHtml).toContain('<a href="https://old.caricc.example/about/">Dushanbe</a>');
    // The HTML stays HTML: no Markdown emphasis, and <pre> keeps its blank line.
    expect(seminar.contentHtml).toContain('Experts discussed *precursors* and _new_ substances.');
    expect(seminar.contentHtml).toContain('<pre>line one\n\nline three</pre>');

    const cyber = byId.get('tag:old.caricc.example,2009:entry-77')!;
    expect(cyber.tags).toEqual(['cybercrime']);
    expect(cyber.contentHtml).toContain('<p>The working group met &amp; agreed on a plan.</p>');
    expect(byId.get('https://old.caricc.example/news/100')!.title).toBe('Встреча в Бишкеке');
  });

  it('produces content that gazette build accepts', async () => {
    const run = gazette('build', '--content', content, '--out', path.join(dir, 'public'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^built 4 items/);
    expect(await readdir(path.join(dir, 'public/news'))).toHaveLength(4);
  });

  it('writes front matter with the title, the date in the site timezone and the feed id', async () => {
    const text = await readFile(
      path.join(content, '2021/2021-05-20-working-group-on-cybercrime-meets-in-almaty.md'),
      'utf8',
    );
    expect(text).toMatch(
      // long-line: a regex for the front matter's first lines, in order
      /^---\ntitle: "Working group on cybercrime meets in Almaty"\ndate: "2021-05-20T09:00:00\+06:00"\nid: "tag:old\.caricc\.example,2009:entry-77"\n/,
    );
  });

  it('skips an item whose id already exists anywhere in the content folder, whatever the file is called', async () => {
    const other = path.join(dir, 'other');
    await mkdir(path.join(other, 'archive/old'), { recursive: true });
    await writeFile(
      path.join(other, 'archive/old/renamed.md'),
      '---\ntitle: Renamed\ndate: 2021-06-14\nid: caricc-old-101\n---\nKept by hand.\n',
    );
    const config = await loadConfig(path.join(repoRoot, 'gazette.yaml'));
    const result = await importFeed({ source: path.join(fixtures, 'rss.xml'), contentDir: other, config });
    expect(result.created).toEqual(['2021/2021-06-03-встреча-в-бишкеке.md']);
    expect(result.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['caricc-old-101', 'exists'],
      ['caricc-old-099', 'no-date'],
    ]);
  });

  it('fails with a one-line reason for a file that is not a feed', () => {
    const run = gazette('import-feed', path.join(repoRoot, 'gazette.yaml'), '--out', content);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^gazette: .*gazette\.yaml is not an RSS or Atom feed/);
  });
});
