// The worker's site service on real files: rebuilds on change after the debounce, keeps the last good build on a bad
// file, never runs two builds at once, and publishes a scheduled item when its time comes.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { readBuildState } from '../../src/worker/build-state.ts';
import { createSiteService, type SiteService } from '../../src/worker/site.ts';
import { captureLog, type CapturedLog } from '../helpers/log-capture.ts';
import { eventually, itemFile, repoRoot, templatesDir } from './support.ts';

async function feedTitles(root: string): Promise<string[]> {
  const feed = JSON.parse(await readFile(path.join(root, 'public/feed.json'), 'utf8')) as {
    items: { title: string }[];
  };
  return feed.items.map((i) => i.title);
}

describe('site service', { timeout: 60_000 }, () => {
  let root: string;
  let config: Config;
  let log: CapturedLog;
  let site: SiteService | undefined;
  const fixedNow = new Date('2026-11-30T06:00:00Z');

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-site-'));
    config = await loadConfig(path.join(repoRoot, 'gazette.yaml'));
    log = captureLog();
    await mkdir(path.join(root, 'content/2026'), { recursive: true });
    await writeFile(path.join(root, 'content/2026/first.md'), itemFile('First item', '2026-11-20'));
    await writeFile(path.join(root, 'content/2026/second.md'), itemFile('Second item', '2026-11-25'));
  });
  afterEach(async () => {
    await site?.stop();
    site = undefined;
    await rm(root, { recursive: true, force: true });
  });

  const service = (now: () => Date = () => fixedNow) =>
    createSiteService({
      config,
      contentDir: path.join(root, 'content'),
      templatesDir,
      outDir: path.join(root, 'public'),
      buildsDir: path.join(root, 'var/builds'),
      varDir: path.join(root, 'var'),
      logger: log.logger,
      now,
      debounceMs: 100,
    });

  it(`rebuilds after a content change; a bad file is logged \
and the last good build stays served; fixing it rebuilds`, async () => {
    site = service();
    const first = await site.start();
    expect(first.ok).toBe(true);
    expect(await feedTitles(root)).toEqual(['Second item', 'First item']);

    await writeFile(path.join(root, 'content/2026/second.md'), itemFile('Second item, corrected', '2026-11-25'));
    expect(
      await eventually(
        () => feedTitles(root),
        (t) => t[0] === 'Second item, corrected',
      ),
    ).toEqual(['Second item, corrected', 'First item']);

    await writeFile(path.join(root, 'content/2026/third.md'), itemFile('Third item', '2026-11-27', 'colour: red\n'));
    const error = await log.waitFor((r) => r.level === 50 && r.file === '2026/third.md');
    expect(error.msg).toMatch(/2026\/third\.md:5 \(field "colour"\): unknown field "colour"/);
    await log.waitFor((r) => r.msg === 'build failed: the last good build is still served');
    expect(await feedTitles(root)).toEqual(['Second item, corrected', 'First item']);
    const failed = await readBuildState(path.join(root, 'var'));
    expect(failed).toMatchObject({ ok: false, lastGood: { items: 2 } });
    expect(failed?.errors?.[0]).toContain('2026/third.md');

    await writeFile(path.join(root, 'content/2026/third.md'), itemFile('Third item', '2026-11-27'));
    expect(
      await eventually(
        () => feedTitles(root),
        (t) => t.length === 3,
      ),
    ).toEqual(['Third item', 'Second item, corrected', 'First item']);
    // the feed is swapped in before the state file is written: wait for the state too
    expect(
      await eventually(
        () => readBuildState(path.join(root, 'var')),
        (s) => s?.ok === true && s.items === 3,
      ),
    ).toMatchObject({ ok: true, items: 3 });
  });

  it('rebuilds when an override in templates_dir changes; a broken one is logged with its file and line', async () => {
    const own = path.join(root, 'my-templates');
    await mkdir(own);
    config = { ...config, templatesDir: own };
    site = service();
    expect((await site.start()).ok).toBe(true);
    const index = () => readFile(path.join(root, 'public/index.html'), 'utf8');
    const card = await readFile(path.join(templatesDir, 'item-card.eta'), 'utf8');
    await writeFile(path.join(own, 'item-card.eta'), card.replace('<article', '<p class="own">Our card</p>\n<article'));
    expect(await eventually(index, (html) => html.includes('Our card'))).toContain('Our card');

    const lines = card.split('\n');
    lines.splice(1, 0, '<%= it.card.missing.title %>');
    await writeFile(path.join(own, 'item-card.eta'), lines.join('\n'));
    // what the log line says, its error's message included
    const said = (r: object) => JSON.stringify(r);
    const error = await log.waitFor((r) => r.level === 50 && said(r).includes('item-card.eta:2'));
    expect(said(error)).toMatch(/my-templates\/item-card\.eta:2: .*'title'/);
  });

  it('coalesces a burst of requests into one more build, never two at once', async () => {
    site = service();
    await site.start();
    const before = log.records().filter((r) => r.msg === 'site built' || r.msg === 'site unchanged').length;
    const requests = ['a', 'b', 'c', 'd', 'e'].map((reason) => site!.rebuild(reason));
    const outcomes = await Promise.all(requests);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const builds = log
      .records()
      .filter((r) => r.msg === 'site built' || r.msg === 'site unchanged')
      .slice(before);
    // The first request builds; the four that arrive while it runs share one build after it.
    expect(builds.map((b) => b.reason)).toEqual(['a', 'b, c, d, e']);
    expect(requests[1]).toBe(requests[4]);
  });

  it('publishes a scheduled item when its date arrives, without any change to the files', async () => {
    // A clock that runs: the item is due 1.5 s after the service starts.
    const due = new Date(Date.now() + 1500);
    await writeFile(
      path.join(root, 'content/2026/later.md'),
      itemFile('Scheduled item', due.toISOString().replace(/\.\d+Z$/, 'Z')),
    );
    site = service(() => new Date());
    const first = await site.start();
    expect(first.ok && first.calendar.scheduled).toBe(1);
    expect(await feedTitles(root)).not.toContain('Scheduled item');
    expect(
      await eventually(
        () => feedTitles(root),
        (t) => t.includes('Scheduled item'),
      ),
    ).toContain('Scheduled item');
    await log.waitFor((r) => r.msg === 'site built' && r.reason === 'scheduled item due');
  });
});
