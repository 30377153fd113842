// `gazette build` copies only passive file types from content/: an HTML page beside an item would run as the operator.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublishedFile } from '../../src/content/published-files.ts';
import { gazette, snapshot } from './tree.ts';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>\n';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-local-files-'));
  const news = path.join(dir, 'content/2024');
  await mkdir(news, { recursive: true });
  await writeFile(
    path.join(news, 'seizure.md'),
    [
      '---',
      'title: Seizure report',
      'date: 2024-03-01',
      'slug: seizure',
      '---',
      'The [full report](report.html), the [map](x.svg), the [photo](photo.png), the [data](data.csv),',
      'the [script](tool.js) and the [page](page.XHTML).',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(news, 'report.html'), '<script>fetch("/admin/subscribers.csv")</script>\n');
  await writeFile(path.join(news, 'x.svg'), SVG);
  await writeFile(path.join(news, 'photo.png'), PNG);
  await writeFile(path.join(news, 'data.csv'), 'a,b\n1,2\n');
  await writeFile(path.join(news, 'tool.js'), 'alert(1)\n');
  await writeFile(path.join(news, 'page.XHTML'), '<html xmlns="http://www.w3.org/1999/xhtml"/>\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('files beside an item', { timeout: 120_000 }, () => {
  it('copies images, documents and media; leaves out report.html and scripts with a warning naming each', async () => {
    const run = gazette('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'public'));
    expect(run.status).toBe(0);
    const files = Object.keys(await snapshot(path.join(dir, 'public'))).filter((f) => f.startsWith('news/seizure/'));
    expect(files.sort()).toEqual([
      'news/seizure/data.csv',
      'news/seizure/index.html',
      'news/seizure/photo.png',
      'news/seizure/x.svg',
    ]);
    expect(await readFile(path.join(dir, 'public/news/seizure/x.svg'), 'utf8')).toBe(SVG);
    const warnings = run.stderr.split('\n').filter((l) => l !== '');
    for (const name of ['report.html', 'tool.js', 'page.XHTML']) {
      const line = warnings.find((l) => l.includes(`links to 2024/${name},`));
      expect(line, run.stderr).toMatch(/^gazette: warning: 2024\/seizure\.md \(field "body"\): links to /);
      expect(line).toContain('not copied to public/');
    }
    expect(warnings).toHaveLength(3);
  });

  it('allows by extension, in any case, and nothing without one', () => {
    for (const ok of ['a/b.PNG', 'x.svg', 'r.pdf', 'c.mp4', 'd.opus', 'e.docx', 'f.zip', 'g.txt'])
      expect(isPublishedFile(ok), ok).toBe(true);
    for (const no of [
      'a.html',
      'a.htm',
      'a.xhtml',
      'a.xml',
      'a.js',
      'a.mjs',
      'a.css',
      'a.md',
      'a.svgz',
      'README',
      '.png',
    ])
      expect(isPublishedFile(no), no).toBe(false);
  });
});
