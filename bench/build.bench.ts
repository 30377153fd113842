// Benchmark 1, feed build: cold `gazette build` against Hugo (RSS of all items) and Eleventy (an
// Atom feed of all items) on the same synthetic items, N = 4,000 and 50,000 by default.
//
// Options: --sizes 4000,50000  --runs 3 (per N; --runs-large for N ≥ 20,000, default the same)
// --out-dir DIR (where the tools write their output; default a folder on the tmpfs /dev/shm).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { positiveListOption, positiveOption } from './bench-process.ts';
import { ensureSites, type GeneratedSites } from './generate.ts';
import {
  formatMedianMemory,
  formatMedianTime,
  formatMemory,
  formatRatio,
  formatTimes,
  ratio,
  table,
} from './harness/format.ts';
import { gazetteArgs, gazetteNodeOptions } from './harness/gazette.ts';
import { measure, run, summarize, type Measurement, type Summary } from './harness/measure.ts';
import type { Benchmark, BenchContext, TargetResult } from './harness/types.ts';

type Tool = 'gazette' | 'hugo' | 'eleventy';
const TOOLS: readonly Tool[] = ['gazette', 'hugo', 'eleventy'];

const WHAT: Record<Tool, string> = {
  gazette:
    'full build: RSS, Atom and JSON Feed of the whole site holding every item (with RFC 5005 archive pages), the three feeds of each tag (its newest 20 items), HTML index, history, item and tag pages',
  hugo: 'RSS of all items (full content), nothing else',
  eleventy:
    'Atom feed of all items (full content) with @11ty/eleventy-plugin-rss, plus each item as HTML without layout (the feed links need their URLs)',
};

interface ToolRuns {
  wall: Summary;
  rss: Summary;
  cpu: Summary;
  raw: Measurement[];
}

/** A one-line reason from a failed run's output. */
function describeFailure(message: string): string {
  if (/heap out of memory/i.test(message)) return 'JavaScript heap out of memory';
  if (/signal 9|killed/i.test(message)) return 'killed';
  return message.split('\n')[0]!.slice(0, 200);
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Each tool's command and a check that its output holds every item. */
/**
 * Where the tools write their output: --out-dir, else a folder on /dev/shm (a tmpfs), else the
 * work folder. On this kind of virtual machine's disk, creating a file costs from 0.04 to 0.7 ms
 * of kernel time depending on the folder and on what was deleted before, which swamps what the
 * tools themselves do (and falls on the tools that write many files, not on Hugo's one).
 */
function outputBase(ctx: BenchContext): { dir: string; onTmpfs: boolean } {
  const chosen = ctx.options['out-dir'];
  if (typeof chosen === 'string') return { dir: path.resolve(chosen), onTmpfs: false };
  if (existsSync('/dev/shm')) return { dir: path.join('/dev/shm', `gazette-bench-${process.pid}`), onTmpfs: true };
  return { dir: ctx.workDir, onTmpfs: false };
}

function commands(ctx: BenchContext, sites: GeneratedSites, n: number, eleventyBin: string, outRoot: string) {
  const base = path.join(outRoot, `items-${n}`);
  mkdirSync(base, { recursive: true });
  const out: Record<Tool, string> = {
    gazette: path.join(base, 'out-gazette'),
    hugo: path.join(base, 'out-hugo'),
    eleventy: path.join(base, 'out-eleventy'),
  };
  const clean: Record<Tool, () => void> = {
    gazette: () => {
      rmSync(out.gazette, { recursive: true, force: true });
      rmSync(path.join(base, '.out-gazette.builds'), { recursive: true, force: true });
    },
    hugo: () => {
      rmSync(out.hugo, { recursive: true, force: true });
      rmSync(path.join(sites.hugo, 'resources'), { recursive: true, force: true });
    },
    eleventy: () => rmSync(out.eleventy, { recursive: true, force: true }),
  };
  const exec: Record<Tool, () => Promise<Measurement>> = {
    gazette: () =>
      measure(
        process.execPath,
        gazetteArgs(
          ctx.root,
          'build',
          '--config',
          path.join(ctx.root, 'gazette.yaml'),
          '--content',
          sites.gazette,
          '--out',
          out.gazette,
        ),
        { cwd: ctx.root },
      ),
    hugo: () => measure('hugo', ['--quiet', '--source', sites.hugo, '--destination', out.hugo], { cwd: sites.hugo }),
    eleventy: () =>
      measure(process.execPath, [eleventyBin, '--quiet', `--output=${out.eleventy}`], { cwd: sites.eleventy }),
  };
  const verify: Record<Tool, () => void> = {
    gazette: () => {
      // The subscription feed holds the newest items; with the archive pages every item is in each format.
      const feeds = path.join(out.gazette, 'feeds');
      const entries =
        readdirCount(feeds, /^atom-\d+\.xml$/, '<entry>') +
        count(readFileSync(path.join(out.gazette, 'atom.xml'), 'utf8'), '<entry>');
      if (entries !== n) throw new Error(`gazette's Atom feed and archive pages hold ${entries} entries, not ${n}`);
    },
    hugo: () => {
      const items = count(readFileSync(path.join(out.hugo, 'index.xml'), 'utf8'), '<item>');
      if (items !== n) throw new Error(`Hugo's RSS holds ${items} items, not ${n}`);
    },
    eleventy: () => {
      const entries = count(readFileSync(path.join(out.eleventy, 'feed.xml'), 'utf8'), '<entry>');
      if (entries !== n) throw new Error(`Eleventy's Atom feed holds ${entries} entries, not ${n}`);
    },
  };
  return { clean, exec, verify };
}

function readdirCount(dir: string, name: RegExp, needle: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const file of readdirSync(dir))
    if (name.test(file)) total += count(readFileSync(path.join(dir, file), 'utf8'), needle);
  return total;
}

