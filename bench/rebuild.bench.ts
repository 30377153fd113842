// Benchmark 2, incremental rebuild: `gazette start` watching the 4,000-item synthetic content of
// benchmark 1; one item's title is changed and the time from that write to public/feed.xml (the
// published build) holding the new title is measured. Baseline: cold `gazette build` of the same
// items in the same invocation.
//
// Options: --items 4000  --changes 5 (timed changes per run)  --runs 3 (cold builds)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, peakRss, positiveOption, sleep, startChild, stopChild } from './bench-process.ts';
import { ensureSites } from './generate.ts';
import { formatMemory, formatRatio, formatTimes, table } from './harness/format.ts';
import { gazetteArgs, gazetteNodeOptions } from './harness/gazette.ts';
import { measure, summarize, type Measurement } from './harness/measure.ts';
import type { Benchmark, TargetResult } from './harness/types.ts';

const POLL_MS = 10;

/** The newest items (the feed holds the newest `feeds.limit`, so a change to them shows in feed.xml). */
function newestItems(contentDir: string, count: number): string[] {
  const files: string[] = [];
  for (const year of readdirSync(contentDir).sort().reverse()) {
    const dir = path.join(contentDir, year);
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.md'))
      .sort()
      .reverse()) {
      files.push(path.join(dir, f));
      if (files.length === count) return files;
    }
  }
  return files;
}

function readFeed(publicDir: string): string {
  try {
    // public/ is a symlink to the current build; readFileSync follows it.
    return readFileSync(path.join(publicDir, 'feed.xml'), 'utf8');
  } catch {
    return '';
  }
}

