// Incremental builds: after a change, updating the live build in place must give exactly the files
// a full build of the same content gives, touching only the files the change reaches.
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullBuild, updateBuild, type BuildOptions, type SiteState } from '../../src/build/index.ts';
import { ContentErrors } from '../../src/errors.ts';
import { feedTestConfig, REPO_ROOT } from '../helpers/feed-items.ts';
import { snapshot } from './tree.ts';

const NOW = new Date('2030-01-01T00:00:00Z');
const TAGS = ['UNODC', 'Наркотики', 'Operations', 'Afghanistan', 'Training'];

function itemFile(n: number, overrides: { title?: string; date?: string; tags?: string[] } = {}): string {
  const day = String((n % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(n / 28) % 12) + 1).padStart(2, '0');
  const year = 2015 + Math.floor(n / 336);
  const tags = overrides.tags ?? [TAGS[n % TAGS.length]!, TAGS[(n * 3 + 1) % TAGS.length]!];
  return [
    '---',
    `title: ${JSON.stringify(overrides.title ?? `Item ${n}: operation & seizure`)}`,
    `date: ${overrides.date ?? `${year}-${month}-${day}T${String(n % 24).padStart(2, '0')}:00:00Z`}`,
    `tags: ${JSON.stringify(tags)}`,
    '---',
    '',
    `Body of item ${n} with a [link](https://example.org/${n}) and **bold** text.`,
    '',
  ].join('\n');
}

let dir: string;
let content: string;
let options: BuildOptions;
let state: SiteState;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-update-'));
  content = path.join(dir, 'content');
  await mkdir(path.join(content, 'news'), { recursive: true });
  for (let n = 0; n < 260; n++) await writeFile(path.join(content, 'news', `item-${n}.md`), itemFile(n));
  options = {
    config: await feedTestConfig({ limit: 10, archivePageSize: 20 }),
    contentDir: content,
    outDir: path.join(dir, 'public'),
    templatesDir: path.join(REPO_ROOT, 'templates'),
    now: NOW,
  };
  state = (await fullBuild(options)).state;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The files a full build of the content folder as it is now gives. */
async function fresh(): Promise<Record<string, string>> {
  const out = path.join(dir, `fresh-${Math.random().toString(36).slice(2)}`);
  await fullBuild({ ...options, outDir: out });
  return snapshot(out);
}

async function update(changed: string[], maxShare?: number) {
  const done = await updateBuild(state, changed, options, maxShare);
  expect(done).toBeDefined();
  state = done!.state;
  return done!.result;
}

describe('updateBuild', () => {
  it('rewrites only the files an edited title reaches, and ends where a full build ends', async () => {
    const before = await snapshot(options.outDir);
    await writeFile(path.join(content, 'news/item-259.md'), itemFile(259, { title: 'A new title' }));
    const result = await update(['news/item-259.md']);
    const after = await snapshot(options.outDir);
    expect(after).toEqual(await fresh());
    const changed = Object.keys(after).filter((p) => after[p] !== before[p]);
    expect(result.updated?.written).toBe(changed.length);
    expect(changed).toContain('feed.xml');
    expect(changed).toContain('news/item-259/index.html');
    // Other items' pages, and archive pages the item is not on, are left alone.
    expect(changed).not.toContain('news/item-0/index.html');
    expect(changed.filter((p) => p.startsWith('feeds/'))).toEqual([]);
    expect(changed.length).toBeLessThan(30);
    expect(await readFile(path.join(options.outDir, 'feed.xml'), 'utf8')).toContain('A new title');
  });

  it('ends where a full build ends after items are added, deleted, re-dated and re-tagged', async () => {
    await writeFile(path.join(content, 'news/item-new.md'), itemFile(300, { title: 'Brand new' }));
    await unlink(path.join(content, 'news/item-100.md'));
    await writeFile(path.join(content, 'news/item-5.md'), itemFile(5, { date: '2029-06-01' }));
    await writeFile(path.join(content, 'news/item-7.md'), itemFile(7, { tags: ['A tag of its own'] }));
    // A new newest item moves every other item down a page: allowed to change every file here.
    const result = await update(['news/item-new.md', 'news/item-100.md', 'news/item-5.md', 'news/item-7.md'], 1);
    expect(result.updated?.removed).toBeGreaterThan(0);
    const after = await snapshot(options.outDir);
    expect(after).toEqual(await fresh());
    expect(after['news/item-100/index.html']).toBeUndefined();
    expect(after['tags/a-tag-of-its-own/feed.xml']).toBeDefined();
  });

  it('publishes an item whose date has come with no file changed', async () => {
    await writeFile(
      path.join(content, 'news/item-later.md'),
      itemFile(301, { title: 'Scheduled', date: '2030-06-01' }),
    );
    await update(['news/item-later.md']);
    expect(await readFile(path.join(options.outDir, 'feed.xml'), 'utf8')).not.toContain('Scheduled');
    options = { ...options, now: new Date('2030-06-02T00:00:00Z') };
    await update([]);
    expect(await readFile(path.join(options.outDir, 'feed.xml'), 'utf8')).toContain('Scheduled');
    expect(await snapshot(options.outDir)).toEqual(await fresh());
  });

  it('leaves the output alone on bad content, and keeps failing until the file is fixed', async () => {
    const before = await snapshot(options.outDir);
    await writeFile(path.join(content, 'news/item-3.md'), '---\ntitle: Broken\ndate: 2021-02-30\n---\nBody\n');
    const error = await updateBuild(state, ['news/item-3.md'], options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentErrors);
    expect((error as ContentErrors).errors[0]).toMatchObject({ file: 'news/item-3.md', field: 'date' });
    expect(await snapshot(options.outDir)).toEqual(before);
    // Another file changes: the broken one still fails the build.
    await writeFile(path.join(content, 'news/item-4.md'), itemFile(4, { title: 'Edited' }));
    await expect(updateBuild(state, ['news/item-4.md'], options)).rejects.toBeInstanceOf(ContentErrors);
    await writeFile(path.join(content, 'news/item-3.md'), itemFile(3));
    await update(['news/item-3.md']);
    expect(await snapshot(options.outDir)).toEqual(await fresh());
  });

  it(
    'gives a full build back the content it names ' + 'even when the live folder of that name was updated in place',
    async () => {
      const first = await snapshot(options.outDir);
      const original = await readFile(path.join(content, 'news/item-259.md'), 'utf8');
      await writeFile(path.join(content, 'news/item-259.md'), itemFile(259, { title: 'Edited in place' }));
      await update(['news/item-259.md']);
      // The edit is undone, and a full build follows (as after a template change): its content is
      // the first build's, whose name the live folder bears while holding the edit.
      await writeFile(path.join(content, 'news/item-259.md'), original);
      const full = await fullBuild({ ...options, liveContent: state.live.id });
      expect(full.result.unchanged).toBe(false);
      expect(await snapshot(options.outDir)).toEqual(first);
      expect(full.result.buildDir).not.toBe(state.live.buildDir);
    },
  );

  it('asks for a full build when a file other than Markdown changed or most files would change', async () => {
    expect(await updateBuild(state, ['news/photo.jpg'], options)).toBeUndefined();
    // Every item re-dated by a year: every page and feed document changes.
    for (let n = 0; n < 260; n++)
      await writeFile(path.join(content, 'news', `item-${n}.md`), itemFile(n, { title: `Renamed ${n}` }));
    const all = Array.from({ length: 260 }, (_, n) => `news/item-${n}.md`);
    expect(await updateBuild(state, all, options)).toBeUndefined();
  });
});
