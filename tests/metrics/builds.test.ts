// Builds counted from the worker's real site service: successes with their duration, failures, the last build's time.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { createSiteService, type SiteService } from '../../src/worker/site.ts';
import { useTestStore } from '../helpers/db.ts';
import { parseScrape } from '../helpers/prometheus.ts';
import { eventually, itemFile, makeSite, repoConfig, templatesDir } from '../worker/support.ts';

describe('build metrics', () => {
  const db = useTestStore('sqlite');
  let root: string | undefined;
  let site: SiteService | undefined;
  afterEach(async () => {
    await site?.stop();
    if (root) await rm(root, { recursive: true, force: true });
    site = undefined;
    root = undefined;
  });

  it('counts each build by result, times the ones that succeed, and keeps the last success time', async () => {
    const made = await makeSite({ '2026/a.md': ['Published A', '2026-11-20'] });
    root = made.root;
    let clock = Date.parse('2026-11-30T04:00:00Z');
    const metrics = createMetrics({
      store: db().store,
      logger: silentLogger(),
      processMetrics: false,
      now: () => clock,
    });
    site = createSiteService({
      config: await repoConfig(),
      contentDir: made.contentDir,
      templatesDir,
      outDir: path.join(root, 'public'),
      buildsDir: path.join(root, 'var/builds'),
      varDir: path.join(root, 'var'),
      logger: silentLogger(),
      onBuilt: metrics.built,
      now: () => new Date('2026-11-30T04:00:00Z'),
    });
    const scrape = async () => parseScrape((await metrics.scrape()).body);

    const before = await scrape();
    expect(before.by('gazette_builds_total', 'result')).toEqual({});
    expect(before.value('gazette_build_last_success_timestamp_seconds')).toBe(0);
    expect(before.value('gazette_build_last_ok')).toBe(0);

    expect((await site.start()).ok).toBe(true);
    let s = await scrape();
    expect(s.value('gazette_builds_total', { result: 'ok' })).toBe(1);
    expect(Number(s.family('gazette_build_duration_seconds')?.metrics[0]?.count)).toBe(1);
    expect(s.value('gazette_build_last_success_timestamp_seconds')).toBe(clock / 1000);
    expect(s.value('gazette_build_last_ok')).toBe(1);

    clock += 60_000;
    await writeFile(path.join(made.contentDir, '2026/bad.md'), itemFile('Bad', '2026-11-21', 'colour: red\n'));
    // the service's watcher sees the file and builds again
    s = await eventually(scrape, (x) => x.value('gazette_builds_total', { result: 'failed' }) === 1);
    expect(s.by('gazette_builds_total', 'result')).toEqual({ ok: 1, failed: 1 });
    expect(s.value('gazette_build_last_ok')).toBe(0);
    // the last success stays where it was
    expect(s.value('gazette_build_last_success_timestamp_seconds')).toBe((clock - 60_000) / 1000);
  });
});