async function waitFor(
  what: string,
  test: () => boolean,
  timeoutMs: number,
  alive: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    const dead = alive();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

const rebuild: Benchmark = {
  name: 'rebuild',
  order: 2,
  title: 'Incremental rebuild',
  async run(ctx) {
    const n = positiveOption(ctx.options.items, 4000);
    const changes = positiveOption(ctx.options.changes, 5);
    const runs = positiveOption(ctx.options.runs, 3);
    const pluginDir = path.join(ctx.root, 'bench', 'eleventy', 'node_modules', '@11ty', 'eleventy-plugin-rss');
    ctx.log(`generating ${n} items`);
    const sites = ensureSites(ctx.workDir, n, pluginDir);
    const config = path.join(ctx.root, 'gazette.yaml');

    // Baseline: cold builds into an empty folder, as in benchmark 1.
    const cold: Measurement[] = [];
    const coldDir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-cold-'));
    try {
      for (let r = 0; r < runs; r++) {
        const out = path.join(coldDir, `out-${r}`);
        // Run in an empty folder: no var/ there, so no ledger is read (the worker's is empty too).
        const m = await measure(
          process.execPath,
          gazetteArgs(ctx.root, 'build', '--config', config, '--content', sites.gazette, '--out', out),
          { cwd: coldDir },
        );
        cold.push(m);
        ctx.log(`cold build ${r + 1}/${runs}: ${(m.wallMs / 1000).toFixed(2)} s`);
      }
    } finally {
      rmSync(coldDir, { recursive: true, force: true });
    }
    const coldWall = summarize(cold.map((m) => m.wallMs));

    // The worker in a root of its own: gazette.yaml, a copy of the content, a SQLite ledger.
    const root = mkdtempSync(path.join(tmpdir(), 'gazette-bench-rebuild-'));
    const contentDir = path.join(root, 'content');
    const publicDir = path.join(root, 'public');
    cpSync(config, path.join(root, 'gazette.yaml'));
    cpSync(sites.gazette, contentDir, { recursive: true });
    mkdirSync(path.join(root, 'var'), { recursive: true });
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: `sqlite:${path.join(root, 'var', 'gazette.db')}`,
      ADMIN_TOKEN: '',
      SMTP_URL: '',
      LOG_LEVEL: 'warn',
    };
    const started = performance.now();
    const worker = startChild(process.execPath, gazetteArgs(ctx.root, 'start', '--host', '127.0.0.1'), root, env);
    const alive = (): string | undefined =>
      worker.child.exitCode !== null || worker.child.signalCode !== null
        ? `the worker exited (${worker.child.exitCode ?? worker.child.signalCode}): ${worker.output().slice(-3000)}`
        : undefined;
    const times: number[] = [];
    let firstBuildMs = 0;
    let workerPeak: number | undefined;
    let exitCode: number | null = null;
    try {
      await waitFor(
        'first build',
        () => existsSync(path.join(root, 'var', 'last-build.json')) && readFeed(publicDir).includes('<item>'),
        300_000,
        alive,
      );
      firstBuildMs = performance.now() - started;
      // Served too: the feed answers over HTTP before the first change.
      let status = 0;
      for (let tries = 0; status !== 200 && tries < 600; tries++) {
        const dead = alive();
        if (dead) throw new Error(dead);
        status = await fetch(`http://127.0.0.1:${port}/feed.xml`, { signal: AbortSignal.timeout(2000) }).then(
          async (res) => {
            await res.arrayBuffer();
            return res.status;
          },
          () => 0,
        );
        if (status !== 200) await sleep(100);
      }
      if (status !== 200)
        throw new Error(`the worker did not serve /feed.xml (last status ${status}): ${worker.output().slice(-2000)}`);
      ctx.log(`worker up, first build published after ${(firstBuildMs / 1000).toFixed(2)} s`);
      // Let the watcher settle after the first build before timing.
      await sleep(1000);
      const files = newestItems(contentDir, changes);
      for (let i = 0; i < changes; i++) {
        const file = files[i % files.length]!;
        const marker = `Changed ${i + 1} ${Date.now().toString(36)}`;
        const text = readFileSync(file, 'utf8').replace(/^title: "(.*)"$/m, `title: "${marker} $1"`);
        if (!text.includes(marker)) throw new Error(`no title line in ${file}`);
        const t0 = performance.now();
        writeFileSync(file, text);
        await waitFor(`change ${i + 1} in feed.xml`, () => readFeed(publicDir).includes(marker), 120_000, alive);
        const ms = performance.now() - t0;
        times.push(ms);
        ctx.log(`change ${i + 1}/${changes}: new feed after ${ms.toFixed(0)} ms`);
        // Apart by more than the debounce, so each change is a rebuild of its own.
        await sleep(1000);
      }
      workerPeak = peakRss(worker.child.pid);
    } finally {
      exitCode = await stopChild(worker.child);
      rmSync(root, { recursive: true, force: true });
    }
    const incr = summarize(times);
    const share = incr.median / coldWall.median;
    const targets: TargetResult[] = [
      {
        target: 'one changed file among 4,000: new feed on disk in under 5% of the cold build',
        measured: `${(share * 100).toFixed(1)}% (median ${incr.median.toFixed(0)} ms vs cold ${(coldWall.median / 1000).toFixed(2)} s; max ${((incr.max / coldWall.median) * 100).toFixed(1)}%)`,
        met: share < 0.05,
      },
    ];
    const body = [
      `Content: the ${n.toLocaleString('en-US')}-item synthetic site of benchmark 1 (bench/generate.ts), copied into a temporary root`,
      `with the repository's gazette.yaml. \`node ${gazetteNodeOptions(ctx.root).join(' ')} bin/gazette.js start --host 127.0.0.1\` (as \`npx gazette start\` runs it) runs there with PORT on a free`,
      'loopback port, a SQLite DATABASE_URL in the temporary var/, no SMTP_URL. After its first build is published (and',
      '/feed.xml answers 200 over HTTP), the title of one of the newest items (the feed holds the newest `feeds.limit`)',
      `is rewritten, ${changes} times, one item after another, a second apart. Each time is measured from just before the`,
      `write to the moment public/feed.xml (read through the public/ symlink, polled every ${POLL_MS} ms) holds the new title;`,
      "it includes chokidar's notice of the change, the worker's 25 ms debounce and its incremental build: the changed file",
      `re-read and parsed, the ids and slugs of all ${n.toLocaleString('en-US')} checked again, every output file listed with what it is made of,`,
      'and the files the change reaches (the item page, the feeds and tag feeds holding the item, the listing pages showing it)',
      'rendered and replaced in place by rename. Baseline: cold `node bin/gazette.js build --content … --out EMPTY` of the same items,',
      `${runs} times, in the same invocation.`,
      '',
      table(
        ['measure', 'min / median / max', 'runs'],
        [
          ['cold build, wall time', formatTimes(coldWall), String(coldWall.runs)],
          ['cold build, peak RSS', formatMemory(summarize(cold.map((m) => m.maxRssKiB))), String(coldWall.runs)],
          ['change → new feed.xml on disk', formatTimes(incr), String(incr.runs)],
        ],
      ),
      '',
      `Ratio of medians, incremental / cold: ${formatRatio(share)} (${(share * 100).toFixed(1)}%). The worker's first build, from`,
      `spawn to a published feed, took ${(firstBuildMs / 1000).toFixed(2)} s; its peak RSS over the run was ${workerPeak !== undefined ? `${(workerPeak / 1024).toFixed(0)} MiB` : 'not read'}; it exited ${exitCode} on SIGTERM.`,
    ].join('\n');
    return {
      body,
      targets,
      raw: {
        cold: cold.map((m) => ({ wallMs: m.wallMs, maxRssKiB: m.maxRssKiB })),
        incremental: times,
        firstBuildMs,
        workerPeak,
        exitCode,
      },
    };
  },
};

export default rebuild;
