// `gazette build` as an operator runs it: sample and hostile content, every bad-content case, determinism.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gazette, repoRoot, snapshot } from './tree.ts';

const fixtures = path.join(repoRoot, 'tests/fixtures/content');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-build-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gazette build', { timeout: 120_000 }, () => {
  it('builds the sample content, and building again gives byte-identical files', async () => {
    const first = gazette('build', '--content', path.join(repoRoot, 'content'), '--out', path.join(dir, 'a/public'));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^built 8 items into \d+ files \(.+\) in .+: written, \d+ ms\n$/);
    const second = gazette('build', '--content', path.join(repoRoot, 'content'), '--out', path.join(dir, 'b/public'));
    expect(second.status).toBe(0);
    const a = await snapshot(path.join(dir, 'a/public'));
    expect(Object.keys(a)).toContain('index.html');
    expect(Object.keys(a)).toContain('news/caricc-director-meets-kazakhstan-interior-minister/index.html');
    expect(await snapshot(path.join(dir, 'b/public'))).toEqual(a);
    const again = gazette('build', '--content', path.join(repoRoot, 'content'), '--out', path.join(dir, 'a/public'));
    expect(again.stdout).toContain(': unchanged,');
    expect(await snapshot(path.join(dir, 'a/public'))).toEqual(a);
  });

  it('builds the hostile content deterministically and publishes the local image next to its item', async () => {
    const args = ['build', '--content', path.join(fixtures, 'hostile')];
    expect(gazette(...args, '--out', path.join(dir, 'h1/public')).status).toBe(0);
    expect(gazette(...args, '--out', path.join(dir, 'h2/public')).status).toBe(0);
    const tree = await snapshot(path.join(dir, 'h1/public'));
    expect(await snapshot(path.join(dir, 'h2/public'))).toEqual(tree);
    const png = await readFile(path.join(dir, 'h1/public/news/markup/images/map.png'));
    expect(png).toEqual(await readFile(path.join(fixtures, 'hostile/2021/images/map.png')));
  });

  it('exits non-zero with a one-line reason when the content folder is missing', () => {
    const run = gazette('build', '--content', path.join(dir, 'no-such-folder'), '--out', path.join(dir, 'x/public'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^gazette: cannot read content folder .*no-such-folder: ENOENT\n$/);
  });
});

// Each bad case: the message names the file (and the field or line), and the output built before is untouched.
const cases: [string, RegExp][] = [
  ['unknown-field', /2021-06-02-unknown\.md:4 \(field "colour"\): unknown field "colour"/],
  ['wrong-type', /2021-06-03-wrong-type\.md:4 \(field "tags"\): must be a list, got text "kazakhstan"/],
  ['impossible-date', /2021-02-30-impossible\.md:3 \(field "date"\): "2021-02-30" is not a real date/],
  ['missing-title', /2021-06-04-untitled\.md \(field "title"\): missing required field "title"/],
  ['missing-date', /2021-06-05-undated\.md \(field "date"\): missing required field "date"/],
  ['invalid-yaml', /2021-06-06-bad-yaml\.md:5: invalid YAML in front matter/],
  ['no-front-matter', /2021-06-07-plain\.md:1: no front matter/],
  ['empty-file', /2021-06-08-empty\.md: the file is empty/],
  ['not-utf8', /2021-06-09-latin1\.md:2: the file is not valid UTF-8 text/],
  [
    'duplicate-id',
    /2021-06-11-second\.md \(field "id"\): id "caricc-2021-0610" is also the id of 2021-06-10-first\.md/,
  ],
  [
    'duplicate-slug',
    // long-line: a regex for one whole error message
    /2021\/2021-06-12-annual-report\.md \(field "slug"\): slug "annual-report" is also the slug of 2020\/2020-06-12-annual-report\.md/,
  ],
];

describe('gazette build with bad content', { timeout: 60_000 }, () => {
  let out: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    out = path.join(dir, 'kept/public');
    expect(gazette('build', '--content', path.join(repoRoot, 'content'), '--out', out).status).toBe(0);
    before = await snapshot(out);
  });

  it.each(cases)('%s: fails, names the file, leaves the previous output as it was', async (name, message) => {
    const run = gazette('build', '--content', path.join(fixtures, 'bad', name), '--out', out);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^gazette: 1 content error:\n/);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await snapshot(out)).toEqual(before);
  });

  it('reports every error of a run together', async () => {
    const run = gazette('build', '--content', path.join(fixtures, 'bad/many'), '--out', out);
    expect(run.status).not.toBe(0);
    expect(run.stderr.split('\n')).toEqual([
      'gazette: 4 content errors:',
      '  2021-06-13-unknown.md:4 (field "author_name"): unknown field "author_name"',
      '  2021-06-14-bad-date.md:3 (field "date"): "2021-13-01" is not a real date or time',
      '  2021-06-15-empty.md: the file is empty',
      '  sub/2021-06-16-no-title.md (field "title"): missing required field "title"',
      '',
    ]);
    expect(await snapshot(out)).toEqual(before);
  });
});

describe('gazette build warnings', { timeout: 60_000 }, () => {
  it('warns, naming the file and the field, about a lead image without image_alt, and still builds', async () => {
    const content = path.join(dir, 'no-alt/content');
    await mkdir(path.join(content, 'news'), { recursive: true });
    await writeFile(
      path.join(content, 'news/2021-10-01-seizure.md'),
      '---\ntitle: Heroin seized\ndate: 2021-10-01\nimage: https://caricc.org/images/seizure.jpg\n---\n\nBody.\n',
    );
    const run = gazette('build', '--content', content, '--out', path.join(dir, 'no-alt/public'));
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      'gazette: warning: news/2021-10-01-seizure.md (field "image_alt"): the lead image has no image_alt: ' +
        'the digest and the site show it as decorative (alt=""), so a screen reader says nothing about it\n',
    );
  });
});
