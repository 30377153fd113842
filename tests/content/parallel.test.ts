// Parsing a large content folder on parser threads gives exactly what parsing it on one thread
// gives, items and errors alike, and leaves no thread running behind it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import {
  checkParsedFiles,
  filesThatMayReference,
  loadContent,
  parseContent,
  parseContentFolder,
  parseSourceFile,
  publishedAt,
  readContentFolder,
  localFilesOf,
} from '../../src/content/index.ts';
import { parseInThreads, parserThreadCounts, ParserThreadError } from '../../src/content/pool.ts';
import { prestartParserThreads } from '../../src/content/threads.ts';
import { ContentError, ContentErrors } from '../../src/errors.ts';

const root = path.resolve(import.meta.dirname, '../..');
const config = await loadConfig(path.join(root, 'gazette.yaml'));
const later = new Date('2030-01-01T00:00:00Z');
const work = mkdtempSync(path.join(tmpdir(), 'gazette-parallel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pad = (n: number): string => String(n).padStart(3, '0');

function goodItem(i: number): string {
  const day = 1 + (i % 28);
  const tags = i % 3 === 0 ? 'tags: [border, Казахстан]\n' : '';
  const extra = i % 7 === 0 ? `updated: 2021-06-${String(day).padStart(2, '0')}T12:00:00+06:00\n` : '';
  const draft = i % 50 === 0 ? 'draft: true\n' : '';
  const future =
    i % 61 === 0 ? 'date: 2099-01-01\n' : `date: 2021-06-${String(day).padStart(2, '0')}T0${i % 10}:30:00+06:00\n`;
  return (
    `---\ntitle: "Item ${i} & <friends>"\n${future}${extra}${tags}${draft}---\n` +
    `Paragraph of item ${i} with a [relative link](../about/) and **bold** text.\n\n` +
    `Second paragraph <script>alert(${i})</script> of item ${i}.\n`
  );
}

/**
 * A folder of `count` Markdown files in sub-folders, and an image one of them references; `bad` adds files with
 * errors.
 */
function writeFolder(name: string, count: number, bad: boolean): string {
  const dir = path.join(work, name);
  for (const sub of ['2020', '2021', '2021/images']) mkdirSync(path.join(dir, sub), { recursive: true });
  for (let i = 1; i <= count; i++)
    writeFileSync(path.join(dir, i % 2 === 0 ? '2020' : '2021', `2021-06-01-item-${pad(i)}.md`), goodItem(i));
  writeFileSync(path.join(dir, '2021/images/map.png'), Buffer.alloc(69));
  writeFileSync(
    path.join(dir, '2021/with-image.md'),
    '---\ntitle: With an image\ndate: 2021-06-02\nimage: images/map.png\nimage_alt: A map\n---\n' +
      'See ![the map](images/map.png).\n',
  );
  if (bad) {
    const files: Record<string, string | Buffer> = {
      '2021/bad-unknown.md': '---\ntitle: A\ndate: 2021-01-01\ncolour: red\n---\nx\n',
      '2021/bad-date.md': '---\ntitle: B\ndate: 2021-02-30\n---\nx\n',
      '2020/bad-yaml.md': '---\ntitle: [unclosed\ndate: 2021-01-01\n---\nx\n',
      '2020/bad-empty.md': '',
      '2020/bad-latin1.md': Buffer.from('---\ntitle: caf\xe9\ndate: 2021-01-01\n---\nx\n', 'latin1'),
      '2021/bad-types.md':
        '---\ntitle: [not, text]\ndate: 2021-01-01\nauthor:\n  name: C\n  email: not-an-email\n---\n',
      '2021/bad-nofm.md': 'just text\n',
      // the same id as an earlier path, and the same slug as another file
      '2021/zz-dup-id.md': '---\ntitle: Dup\ndate: 2021-01-01\nid: 2020/2021-06-01-item-002\n---\nx\n',
      '2021/zz-dup-slug.md': '---\ntitle: Dup slug\ndate: 2021-01-01\nslug: item-003\n---\nx\n',
    };
    for (const [rel, body] of Object.entries(files)) writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}

const good = writeFolder('good', 240, false);
const bad = writeFolder('bad', 240, true);

async function outcome(run: () => Promise<unknown>): Promise<{ items?: unknown; errors?: unknown[] }> {
  try {
    return { items: await run() };
  } catch (err) {
    expect(err).toBeInstanceOf(ContentErrors);
    for (const e of (err as ContentErrors).errors) expect(e).toBeInstanceOf(ContentError);
    return {
      errors: (err as ContentErrors).errors.map((e) => ({
        code: e.code,
        message: e.message,
        file: e.file,
        field: e.field,
        line: e.line,
        cause: (e.cause as Error | undefined)?.message,
      })),
    };
  }
}

describe('parsing on parser threads', () => {
  it('gives the same items, in the same order, as parsing on one thread', async () => {
    const before = parserThreadCounts().started;
    // the threads parse every file: the main thread alone would be done before they start
    const threaded = await loadContent(good, config, later, { threads: 2, mainThread: false });
    expect(parserThreadCounts().started).toBe(before + 2);
    expect(await loadContent(good, config, later, { threads: 1 })).toEqual(threaded);
    const single = await loadContent(good, config, later, { threads: 0 });
    const pure = parseContent(await readContentFolder(good), config, later);
    expect(threaded.length).toBeGreaterThan(200);
    expect(threaded).toEqual(single);
    expect(threaded).toEqual(pure);
    for (const item of threaded) expect(item.published).toBeInstanceOf(Date);
    const withImage = threaded.find((i) => i.sourcePath === '2021/with-image.md')!;
    expect(withImage.image).toEqual({
      url: 'https://caricc.org/news/with-image/images/map.png',
      alt: 'A map',
      type: 'image/png',
      length: 69,
    });
    expect(withImage.assets).toEqual([{ source: '2021/images/map.png', path: 'news/with-image/images/map.png' }]);
  });

  it('reports the same errors, every file named with its field and line, as parsing on one thread', async () => {
    const threaded = await outcome(() => loadContent(bad, config, later, { threads: 2, mainThread: false }));
    const single = await outcome(() => loadContent(bad, config, later, { threads: 0 }));
    const pure = await outcome(async () => parseContent(await readContentFolder(bad), config, later));
    expect(threaded).toEqual(single);
    expect(threaded).toEqual(pure);
    expect(threaded.errors!.map((e) => (e as { message: string }).message)).toEqual([
      '2020/bad-empty.md: the file is empty',
      '2020/bad-latin1.md:2: the file is not valid UTF-8 text',
      '2020/bad-yaml.md:3: invalid YAML in front matter: missed comma between flow collection entries',
      '2021/bad-date.md:3 (field "date"): "2021-02-30" is not a real date or time',
      '2021/bad-nofm.md:1: no front matter: the file must start with a "---" line, ' +
        'then YAML fields (title, date, …), then a "---" line',
      '2021/bad-types.md:2 (field "title"): must be text, got a list',
      '2021/bad-types.md:4 (field "author.email"): must be an email address',
      '2021/bad-unknown.md:4 (field "colour"): unknown field "colour"',
      '2021/zz-dup-id.md (field "id"): id "2020/2021-06-01-item-002" is also the id of 2020/2021-06-01-item-002.md',
      '2021/zz-dup-slug.md (field "slug"): slug "item-003" is also the slug of 2021/2021-06-01-item-003.md',
    ]);
    const latin1 = threaded.errors!.find((e) => (e as { code: string }).code === 'NOT_UTF8') as { cause?: string };
    expect(latin1.cause).toBeTruthy();
  });

  it('takes the threads a build started ahead, ready or not, and stops those no parse wants', async () => {
    const saved = process.env.GAZETTE_PARSER_THREADS;
    process.env.GAZETTE_PARSER_THREADS = '2';
    try {
      const single = await loadContent(good, config, later, { threads: 0 });
      const before = parserThreadCounts().started;
      // Taken while still loading the parser; they parse every file (mainThread false), none started besides.
      expect(prestartParserThreads(good)).toHaveLength(2);
      expect(await loadContent(good, config, later, { mainThread: false })).toEqual(single);
      expect(parserThreadCounts().started).toBe(before + 2);
      // Taken once ready: they said so before the parse listened.
      const ready = prestartParserThreads(good);
      await Promise.all(ready.map((t) => t.whenReady));
      expect(await loadContent(good, config, later, { mainThread: false })).toEqual(single);
      expect(parserThreadCounts().started).toBe(before + 4);
      // A parse that wants none stops them; a small folder is not worth any.
      expect(prestartParserThreads(good)).toHaveLength(2);
      await loadContent(good, config, later, { threads: 0 });
      expect(parserThreadCounts().live).toBe(0);
      expect(prestartParserThreads(path.join(root, 'content'))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.GAZETTE_PARSER_THREADS;
      else process.env.GAZETTE_PARSER_THREADS = saved;
    }
  });

  it('uses parser threads only from the threshold on', async () => {
    const before = parserThreadCounts().started;
    await loadContent(good, config, later, { threads: 1, threadThreshold: 1000 });
    expect(parserThreadCounts().started).toBe(before);
    await loadContent(good, config, later, { threads: 1 });
    expect(parserThreadCounts().started).toBe(before + 1);
  });

  it('leaves no parser thread running once the call is over, whether it succeeds or fails', async () => {
    const seen: { threadId: number; exited: boolean }[] = [];
    const watch = {
      onThread: (w: import('node:worker_threads').Worker) => {
        const entry = { threadId: w.threadId, exited: false };
        seen.push(entry);
        w.once('exit', () => (entry.exited = true));
      },
    };
    const { files, localFiles } = await parseContentFolder(good, config, { threads: 0 });
    const paths = files.map((f) => f.path);
    expect(
      await parseInThreads(good, paths, config, localFiles, { threads: 2, chunkSize: 16, mainThread: false, ...watch }),
    ).toEqual(files);
    await expect(outcome(async () => loadContent(bad, config, later, { threads: 2 }))).resolves.toHaveProperty(
      'errors',
    );
    await parseInThreads(good, [...paths, 'missing.md'], config, localFiles, {
      threads: 2,
      chunkSize: 16,
      mainThread: false,
      ...watch,
    }).then(
      () => expect.unreachable(),
      (err: NodeJS.ErrnoException) => expect(err.code).toBe('ENOENT'),
    );
    expect(seen).toHaveLength(4);
    for (const s of seen) expect(s.exited).toBe(true);
    expect(parserThreadCounts().live).toBe(0);
  });

  it('turns a parser thread that crashes or throws into a clear error', async () => {
    const { files, localFiles } = await parseContentFolder(good, config, { threads: 0 });
    const paths = files.map((f) => f.path);
    for (const [entry, pattern] of [
      ['crashing-parser.mjs', /content parser thread stopped \(exit code 3\) before it finished/],
      ['throwing-parser.mjs', /content parser thread failed: parser thread broke/],
    ] as const) {
      const error = await parseInThreads(good, paths, config, localFiles, {
        threads: 1,
        chunkSize: 1,
        mainThread: false,
        entry: new URL(`./fixtures/${entry}`, import.meta.url),
      }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ParserThreadError);
      expect((error as Error).message).toMatch(pattern);
    }
    expect(parserThreadCounts().live).toBe(0);
  });
});

describe('without the bodies', () => {
  it('gives the same items, but for the rendered body and the derived summary, and the same errors', async () => {
    const files = await readContentFolder(good);
    const full = parseContent(files, config, later);
    const light = parseContent(files, config, later, { bodies: false });
    expect(light.length).toBeGreaterThan(200);
    const withoutBody = ({ contentHtml: _html, summary: _summary, assets, ...rest }: (typeof full)[number]) => ({
      ...rest,
      assets: assets?.filter((a) => rest.image?.url.endsWith(a.path)),
    });
    expect(light.map(withoutBody)).toEqual(full.map(withoutBody));
    for (const item of light) expect(item.contentHtml).toBe('');
    expect(
      full.filter((i) => i.sourcePath.includes('-item-')).every((i) => i.contentHtml.includes('<strong>bold</strong>')),
    ).toBe(true);
    const withImage = light.find((i) => i.sourcePath === '2021/with-image.md')!;
    expect(withImage.assets).toEqual([{ source: '2021/images/map.png', path: 'news/with-image/images/map.png' }]);
    const badFiles = await readContentFolder(bad);
    expect(await outcome(async () => parseContent(badFiles, config, later, { bodies: false }))).toEqual(
      await outcome(async () => parseContent(badFiles, config, later)),
    );
  });
});

describe('one file at a time', () => {
  it('re-parsing one changed file and checking all again gives what parsing the whole folder gives', async () => {
    const files = await readContentFolder(good);
    const localFiles = localFilesOf(files);
    const state = new Map(
      files.filter((f) => f.path.endsWith('.md')).map((f) => [f.path, parseSourceFile(f, config, localFiles)]),
    );
    const changed = {
      path: '2021/2021-06-01-item-001.md',
      bytes: new TextEncoder().encode('---\ntitle: Changed\ndate: 2021-06-03\nslug: item-004\n---\nNew.\n'),
    };
    state.set(changed.path, parseSourceFile(changed, config, localFiles));
    const edited = files.map((f) => (f.path === changed.path ? changed : f));
    const errors = (run: () => unknown): string[] => {
      try {
        run();
        return [];
      } catch (err) {
        return (err as ContentErrors).errors.map((e) => e.message);
      }
    };
    // item-004 now has two files: the later path is the one reported
    expect(errors(() => checkParsedFiles(state.values()))).toEqual([
      '2021/2021-06-01-item-001.md (field "slug"): slug "item-004" is also the slug of 2020/2021-06-01-item-004.md',
    ]);
    expect(errors(() => checkParsedFiles(state.values()))).toEqual(errors(() => parseContent(edited, config, later)));
    const fixed = { ...changed, bytes: new TextEncoder().encode('---\ntitle: Changed\ndate: 2021-06-03\n---\nNew.\n') };
    state.set(fixed.path, parseSourceFile(fixed, config, localFiles));
    expect(publishedAt(checkParsedFiles(state.values()), later)).toEqual(
      parseContent(
        files.map((f) => (f.path === fixed.path ? fixed : f)),
        config,
        later,
      ),
    );
  });
});

describe('assets and the items that may reference them', () => {
  it('names the Markdown files in the folders that hold the asset', () => {
    const markdown = ['top.md', '2021/a.md', '2021/images/b.md', '2020/c.md', '2021x/d.md'];
    expect(filesThatMayReference('2021/images/map.png', markdown)).toEqual(['top.md', '2021/a.md', '2021/images/b.md']);
    expect(filesThatMayReference('logo.png', markdown)).toEqual(['top.md']);
  });

  it('re-parsing those files after an asset changes gives what parsing the whole folder gives', async () => {
    const files = await readContentFolder(good);
    const markdown = files.filter((f) => f.path.endsWith('.md'));
    const state = new Map(markdown.map((f) => [f.path, parseSourceFile(f, config, localFilesOf(files))]));
    const resized = files.map((f) => (f.path === '2021/images/map.png' ? { ...f, size: 1234 } : f));
    const localFiles = localFilesOf(resized);
    const again = filesThatMayReference('2021/images/map.png', state.keys());
    expect(again).toContain('2021/with-image.md');
    expect(again.length).toBeLessThan(state.size);
    for (const p of again) state.set(p, parseSourceFile(markdown.find((f) => f.path === p)!, config, localFiles));
    const items = publishedAt(checkParsedFiles(state.values()), later);
    expect(items).toEqual(parseContent(resized, config, later));
    expect(items.find((i) => i.sourcePath === '2021/with-image.md')!.image!.length).toBe(1234);
  });
});
