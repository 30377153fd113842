// Benchmark 1, feed build: cold `gazette build` against Hugo (RSS of all items) and Eleventy (an
// Atom feed of all items) on the same synthetic items, N = 4,000 and 50,000 by default.
//
// Options: --sizes 4000,50000  --runs 3 (per N; --runs-large for N ≥ 20,000, default the same).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureSites, type GeneratedSites } from './generate.ts';
import { formatMemory, formatRatio, formatTimes, ratio, table } from './harness/format.ts';
import { measure, run, summarize, type Measurement, type Summary } from './harness/measure.ts';
import type { Benchmark, BenchContext, TargetResult } from './harness/types.ts';

type Tool = 'gazette' | 'hugo' | 'eleventy';
const TOOLS: readonly Tool[] = ['gazette', 'hugo', 'eleventy'];

const WHAT: Record<Tool, string> = {
  gazette: 'full build: RSS, Atom and JSON Feed with RFC 5005 archive pages holding every item, a feed set per tag, HTML index, history, item and tag pages',
  hugo: 'RSS of all items (full content), nothing else',
  eleventy: 'Atom feed of all items (full content) with @11ty/eleventy-plugin-rss, plus each item as HTML without layout (the feed links need their URLs)',
};

interface ToolRuns {
  wall: Summary;
  rss: Summary;
  cpu: Summary;
  raw: Measurement[];
}