async function toolVersions(eleventyBin: string): Promise<string> {
  const hugo = (await run('hugo', ['version'])).stdout.trim().split(' ').slice(0, 2).join(' ');
  const eleventy = (await run(process.execPath, [eleventyBin, '--version'])).stdout.trim();
  return `${hugo} (Debian), Eleventy ${eleventy} with @11ty/eleventy-plugin-rss ${pluginVersion(eleventyBin)} (npm)`;
}

function pluginVersion(eleventyBin: string): string {
  const pkg = path.join(path.dirname(eleventyBin), '..', 'eleventy-plugin-rss', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const build: Benchmark = {
  name: 'build',
  order: 1,
  title: 'Feed build',
  async run(ctx) {
    const sizes = positiveListOption(ctx.options.sizes, [4000, 50_000]);
    const runs = positiveOption(ctx.options.runs, 3);
    const runsLarge = positiveOption(ctx.options['runs-large'], runs);
    const eleventyDir = path.join(ctx.root, 'bench', 'eleventy', 'node_modules', '@11ty');
    const eleventyBin = path.join(eleventyDir, 'eleventy', 'cmd.cjs');
    const pluginDir = path.join(eleventyDir, 'eleventy-plugin-rss');
    if (!existsSync(eleventyBin)) throw new Error('Eleventy is not installed: run scripts/install-bench-deps.sh');

    // What every gazette run pays before building: Node start-up and loading the compiled bundle's
    // modules. Measured on `--help`.
    ctx.log('gazette start-up');
    const startup: Measurement[] = [];
    for (let i = 0; i < runs + 1; i++)
      startup.push(await measure(process.execPath, gazetteArgs(ctx.root, '--help'), { cwd: ctx.root }));
    const startupWall = summarize(startup.slice(1).map((m) => m.wallMs));

    const out = outputBase(ctx);
    const results = new Map<number, Record<Tool, ToolRuns | undefined>>();
    const failures = new Map<string, string>();
    const bytes = new Map<number, number>();
    for (const n of sizes) {
      ctx.log(`generating ${n} items`);
      const sites = ensureSites(ctx.workDir, n, pluginDir);
      bytes.set(n, sites.bytes);
      const { clean, exec, verify } = commands(ctx, sites, n, eleventyBin, out.dir);
      const raw: Record<Tool, Measurement[]> = { gazette: [], hugo: [], eleventy: [] };
      const runCount = n >= 20_000 ? runsLarge : runs;
      for (let r = 0; r < runCount; r++) {
        // Rotate the order so no tool always runs right after another's disk writes.
        const order = TOOLS.map((_, i) => TOOLS[(i + r) % TOOLS.length]!);
        for (const tool of order) {
          // A tool that failed once at this N (e.g. out of memory) is not run again.
          if (failures.has(`${n}:${tool}`)) continue;
          clean[tool]();
          try {
            const m = await exec[tool]();
            if (r === 0) verify[tool]();
            raw[tool].push(m);
            ctx.log(
              `N=${n} run ${r + 1}/${runCount} ${tool}: ${(m.wallMs / 1000).toFixed(2)} s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`,
            );
          } catch (err) {
            const message = (err as Error).message;
            failures.set(`${n}:${tool}`, describeFailure(message));
            ctx.log(`N=${n} run ${r + 1}/${runCount} ${tool} FAILED: ${message.slice(0, 2000)}`);
          }
        }
      }
      for (const tool of TOOLS) clean[tool]();
      if (out.onTmpfs) rmSync(out.dir, { recursive: true, force: true });
      const per = {} as Record<Tool, ToolRuns | undefined>;
      for (const tool of TOOLS) {
        if (raw[tool].length === 0) {
          per[tool] = undefined;
          continue;
        }
        per[tool] = {
          wall: summarize(raw[tool].map((m) => m.wallMs)),
          rss: summarize(raw[tool].map((m) => m.maxRssKiB)),
          cpu: summarize(raw[tool].map((m) => m.userMs + m.systemMs)),
          raw: raw[tool].map((m) => ({ ...m, stdout: m.stdout.slice(-500), stderr: m.stderr.slice(-500) })),
        };
      }
      results.set(n, per);
    }

    const targets: TargetResult[] = [];
    const sections: string[] = [];
    sections.push(
      [
        `Baselines: ${await toolVersions(eleventyBin)}. Items come from bench/generate.ts (about 1.5 KB of`,
        'Markdown each after the front matter: paragraphs with links, some headings and lists, 1 to 4 tags from a set',
        'of 50, a third of them Cyrillic), written as gazette content, as a Hugo site and as an Eleventy site.',
        '"Cold" means a new process with an empty output folder and no cache of the tool\'s own; the files are in',
        `the OS page cache. gazette runs as \`npx gazette build\` does: \`node ${gazetteNodeOptions(ctx.root).join(' ')} bin/gazette.js build\` (the options of its #! line; the bundle \`npm install\` compiles into dist/,`,
        'brought up to date by the bench runner first; content parser threads as the run queue allows, GAZETTE_PARSER_THREADS',
        'unset), Eleventy as `node …/@11ty/eleventy/cmd.cjs` in its site folder (what',
        "`npx @11ty/eleventy` runs, without npx's own start-up), Hugo as `hugo --quiet`. Peak RSS is ru_maxrss from",
        'GNU time. CPU is user + system time; Hugo uses every core, gazette and Eleventy mostly one.',
        out.onTmpfs
          ? "Every tool writes its output to a tmpfs (/dev/shm): on this virtual machine's disk, creating a file costs 0.04 to 0.7 ms of kernel time depending on the folder and on what was deleted before (4,000 files took 0.15 s to 2.7 s), which swamps what the tools do and falls on those that write many files. `--out-dir DIR` writes to a disk folder instead."
          : `Every tool writes its output under ${out.dir} (--out-dir).`,
        '',
        'What each builds:',
        '',
        ...TOOLS.map((t) => `- ${t}: ${WHAT[t]}`),
        '',
        `gazette's start-up alone (\`node bin/gazette.js --help\`: Node and the bundle's modules loaded): ${formatTimes(startupWall)} (min / median / max of ${startupWall.runs}).`,
      ].join('\n'),
    );
    for (const [n, per] of results) {
      const cell = (t: Tool, f: (r: ToolRuns) => string): string => {
        const r = per[t];
        return r ? f(r) : `failed: ${failures.get(`${n}:${t}`) ?? 'no run'}`;
      };
      const rows = TOOLS.map((t) => [
        t,
        cell(t, (r) => formatTimes(r.wall)),
        cell(t, (r) => formatMemory(r.rss)),
        cell(t, (r) => formatTimes(r.cpu)),
      ]);
      const runsOf = TOOLS.map((t) => per[t]?.wall.runs ?? 0);
      const { gazette: g, hugo: h, eleventy: e } = per;
      const ratios: string[] = [];
      if (g && h)
        ratios.push(
          `gazette / Hugo time ${formatRatio(ratio(g.wall, h.wall))} (CPU time ${formatRatio(ratio(g.cpu, h.cpu))}), gazette / Hugo peak RSS ${formatRatio(ratio(g.rss, h.rss))}`,
        );
      if (g && e)
        ratios.push(
          `gazette / Eleventy time ${formatRatio(ratio(g.wall, e.wall))} (CPU time ${formatRatio(ratio(g.cpu, e.cpu))}), gazette / Eleventy peak RSS ${formatRatio(ratio(g.rss, e.rss))}`,
        );
      sections.push(
        [
          `### N = ${n.toLocaleString('en-US')} items (${(bytes.get(n)! / 1024 / 1024).toFixed(1)} MiB of Markdown, ${Math.max(...runsOf)} run${Math.max(...runsOf) === 1 ? '' : 's'} each)`,
          '',
          table(
            [
              'tool',
              'wall time (min / median / max)',
              'peak RSS (min / median / max)',
              'CPU time, user + system (min / median / max)',
            ],
            rows,
          ),
          '',
          ratios.length ? `Ratios of medians: ${ratios.join('; ')}.` : 'No ratio: gazette or both baselines failed.',
        ].join('\n'),
      );
      const n$ = n.toLocaleString('en-US');
      const failed = g === undefined ? `gazette failed: ${failures.get(`${n}:gazette`)}` : undefined;
      targets.push(
        {
          target: `N=${n$}: gazette's full build at or under Hugo's time for its RSS alone`,
          measured:
            failed ??
            (h
              ? `${formatRatio(ratio(g!.wall, h.wall))} Hugo (median ${formatMedianTime(g!.wall)} vs ${formatMedianTime(h.wall)})`
              : 'Hugo failed'),
          met: failed ? false : h ? g!.wall.median <= h.wall.median : undefined,
        },
        {
          target: `N=${n$}: under half of Eleventy's time`,
          measured: failed ?? (e ? `${formatRatio(ratio(g!.wall, e.wall))} Eleventy` : 'Eleventy failed'),
          met: failed ? false : e ? g!.wall.median < e.wall.median / 2 : undefined,
        },
        {
          target: `N=${n$}: peak RSS under Hugo's`,
          measured:
            failed ??
            (h
              ? `${formatRatio(ratio(g!.rss, h.rss))} Hugo (median ${formatMedianMemory(g!.rss)} vs ${formatMedianMemory(h.rss)})`
              : 'Hugo failed'),
          met: failed ? false : h ? g!.rss.median < h.rss.median : undefined,
        },
      );
    }
    const nSmall = Math.min(...sizes);
    const nLarge = Math.max(...sizes);
    const small = results.get(nSmall);
    const large = results.get(nLarge);
    if (small && large && nSmall !== nLarge) {
      const lines = TOOLS.map((t) => {
        const a = small[t];
        const b = large[t];
        return `${t} ${a && b ? formatRatio(ratio(b.wall, a.wall)) : 'n/a (failed)'}`;
      });
      sections.push(
        `Scaling, median time at N = ${nLarge.toLocaleString('en-US')} over N = ${nSmall.toLocaleString('en-US')} (${nLarge / nSmall}× the items): ${lines.join(', ')}.`,
      );
      const a = small.gazette;
      const b = large.gazette;
      const scale = a && b ? ratio(b.wall, a.wall) : undefined;
      targets.push({
        target: `${nLarge.toLocaleString('en-US')} items in no more than 13× the ${nSmall.toLocaleString('en-US')}-item time`,
        measured:
          scale !== undefined
            ? formatRatio(scale)
            : `gazette failed at N=${nLarge.toLocaleString('en-US')}: ${failures.get(`${nLarge}:gazette`) ?? '?'}`,
        met: scale !== undefined ? scale <= 13 : false,
      });
    }
    return {
      body: sections.join('\n\n'),
      targets,
      raw: {
        startup: startup.map((m) => m.wallMs),
        results: Object.fromEntries(results),
        failures: Object.fromEntries(failures),
      },
    };
  },
};

export default build;
