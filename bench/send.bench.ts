// Benchmark 3, sending: `gazette digest send` of editions of 10,000 and 100,000 recipients to
// Postfix's smtp-sink on loopback, with the SQLite and the PostgreSQL ledger. Baseline: Postfix's
// smtp-source sending as many messages of the same size over as many connections, the same invocation.
//
// Options: --sizes 10000,100000  --runs 3 (per size; --runs-large for ≥ 50,000, default 1)
//          --connections 8 (digest.concurrency and smtp-source sessions)
//          --ledgers sqlite,postgres  --pg postgres://postgres@127.0.0.1:5432/test
//          --groups 20 (readers spread over this many (language, topics) groups, against the same send with
//          one group, same invocation; 0: skip)  --groups-size 100000  --groups-ledger sqlite
//          --groups-runs 3 (pairs of the two sends, alternated: one group, then the groups, and again)
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, parseDatabaseUrl, sql } from '../src/adapters/database.ts';
import {
  freePort,
  positiveListOption,
  positiveOption,
  sleep,
  startChild,
  stopChild,
  type Child,
} from './bench-process.ts';
import { formatCounts, formatMemory, formatRatio, formatTimes, table } from './harness/format.ts';
import { gazetteArgs, gazetteNodeOptions } from './harness/gazette.ts';
import { measure, run, summarize, type Measurement, type Summary } from './harness/measure.ts';
import type { Benchmark, BenchContext, TargetResult } from './harness/types.ts';

type Ledger = 'sqlite' | 'postgres';

interface SendRuns {
  ledger: Ledger;
  recipients: number;
  importMs: number;
  rate: Summary;
  wall: Summary;
  rss: Summary;
  raw: { wallMs: number; maxRssKiB: number; stdout: string }[];
}

/** gazette.yaml with digest.concurrency set (the SMTP pool's connection count). */
function configWithConcurrency(text: string, connections: number): string {
  if (!/^digest:\n/m.test(text)) throw new Error('gazette.yaml has no digest: section');
  return text.replace(/^digest:\n/m, `digest:\n  concurrency: ${connections}\n`);
}