function intList(text: string | boolean | undefined, fallback: number[]): number[] {
  if (typeof text !== 'string') return fallback;
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`not a list of positive integers: "${text}"`);
  return list;
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Each tool's command and a check that its output holds every item. */
function commands(ctx: BenchContext, sites: GeneratedSites, n: number, eleventyBin: string) {
  const base = path.dirname(sites.gazette);
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
      measure(process.execPath, [path.join(ctx.root, 'bin/gazette.js'), 'build', '--config', path.join(ctx.root, 'gazette.yaml'), '--content', sites.gazette, '--out', out.gazette], { cwd: ctx.root }),
    hugo: () => measure('hugo', ['--quiet', '--source', sites.hugo, '--destination', out.hugo], { cwd: sites.hugo }),
    eleventy: () => measure(process.execPath, [eleventyBin, '--quiet', `--output=${out.eleventy}`], { cwd: sites.eleventy }),
  };
  const verify: Record<Tool, () => void> = {
    gazette: () => {
      // The subscription feed holds the newest items; with the archive pages every item is in each format.
      const feeds = path.join(out.gazette, 'feeds');
      const entries = readdirCount(feeds, /^atom-\d+\.xml$/, '<entry>') + count(readFileSync(path.join(out.gazette, 'atom.xml'), 'utf8'), '<entry>');
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
  for (const file of readdirSync(dir)) if (name.test(file)) total += count(readFileSync(path.join(dir, file), 'utf8'), needle);
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
    const sizes = intList(ctx.options.sizes, [4000, 50_000]);
    const runs = intList(ctx.options.runs, [3])[0]!;
    const runsLarge = intList(ctx.options['runs-large'], [runs])[0]!;
    const eleventyDir = path.join(ctx.root, 'bench', 'eleventy', 'node_modules', '@11ty');
    const eleventyBin = path.join(eleventyDir, 'eleventy', 'cmd.cjs');
    const pluginDir = path.join(eleventyDir, 'eleventy-plugin-rss');
    if (!existsSync(eleventyBin)) throw new Error('Eleventy is not installed: run scripts/install-bench-deps.sh');

    // What every gazette run pays before building: Node start-up, tsx transpiling (cached by tsx
    // after the first run) and loading the modules. Measured on `--help`, which loads them all.
    ctx.log('gazette start-up');
    const startup: Measurement[] = [];
    for (let i = 0; i < runs + 1; i++) startup.push(await measure(process.execPath, [path.join(ctx.root, 'bin/gazette.js'), '--help'], { cwd: ctx.root }));
    const startupWall = summarize(startup.slice(1).map((m) => m.wallMs));

    const results = new Map<number, Record<Tool, ToolRuns>>();
    const bytes = new Map<number, number>();
    for (const n of sizes) {
      ctx.log(`generating ${n} items`);
      const sites = ensureSites(ctx.workDir, n, pluginDir);
      bytes.set(n, sites.bytes);
      const { clean, exec, verify } = commands(ctx, sites, n, eleventyBin);
      const raw: Record<Tool, Measurement[]> = { gazette: [], hugo: [], eleventy: [] };
      const runCount = n >= 20_000 ? runsLarge : runs;
      for (let r = 0; r < runCount; r++) {
        // Rotate the order so no tool always runs right after another's disk writes.
        const order = TOOLS.map((_, i) => TOOLS[(i + r) % TOOLS.length]!);
        for (const tool of order) {
          clean[tool]();
          const m = await exec[tool]();
          if (r === 0) verify[tool]();
          raw[tool].push(m);
          ctx.log(`N=${n} run ${r + 1}/${runCount} ${tool}: ${(m.wallMs / 1000).toFixed(2)} s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
        }
      }
      for (const tool of TOOLS) clean[tool]();
      const per = {} as Record<Tool, ToolRuns>;
      for (const tool of TOOLS) {
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
        "the OS page cache. gazette runs as `node bin/gazette.js build` (TypeScript through tsx, whose transpile",
        'cache is warm after the first run), Eleventy as `node …/@11ty/eleventy/cmd.cjs` in its site folder (what',
        '`npx @11ty/eleventy` runs, without npx\'s own start-up), Hugo as `hugo --quiet`. Peak RSS is ru_maxrss from',
        'GNU time. CPU is user + system time; Hugo uses every core, gazette and Eleventy mostly one.',
        '',
        'What each builds:',
        '',
        ...TOOLS.map((t) => `- ${t}: ${WHAT[t]}`),
        '',
        `gazette's start-up alone (\`node bin/gazette.js --help\`: Node, tsx and every module loaded): ${formatTimes(startupWall)} (min / median / max of ${startupWall.runs}).`,
      ].join('\n'),
    );
    for (const [n, per] of results) {
      const rows = TOOLS.map((t) => [t, formatTimes(per[t].wall), formatMemory(per[t].rss), formatTimes(per[t].cpu)]);
      const g = per.gazette;
      sections.push(
        [
          `### N = ${n.toLocaleString('en-US')} items (${(bytes.get(n)! / 1024 / 1024).toFixed(1)} MiB of Markdown, ${g.wall.runs} runs each)`,
          '',
          table(['tool', 'wall time (min / median / max)', 'peak RSS (min / median / max)', 'CPU time (min / median / max)'], rows),
          '',
          `Ratios of medians: gazette / Hugo time ${formatRatio(ratio(g.wall, per.hugo.wall))}, gazette / Eleventy time ${formatRatio(ratio(g.wall, per.eleventy.wall))}, gazette / Hugo peak RSS ${formatRatio(ratio(g.rss, per.hugo.rss))}, gazette / Eleventy peak RSS ${formatRatio(ratio(g.rss, per.eleventy.rss))}.`,
        ].join('\n'),
      );
      const n$ = n.toLocaleString('en-US');
      targets.push(
        { target: `N=${n$}: gazette's full build at or under Hugo's time for its RSS alone`, measured: `${formatRatio(ratio(g.wall, per.hugo.wall))} Hugo (${formatTimes(g.wall)} vs ${formatTimes(per.hugo.wall)})`, met: g.wall.median <= per.hugo.wall.median },
        { target: `N=${n$}: under half of Eleventy's time`, measured: `${formatRatio(ratio(g.wall, per.eleventy.wall))} Eleventy`, met: g.wall.median < per.eleventy.wall.median / 2 },
        { target: `N=${n$}: peak RSS under Hugo's`, measured: `${formatRatio(ratio(g.rss, per.hugo.rss))} Hugo (${formatMemory(g.rss)} vs ${formatMemory(per.hugo.rss)})`, met: g.rss.median < per.hugo.rss.median },
      );
    }
    const small = results.get(4000) ?? results.get(Math.min(...sizes));
    const large = results.get(50_000) ?? results.get(Math.max(...sizes));
    if (small && large && small !== large) {
      const lines = TOOLS.map((t) => `${t} ${formatRatio(ratio(large[t].wall, small[t].wall))}`);
      const nSmall = Math.min(...sizes);
      const nLarge = Math.max(...sizes);
      sections.push(`Scaling, median time at N = ${nLarge.toLocaleString('en-US')} over N = ${nSmall.toLocaleString('en-US')} (${nLarge / nSmall}× the items): ${lines.join(', ')}.`);
      const scale = ratio(large.gazette.wall, small.gazette.wall);
      targets.push({ target: `${nLarge.toLocaleString('en-US')} items in no more than 13× the ${nSmall.toLocaleString('en-US')}-item time`, measured: formatRatio(scale), met: scale <= 13 });
    }
    return {
      body: sections.join('\n\n'),
      targets,
      raw: { startup: startup.map((m) => m.wallMs), results: Object.fromEntries(results) },
    };
  },
};

export default build;
