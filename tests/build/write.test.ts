// The atomic writer: whole builds swapped in by one rename, failures leave the old output alone.
import { lstat, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOutputAtomically, writeSpecsAtomically } from '../../src/build/write.ts';
import { GazetteError } from '../../src/errors.ts';
import type { OutputFile } from '../../src/output.ts';
import { snapshot } from './tree.ts';

let dir: string;
let out: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-write-'));
  out = path.join(dir, 'public');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const site = (version: string): OutputFile[] => [
  { path: 'index.html', body: `<h1>${version}</h1>` },
  { path: 'feed.xml', body: `<rss>${version}</rss>` },
  { path: 'news/маводи/index.html', body: new TextEncoder().encode(`item ${version}`) },
];

describe('writeOutputAtomically', () => {
  it('writes the files under a build folder that public/ links to', async () => {
    const result = await writeOutputAtomically(site('one'), { outDir: out });
    expect(result).toMatchObject({ files: 3, unchanged: false });
    expect((await lstat(out)).isSymbolicLink()).toBe(true);
    expect(path.resolve(dir, await readlink(out))).toBe(result.buildDir);
    expect(await readFile(path.join(out, 'news/маводи/index.html'), 'utf8')).toBe('item one');
    expect(Object.keys(await snapshot(out))).toEqual(['feed.xml', 'index.html', 'news/маводи/index.html']);
    expect(result.bytes).toBe(Buffer.byteLength('<h1>one</h1><rss>one</rss>item one'));
  });

  it('writes large files whole and leaves byte bodies to their owner', async () => {
    const files: OutputFile[] = Array.from({ length: 8 }, (_, i) => ({
      path: `big/${i}.txt`,
      body: String.fromCharCode(97 + i).repeat(1024 * 1024),
    }));
    const image = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const result = await writeOutputAtomically([...files, { path: 'img/x.png', body: image }], { outDir: out });
    expect(result).toMatchObject({ files: 9, bytes: 8 * 1024 * 1024 + 7 });
    for (const i of [0, 7]) expect(await readFile(path.join(out, `big/${i}.txt`), 'utf8')).toBe(files[i]!.body);
    expect([...(await readFile(path.join(out, 'img/x.png')))]).toEqual([137, 80, 78, 71, 1, 2, 3]);
    expect([...image]).toEqual([137, 80, 78, 71, 1, 2, 3]);
  });

  it('lets the event loop run while a long build is written, so a server in the same process answers', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // 300 files that take at least 1 ms each to render: a build of 300 ms or more.
    const slow = (i: number): string => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      return `file ${i}`;
    };
    const specs = Array.from({ length: 300 }, (_, i) => ({ path: `p/${i}.html`, deps: [], render: () => slow(i) }));
    try {
      await writeSpecsAtomically(specs, { outDir: out });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('leaves the previous output exactly as it was when writing fails half-way', async () => {
    await writeOutputAtomically(site('one'), { outDir: out });
    const before = await snapshot(out);
    const link = await readlink(out);
    // "a" is both a folder (for a/b.html) and a file: the write fails after other files were written.
    const broken: OutputFile[] = [
      { path: 'index.html', body: 'two' },
      { path: 'a/b.html', body: 'x' },
      { path: 'a', body: 'y' },
    ];
    await expect(writeOutputAtomically(broken, { outDir: out })).rejects.toBeInstanceOf(GazetteError);
    expect(await readlink(out)).toBe(link);
    expect(await snapshot(out)).toEqual(before);
    const builds = await readdir(path.join(dir, '.public.builds'));
    expect(builds.filter((b) => b.startsWith('tmp-'))).toEqual([]);
  });

  it('does nothing when the same content is already live', async () => {
    const first = await writeOutputAtomically(site('one'), { outDir: out });
    const again = await writeOutputAtomically(site('one'), { outDir: out });
    expect(again).toMatchObject({ id: first.id, unchanged: true });
  });

  it('keeps the two previous builds and prunes older ones', async () => {
    for (const v of ['1', '2', '3', '4', '5']) await writeOutputAtomically(site(v), { outDir: out });
    expect(await readdir(path.join(dir, '.public.builds'))).toHaveLength(3);
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe('<h1>5</h1>');
  });

  it('replaces a plain public/ folder on the first build', async () => {
    await mkdir(out);
    await writeFile(path.join(out, 'stale.html'), 'old');
    await writeOutputAtomically(site('one'), { outDir: out });
    expect(Object.keys(await snapshot(out))).toEqual(['feed.xml', 'index.html', 'news/маводи/index.html']);
  });

  it('lets a reader that opened a file before the swap read it to the end', async () => {
    await writeOutputAtomically(site('one'), { outDir: out });
    const handle = await open(path.join(out, 'index.html'));
    await writeOutputAtomically(site('two'), { outDir: out });
    expect((await handle.readFile()).toString()).toBe('<h1>one</h1>');
    await handle.close();
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe('<h1>two</h1>');
  });

  it('never shows a reader a partly written file while builds are swapped in', async () => {
    const big = (c: string): OutputFile[] => [{ path: 'feed.xml', body: c.repeat(2_000_000) }];
    const versions = new Set(['a', 'b'].map((c) => c.repeat(2_000_000)));
    await writeOutputAtomically(big('a'), { outDir: out });
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 6; i++) await writeOutputAtomically(big(i % 2 ? 'a' : 'b'), { outDir: out, keep: 1 });
      writing = false;
    })();
    let reads = 0;
    while (writing || reads === 0) {
      const text = await readFile(path.join(out, 'feed.xml'), 'utf8');
      expect(versions.has(text)).toBe(true);
      reads++;
    }
    await writer;
  });
});