async function writeCsv(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,name\n');
  for (let i = 1; i <= count; i++) {
    if (!out.write(`reader${i}@example.org,Reader ${i}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const FIRST_EDITION = Date.UTC(2030, 0, 7, 4, 0, 0);
const WEEK_MS = 7 * 24 * 3600_000;
/** Items in each week's edition, as a newsroom of the sample's size publishes. */
const ITEMS_PER_EDITION = 3;

/**
 * A content folder in which each of `weeks` editions, a week apart from FIRST_EDITION on, has
 * ITEMS_PER_EDITION new items: the sample items in turn, dated in the three days before the
 * edition, each under a slug of its own.
 */
function writeWeeklyContent(sampleDir: string, dir: string, weeks: number): void {
  const samples = (readdirSync(sampleDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
  if (samples.length === 0) throw new Error(`no .md files in ${sampleDir}`);
  let next = 0;
  for (let w = 0; w < weeks; w++) {
    for (let j = 0; j < ITEMS_PER_EDITION; j++) {
      const file = samples[next++ % samples.length]!;
      const text = readFileSync(path.join(sampleDir, file), 'utf8');
      if (!/^date: .*$/m.test(text)) throw new Error(`${file} has no date: line`);
      const day = new Date(FIRST_EDITION + w * WEEK_MS - (ITEMS_PER_EDITION - j) * 24 * 3600_000)
        .toISOString()
        .slice(0, 10);
      const slug = path.basename(file, '.md').replace(/^\d{4}-\d\d-\d\d-/, '');
      mkdirSync(path.join(dir, day.slice(0, 4)), { recursive: true });
      writeFileSync(
        path.join(dir, day.slice(0, 4), `${day}-${slug}-${w + 1}.md`),
        text.replace(/^date: .*$/m, `date: ${day}`),
      );
    }
  }
}

/** The grouped case's topics: each week's three items carry t1+t2, t3+t4 and t5, so every group has an item. */
const BENCH_TOPICS = ['t1', 't2', 't3', 't4', 't5'];
const ITEM_TAGS = [['bench-t1', 'bench-t2'], ['bench-t3', 'bench-t4'], ['bench-t5']];

/** gazette.yaml with the bench topics under digest:. */
function configWithTopics(text: string): string {
  const topics = BENCH_TOPICS.map(
    (t) => `    - id: ${t}\n      name: { en: Topic ${t.slice(1)} }\n      tags: [bench-${t}]\n`,
  ).join('');
  return text.replace(/^digest:\n/m, `digest:\n  topics:\n${topics}`);
}

/**
 * `count` reader groups over BENCH_TOPICS: everything, then each topic alone, then pairs, then triples, … (the
 * first `count` of them); null is everything.
 */
function topicGroups(count: number): (string[] | null)[] {
  const groups: (string[] | null)[] = [null];
  const subsets = (k: number, from: number, acc: string[]): void => {
    if (acc.length === k) {
      groups.push([...acc]);
      return;
    }
    for (let i = from; i < BENCH_TOPICS.length; i++) subsets(k, i + 1, [...acc, BENCH_TOPICS[i]!]);
  };
  for (let k = 1; k <= BENCH_TOPICS.length && groups.length < count; k++) subsets(k, 0, []);
  if (groups.length < count) throw new Error(`at most ${groups.length} groups over ${BENCH_TOPICS.length} topics`);
  return groups.slice(0, count);
}

/** Tags each item of the weekly content as ITEM_TAGS says, by its place in its week. */
function tagWeeklyContent(dir: string): void {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
  const byDay = new Map<string, string[]>();
  for (const f of files) {
    const day = path.basename(f).slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), f]);
  }
  // three consecutive days per week, in order: the first day's items get the first tags
  const days = [...byDay.keys()].sort();
  days.forEach((day, i) => {
    for (const f of byDay.get(day)!) {
      const file = path.join(dir, f);
      const tags = `tags: [${ITEM_TAGS[i % ITEM_TAGS.length]!.join(', ')}]`;
      const text = readFileSync(file, 'utf8');
      writeFileSync(
        file,
        /^tags: .*$/m.test(text)
          ? text.replace(/^tags: .*$/m, tags)
          : text.replace(/^date: .*$/m, (d) => `${d}\n${tags}`),
      );
    }
  });
}

async function dropSchema(base: string, schema: string): Promise<void> {
  const admin = await openDatabase({ target: parseDatabaseUrl(base, tmpdir()) });
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
  } finally {
    await admin.close();
  }
}

/** The top functions by self time of a V8 .cpuprofile, as Markdown rows. */
function topFunctions(file: string, limit: number): string[][] {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const t = byNode.get(node.id) ?? 0;
    if (!t) continue;
    const url = node.callFrame.url
      .replace(/\?.*$/, '')
      .replace(/^file:\/\/\/work\/main\//, '')
      .replace(/^.*node_modules\//, 'node_modules/');
    const key =
      `${node.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${node.callFrame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, t]) => [`\`${k}\``, `${(t / 1000).toFixed(0)} ms`, `${((t / total) * 100).toFixed(1)}%`]);
}

interface Setup {
  root: string;
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

/** A temporary root with gazette.yaml and a fresh ledger, subscribers imported from a CSV. */
async function setup(
  ctx: BenchContext,
  ledger: Ledger,
  pgBase: string,
  connections: number,
  smtpUrl: string,
): Promise<Setup> {
  const root = mkdtempSync(path.join(tmpdir(), `gazette-bench-send-${ledger}-`));
  writeFileSync(
    path.join(root, 'gazette.yaml'),
    configWithConcurrency(readFileSync(path.join(ctx.root, 'gazette.yaml'), 'utf8'), connections),
  );
  let schema: string | undefined;
  let databaseUrl: string;
  if (ledger === 'sqlite') {
    databaseUrl = `sqlite:${path.join(root, 'var', 'gazette.db')}`;
  } else {
    schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    const u = new URL(pgBase);
    u.searchParams.set('schema', schema);
    databaseUrl = u.toString();
  }
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtpUrl,
    LOG_LEVEL: 'warn',
    GAZETTE_SECRET: 'bench-secret-0123456789abcdef0123456789',
    ADMIN_TOKEN: '',
  };
  return {
    root,
    env,
    async dispose() {
      rmSync(root, { recursive: true, force: true });
      if (schema) await dropSchema(pgBase, schema);
    },
  };
}

async function waitForSmtp(port: number, sink: Child): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (sink.child.exitCode !== null) throw new Error(`smtp-sink exited: ${sink.output()}`);
    const probe = await run('/usr/sbin/smtp-source', ['-m', '1', '-l', '10', `127.0.0.1:${port}`], { timeoutMs: 5000 });
    if (probe.code === 0) return;
    await sleep(100);
  }
  throw new Error(`smtp-sink does not answer on port ${port}: ${sink.output()}`);
}

const send: Benchmark = {
  name: 'send',
  order: 3,
  title: 'Sending',
  async run(ctx) {
    const sizes = positiveListOption(ctx.options.sizes, [10_000, 100_000]);
    const runs = positiveOption(ctx.options.runs, 3);
    const runsLarge = positiveOption(ctx.options['runs-large'], 1);
    const connections = positiveOption(ctx.options.connections, 8);
    const ledgers = (
      typeof ctx.options.ledgers === 'string' ? ctx.options.ledgers.split(',') : ['sqlite', 'postgres']
    ) as Ledger[];
    const pgBase = typeof ctx.options.pg === 'string' ? ctx.options.pg : 'postgres://postgres@127.0.0.1:5432/test';
    const groupsCount = ctx.options.groups === '0' ? 0 : positiveOption(ctx.options.groups, 20);
    const groupsSize = positiveOption(ctx.options['groups-size'], 100_000);
    const groupsRuns = positiveOption(ctx.options['groups-runs'], 3);
    const groupsLedger = (
      typeof ctx.options['groups-ledger'] === 'string' ? ctx.options['groups-ledger'] : 'sqlite'
    ) as Ledger;
    const grouped: { groups: number; wallMs: number; maxRssKiB: number }[] = [];
    const gazetteBin = path.join(ctx.root, 'bin/gazette.js');
    const sampleDir = path.join(ctx.root, 'content');
    const port = await freePort();
    const smtpUrl = `smtp://127.0.0.1:${port}`;
    // smtp-sink writes no mail unless asked to (-d / -D); it answers 250 to every message.
    const sink = startChild(
      '/usr/sbin/smtp-sink',
      ['-u', 'nobody', `127.0.0.1:${port}`, '1000'],
      tmpdir(),
      process.env,
    );
    const results: SendRuns[] = [];
    const baseline = new Map<number, Summary>();
    let messageBytes = 0;
    let profileRows: string[][] | undefined;
    let profileWhat = '';
    // Each edition is a week after the one before, so each send is a new slot with that week's items.
    let week = 0;
    const weeks = 1 + ledgers.length * (sizes.reduce((sum, n) => sum + (n >= 50_000 ? runsLarge : runs), 0) + 1);
    const contentDir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-send-content-'));
    writeWeeklyContent(sampleDir, contentDir, weeks);
    const nextNow = (): string => {
      if (week >= weeks) throw new Error(`more than the ${weeks} editions the content was written for`);
      return new Date(FIRST_EDITION + WEEK_MS * week++).toISOString();
    };
    const sendArgs = (): string[] =>
      gazetteArgs(ctx.root, 'digest', 'send', '--content', contentDir, '--now', nextNow());
    try {
      await waitForSmtp(port, sink);

      // The size of one of gazette's messages, from `digest preview`'s sample .eml.
      {
        const s = await setup(ctx, 'sqlite', pgBase, connections, '');
        try {
          const previewDir = path.join(s.root, 'preview');
          const p = await run(
            process.execPath,
            [gazetteBin, 'digest', 'preview', '--content', contentDir, '--now', nextNow(), '--out', previewDir],
            { cwd: s.root, env: { ...s.env, SMTP_URL: '' } },
          );
          if (p.code !== 0) throw new Error(`gazette digest preview failed: ${p.stderr}${p.stdout}`);
          const sample = path.join(previewDir, 'sample');
          const eml = readdirSync(sample).find((f) => f.endsWith('.eml'));
          if (!eml) throw new Error(`no .eml in ${sample}`);
          messageBytes = statSync(path.join(sample, eml)).size;
          ctx.log(`one message is ${messageBytes} bytes`);
        } finally {
          await s.dispose();
        }
      }

      for (const n of sizes) {
        const count = n >= 50_000 ? runsLarge : runs;
        // Baseline: smtp-source, the same messages count, size and connections (-d: one connection for many messages, as a pool does).
        const source: number[] = [];
        for (let r = 0; r < count; r++) {
          const m = await measure(
            '/usr/sbin/smtp-source',
            [
              '-d',
              '-s',
              String(connections),
              '-m',
              String(n),
              '-l',
              String(messageBytes),
              '-f',
              'news@caricc.org',
              '-t',
              'reader@example.org',
              `127.0.0.1:${port}`,
            ],
            {
              timeoutMs: 30 * 60_000,
            },
          );
          source.push(n / (m.wallMs / 1000));
          ctx.log(`N=${n} smtp-source run ${r + 1}/${count}: ${(n / (m.wallMs / 1000)).toFixed(0)} messages/s`);
        }
        baseline.set(n, summarize(source));

        for (const ledger of ledgers) {
          const s = await setup(ctx, ledger, pgBase, connections, smtpUrl);
          try {
            const csv = path.join(s.root, 'subscribers.csv');
            await writeCsv(csv, n);
            const imp = await measure(process.execPath, [gazetteBin, 'subscribers', 'import', csv], {
              cwd: s.root,
              env: s.env,
              timeoutMs: 60 * 60_000,
            });
            ctx.log(`N=${n} ${ledger}: import ${(imp.wallMs / 1000).toFixed(1)} s: ${imp.stdout.trim()}`);
            const raw: SendRuns['raw'] = [];
            for (let r = 0; r < count; r++) {
              const m: Measurement = await measure(process.execPath, sendArgs(), {
                cwd: s.root,
                env: s.env,
                timeoutMs: 60 * 60_000,
              });
              const sent = Number(/sent (\d+), failed/.exec(m.stdout)?.[1] ?? NaN);
              if (sent !== n)
                throw new Error(
                  `N=${n} ${ledger}: digest send reports ${sent} sent, not ${n}:\n${m.stdout}${m.stderr.slice(-2000)}`,
                );
              const items = Number(/, (\d+) items?, /.exec(m.stdout)?.[1] ?? NaN);
              if (items !== ITEMS_PER_EDITION)
                throw new Error(
                  `N=${n} ${ledger}: the edition holds ${items} items, not ${ITEMS_PER_EDITION}:\n${m.stdout}`,
                );
              raw.push({ wallMs: m.wallMs, maxRssKiB: m.maxRssKiB, stdout: m.stdout.trim() });
              ctx.log(
                `N=${n} ${ledger} run ${r + 1}/${count}: ${(n / (m.wallMs / 1000)).toFixed(0)} messages/s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`,
              );
            }
            results.push({
              ledger,
              recipients: n,
              importMs: imp.wallMs,
              rate: summarize(raw.map((x) => n / (x.wallMs / 1000))),
              wall: summarize(raw.map((x) => x.wallMs)),
              rss: summarize(raw.map((x) => x.maxRssKiB)),
              raw,
            });
            // One CPU profile, of the smallest edition on SQLite, when the rate target is missed there.
            const last = results.at(-1)!;
            const missed = last.rate.median < 2000 || last.rate.median < baseline.get(n)!.median / 2;
            if (profileRows === undefined && missed && ctx.options['no-profile'] !== true) {
              const profDir = path.join(s.root, 'prof');
              const p = await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, ...sendArgs()], {
                cwd: s.root,
                env: s.env,
                timeoutMs: 60 * 60_000,
              });
              if (p.code !== 0) throw new Error(`profiled send failed: ${p.stderr}`);
              const prof = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
              // tsx's loader thread writes a profile of its own, nearly all idle: keep the main thread's (the largest file).
              const main = prof
                .map((f) => path.join(profDir, f))
                .sort((a, b) => statSync(b).size - statSync(a).size)[0];
              if (main) profileRows = topFunctions(main, 15);
              profileWhat = `N=${n.toLocaleString('en-US')}, ${ledger}`;
              ctx.log(`profiled ${profileWhat}`);
            }
          } finally {
            await s.dispose();
          }
        }
      }

      // The same send, readers spread over `groups` (language, topics) groups, against all of them in one.
      if (groupsCount > 0) {
        const groupedDir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-send-groups-'));
        try {
          writeWeeklyContent(sampleDir, groupedDir, 2 * groupsRuns);
          tagWeeklyContent(groupedDir);
          let groupedWeek = 0;
          const s = await setup(ctx, groupsLedger, pgBase, connections, smtpUrl);
          try {
            writeFileSync(
              path.join(s.root, 'gazette.yaml'),
              configWithTopics(readFileSync(path.join(s.root, 'gazette.yaml'), 'utf8')),
            );
            const csv = path.join(s.root, 'subscribers.csv');
            await writeCsv(csv, groupsSize);
            const imp = await measure(process.execPath, [gazetteBin, 'subscribers', 'import', csv], {
              cwd: s.root,
              env: s.env,
              timeoutMs: 60 * 60_000,
            });
            ctx.log(`groups: import ${(imp.wallMs / 1000).toFixed(1)} s: ${imp.stdout.trim()}`);
            const groups = topicGroups(groupsCount);
            const setTopics = async (spread: boolean): Promise<void> => {
              const db = await openDatabase({ target: parseDatabaseUrl(s.env.DATABASE_URL, path.join(s.root, 'var')) });
              try {
                if (!spread) await sql`update subscribers set topics = null`.execute(db.db);
                else
                  for (let g = 0; g < groups.length; g++) {
                    const topics = groups[g] ? JSON.stringify(groups[g]) : null;
                    await sql`update subscribers set topics = ${topics} where id % ${groups.length} = ${g}`.execute(
                      db.db,
                    );
                  }
              } finally {
                await db.close();
              }
            };
            // alternated, so that the machine's load weighs on both alike
            for (const spread of Array.from({ length: groupsRuns }, () => [false, true]).flat()) {
              await setTopics(spread);
              const m = await measure(
                process.execPath,
                gazetteArgs(
                  ctx.root,
                  'digest',
                  'send',
                  '--content',
                  groupedDir,
                  '--now',
                  new Date(FIRST_EDITION + WEEK_MS * groupedWeek++).toISOString(),
                ),
                { cwd: s.root, env: s.env, timeoutMs: 60 * 60_000 },
              );
              const sent = Number(/sent (\d+), failed/.exec(m.stdout)?.[1] ?? NaN);
              const made = Number(/^\s+(\d+) groups? of readers/m.exec(m.stdout)?.[1] ?? 1);
              const expectedGroups = spread ? groups.length : 1;
              if (sent !== groupsSize || made !== expectedGroups)
                throw new Error(
                  `grouped send: ${sent} sent in ${made} groups, not ${groupsSize} in ${expectedGroups}:\n` +
                    `${m.stdout}${m.stderr.slice(-2000)}`,
                );
              grouped.push({ groups: expectedGroups, wallMs: m.wallMs, maxRssKiB: m.maxRssKiB });
              ctx.log(
                `N=${groupsSize} ${groupsLedger}, ${expectedGroups} group(s): ${(m.wallMs / 1000).toFixed(2)} s, ` +
                  `${(groupsSize / (m.wallMs / 1000)).toFixed(0)} messages/s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`,
              );
            }
          } finally {
            await s.dispose();
          }
        } finally {
          rmSync(groupedDir, { recursive: true, force: true });
        }
      }
    } finally {
      await stopChild(sink.child);
      rmSync(contentDir, { recursive: true, force: true });
    }

    const targets: TargetResult[] = [];
    const rows: string[][] = [];
    for (const r of results) {
      const base = baseline.get(r.recipients)!;
      rows.push([
        r.recipients.toLocaleString('en-US'),
        r.ledger,
        formatCounts(r.rate),
        formatTimes(r.wall),
        formatMemory(r.rss),
        formatCounts(base),
        formatRatio(r.rate.median / base.median),
        `${(r.importMs / 1000).toFixed(1)} s`,
      ]);
      const label = `N=${r.recipients.toLocaleString('en-US')}, ${r.ledger}`;
      targets.push(
        {
          target: `${label}: at least 2,000 messages per second`,
          measured: `${r.rate.median.toFixed(0)}/s (median)`,
          met: r.rate.median >= 2000,
        },
        {
          target: `${label}: at least half of smtp-source's rate`,
          measured: `${formatRatio(r.rate.median / base.median)} smtp-source (${base.median.toFixed(0)}/s)`,
          met: r.rate.median >= base.median / 2,
        },
        {
          target: `${label}: peak RSS under 150 MB`,
          measured: `${(r.rss.max / 1024).toFixed(0)} MiB (max)`,
          met: r.rss.max * 1024 < 150e6,
        },
      );
    }
    for (const ledger of ledgers) {
      const mine = results.filter((r) => r.ledger === ledger).sort((a, b) => a.recipients - b.recipients);
      if (mine.length < 2) continue;
      const small = mine[0]!;
      const large = mine.at(-1)!;
      targets.push({
        target: `${ledger}: peak RSS at ${large.recipients.toLocaleString('en-US')} no higher than at ${small.recipients.toLocaleString('en-US')}`,
        measured: `${(large.rss.median / 1024).toFixed(0)} vs ${(small.rss.median / 1024).toFixed(0)} MiB (median)`,
        // Within 5%: one run's RSS moves by a few MiB with garbage collection timing.
        met: large.rss.median <= small.rss.median * 1.05,
      });
    }
    // the median run of each: one group, and spread over the groups
    const medianOf = (runs: typeof grouped) => {
      const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
      return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)]!;
    };
    const oneRuns = grouped.filter((g) => g.groups === 1);
    const manyRuns = grouped.filter((g) => g.groups > 1);
    const one = medianOf(oneRuns);
    const many = medianOf(manyRuns);
    let groupedBody = '';
    if (one && many) {
      const r = many.wallMs / one.wallMs;
      const groupRow = (median: (typeof grouped)[number], runs: typeof grouped): string[] => [
        String(median.groups),
        `${runs.map((g) => (g.wallMs / 1000).toFixed(2)).join(' / ')} s`,
        `${(median.wallMs / 1000).toFixed(2)} s`,
        (groupsSize / (median.wallMs / 1000)).toFixed(0),
        `${(median.maxRssKiB / 1024).toFixed(0)} MiB`,
      ];
      targets.push({
        target: `N=${groupsSize.toLocaleString('en-US')}, ${groupsLedger}: ${many.groups} groups within 1.2× of one group's send`,
        measured: `${(many.wallMs / 1000).toFixed(2)} s vs ${(one.wallMs / 1000).toFixed(2)} s (${r.toFixed(2)}×, medians)`,
        met: r <= 1.2,
      });
      groupedBody = [
        '',
        `**Readers in groups.** The same send of ${groupsSize.toLocaleString('en-US')} recipients (${groupsLedger}), the`,
        `week's three items tagged with five topics, once with every reader in one group and once with the readers spread`,
        `evenly over ${many.groups} (language, topics) groups (a digest composed, and its message compiled, per group);`,
        `${groupsRuns} of each, alternated, each a new week's edition:`,
        '',
        table(
          ['groups', 'send wall time (each run)', 'median', 'messages/s (median)', 'peak RSS (median run)'],
          [groupRow(one, oneRuns), groupRow(many, manyRuns)],
        ),
        '',
        `${many.groups} groups / one group: ${r.toFixed(2)}× the median wall time.`,
      ].join('\n');
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    const postfix = (await run('dpkg-query', ['-W', '-f', '${Version}', 'postfix'])).stdout.trim();
    const body = [
      `Recipients come from a generated CSV (\`readerN@example.org\`) loaded with \`gazette subscribers import\` (its time is`,
      `in the last column, not in the rate). Each run sends a new week's edition (\`node ${gazetteNodeOptions(ctx.root).join(' ')} bin/gazette.js digest send`,
      `--content DIR --now …\`, as \`npx gazette digest send\` runs it with its #! line's Node options, a week after the run before) holding`,
      `${ITEMS_PER_EDITION} new items: DIR holds the sample content/ items in turn, ${ITEMS_PER_EDITION} dated in each week. With`,
      `SMTP_URL=smtp://127.0.0.1:PORT and gazette.yaml's \`digest.concurrency: ${connections}\`, run in a temporary root; one message is`,
      `${messageBytes.toLocaleString('en-US')} bytes (the size of \`digest preview\`'s sample .eml). The rate is recipients / wall time of the`,
      'whole `digest send` process (start-up, creating the edition and its delivery rows, sending, the report); peak RSS is',
      `its ru_maxrss from GNU time. The server is Postfix ${postfix} \`smtp-sink -u nobody 127.0.0.1:PORT 1000\` (Debian;`,
      'it writes no mail without -d/-D). Baseline: `smtp-source -d -s ' +
        connections +
        ' -m N -l ' +
        messageBytes +
        ' 127.0.0.1:PORT`, the same',
      `number of messages of that payload size over ${connections} connections kept open (-d), against the same smtp-sink.`,
      `SQLite ledger: a file in the temporary var/; PostgreSQL ledger: ${pgBase.replace(/\/\/[^@]*@/, '//…@')} in a schema of its own, dropped afterwards.`,
      `Runs: ${runs} per size below 50,000 recipients, ${runsLarge} at 50,000 or more (each a full edition).`,
      '',
      table(
        [
          'recipients',
          'ledger',
          'gazette messages/s (min / median / max)',
          'send wall time',
          'peak RSS',
          'smtp-source messages/s',
          'gazette / smtp-source',
          'import',
        ],
        rows,
      ),
      profileRows
        ? [
            '',
            `**Profile** (\`node --cpu-prof\`, one send at ${profileWhat}), top functions by self time:`,
            '',
            table(['function', 'self time', 'share'], profileRows),
          ].join('\n')
        : '',
      groupedBody,
    ].join('\n');
    return {
      body,
      targets,
      raw: {
        results,
        baseline: Object.fromEntries(baseline),
        messageBytes,
        connections,
        profile: profileRows,
        grouped,
      },
    };
  },
};

export default send;
