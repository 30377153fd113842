// Benchmark 4, serving: wrk against `gazette serve` and nginx serving the same public/ folder on
// loopback; full GETs and conditional GETs (If-None-Match with each server's own ETag) of /feed.xml.
//
// Options: --items 4000 (the synthetic site of benchmark 1; `--items sample` serves content/)
//          --runs 3  --duration 10  --connections 32  --threads 2
//          --workers N  processes of each server (gazette's `--workers`, nginx's `worker_processes`);
//                       default: one per core, what `gazette serve` and nginx's `auto` both choose
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, peakRss, positiveOption, startChild, stopChild } from './bench-process.ts';
import { ensureSites } from './generate.ts';
import { formatCounts, formatRatio, table } from './harness/format.ts';
import { run, summarize, type Summary } from './harness/measure.ts';
import type { Benchmark, BenchContext, TargetResult } from './harness/types.ts';

type Server = 'gazette' | 'nginx';
const SERVERS: readonly Server[] = ['gazette', 'nginx'];

interface Scenario {
  name: string;
  /** Request headers besides Host, given the server's answers to the probes. */
  headers: (probe: Probes) => Record<string, string>;
  status: number;
}

interface Probes {
  etag: string;
  gzipEtag: string;
  length: number;
  gzipLength: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'full GET', headers: () => ({}), status: 200 },
  { name: 'full GET, gzip', headers: () => ({ 'Accept-Encoding': 'gzip' }), status: 200 },
  { name: 'conditional GET (304)', headers: (p) => ({ 'If-None-Match': p.etag }), status: 304 },
  {
    name: 'conditional GET, gzip (304)',
    headers: (p) => ({ 'Accept-Encoding': 'gzip', 'If-None-Match': p.gzipEtag }),
    status: 304,
  },
];

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the server exited (${child.exitCode}) before answering: ${output().slice(-2000)}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no answer from ${url} within 60 s: ${output().slice(-2000)}`);
}

/** nginx as Debian configures it (sendfile, keep-alive) with `workers` worker processes, plus gzip and ETags, logging off. */
function nginxConfig(dir: string, root: string, port: number, workers: number): string {
  return `daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  types {
    text/html html;
    application/xml xml xsl;
    application/json json;
    text/css css;
  }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  etag on;
  gzip on;
  gzip_vary on;
  gzip_types application/xml application/json text/css;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}

/** The site to serve, built by gazette once and reused while its content is the same. */
async function siteToServe(ctx: BenchContext): Promise<{ publicDir: string; label: string }> {
  const items = ctx.options.items ?? '4000';
  const base = path.join(ctx.workDir, 'serve');
  let contentDir: string;
  let label: string;
  if (items === 'sample') {
    contentDir = path.join(ctx.root, 'content');
    label = 'the sample content (content/)';
  } else {
    const n = positiveOption(items, 4000);
    const pluginDir = path.join(ctx.root, 'bench', 'eleventy', 'node_modules', '@11ty', 'eleventy-plugin-rss');
    contentDir = ensureSites(ctx.workDir, n, pluginDir).gazette;
    label = `the ${n.toLocaleString('en-US')}-item synthetic site of benchmark 1`;
  }
  const publicDir = path.join(base, `public-${items}`);
  mkdirSync(base, { recursive: true });
  ctx.log(`building ${label} with gazette`);
  // An unchanged build is detected by gazette itself and leaves public/ as it is.
  const built = await run(
    process.execPath,
    [
      path.join(ctx.root, 'bin/gazette.js'),
      'build',
      '--config',
      path.join(ctx.root, 'gazette.yaml'),
      '--content',
      contentDir,
      '--out',
      publicDir,
    ],
    { cwd: ctx.root },
  );
  if (built.code !== 0) throw new Error(`gazette build failed: ${built.stderr}`);
  return { publicDir, label };
}

/** One request through node:http, which (unlike fetch) leaves the body as sent: compressed bytes stay compressed. */
function probe(
  url: string,
  expectStatus: number,
  headers: Record<string, string>,
): Promise<{ headers: IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.byteLength));
      res.on('end', () => {
        if (res.statusCode !== expectStatus)
          reject(new Error(`${url} with ${JSON.stringify(headers)} answered ${res.statusCode}, not ${expectStatus}`));
        else resolve({ headers: res.headers, bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function probes(url: string): Promise<Probes> {
  const plain = await probe(url, 200, {});
  const gz = await probe(url, 200, { 'Accept-Encoding': 'gzip' });
  if (gz.headers['content-encoding'] !== 'gzip') throw new Error(`${url} did not gzip`);
  const etag = plain.headers.etag;
  const gzipEtag = gz.headers.etag;
  if (!etag || !gzipEtag) throw new Error(`${url} sent no ETag`);
  return { etag, gzipEtag, length: plain.bytes, gzipLength: gz.bytes };
}

interface WrkResult {
  rps: number;
  transferPerSec: string;
  latencyAvg: string;
  badResponses: number;
  socketErrors: string | undefined;
}

function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  if (rps === undefined) throw new Error(`cannot read wrk's output:\n${out}`);
  return {
    rps: Number(rps),
    transferPerSec: /Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? '?',
    latencyAvg: /Latency\s+(\S+)/.exec(out)?.[1] ?? '?',
    badResponses: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors:\s*(.*)/.exec(out)?.[1],
  };
}

/** The process ids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // the fields after the command name, which is in parentheses and may hold spaces
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Peak resident memory of a process and its children, each at its own peak, and how many processes that is. */
function peakRssTree(pid: number | undefined): { kib: number; processes: number } | undefined {
  if (pid === undefined) return undefined;
  const own = peakRss(pid);
  if (own === undefined) return undefined;
  let kib = own;
  let processes = 1;
  for (const child of childrenOf(pid)) {
    const rss = peakRss(child);
    if (rss === undefined) continue;
    kib += rss;
    processes++;
  }
  return { kib, processes };
}

const serve: Benchmark = {
  name: 'serve',
  order: 4,
  title: 'Serving',
  async run(ctx) {
    const runs = positiveOption(ctx.options.runs, 3);
    const duration = positiveOption(ctx.options.duration, 10);
    const connections = positiveOption(ctx.options.connections, 32);
    const threads = positiveOption(ctx.options.threads, 2);
    const workers = positiveOption(ctx.options.workers, availableParallelism());
    const { publicDir, label } = await siteToServe(ctx);
    const feedBytes = readFileSync(path.join(publicDir, 'feed.xml')).byteLength;

    const gazetteBin = path.join(ctx.root, 'bin/gazette.js');
    const hasServe = (await run(process.execPath, [gazetteBin, 'serve', '--help'], { cwd: ctx.root })).code === 0;
    const ports = { gazette: await freePort(), nginx: await freePort() };
    const nginxDir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-nginx-'));
    const serverCwd = path.join(ctx.workDir, 'serve', 'cwd');
    // No admin API, and only warnings in the servers' output.
    const serverEnv = { ...process.env, ADMIN_TOKEN: '', LOG_LEVEL: 'warn' };
    mkdirSync(serverCwd, { recursive: true });
    writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, publicDir, ports.nginx, workers));

    const gazette = hasServe
      ? startChild(
          process.execPath,
          [
            gazetteBin,
            'serve',
            '--config',
            path.join(ctx.root, 'gazette.yaml'),
            '--public',
            publicDir,
            '--host',
            '127.0.0.1',
            '--port',
            String(ports.gazette),
            '--workers',
            String(workers),
          ],
          serverCwd,
          serverEnv,
        )
      : startChild(
          process.execPath,
          [
            path.join(ctx.root, 'node_modules/tsx/dist/cli.mjs'),
            path.join(ctx.root, 'bench/gazette-server.ts'),
            publicDir,
            String(ports.gazette),
            String(workers),
          ],
          serverCwd,
          serverEnv,
        );
    const nginx = startChild(
      '/usr/sbin/nginx',
      ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-e', path.join(nginxDir, 'error.log')],
      nginxDir,
      serverEnv,
    );
    const urls: Record<Server, string> = {
      gazette: `http://127.0.0.1:${ports.gazette}/feed.xml`,
      nginx: `http://127.0.0.1:${ports.nginx}/feed.xml`,
    };
    const children: Record<Server, ReturnType<typeof startChild>> = { gazette, nginx };
    const rps: Record<string, Record<Server, number[]>> = {};
    const details: Record<string, Record<Server, WrkResult[]>> = {};
    let gazettePeak: { kib: number; processes: number } | undefined;
    const seen: Record<Server, Probes> = {} as Record<Server, Probes>;
    try {
      for (const s of SERVERS) await waitForHttp(urls[s], children[s].child, children[s].output);
      for (const s of SERVERS) {
        seen[s] = await probes(urls[s]);
        for (const sc of SCENARIOS) await probe(urls[s], sc.status, sc.headers(seen[s]));
      }
      // Warm-up, not counted: gazette's JIT compiles its hot path and both fill their caches.
      for (const s of SERVERS) {
        for (const sc of SCENARIOS) {
          const headerArgs = Object.entries(sc.headers(seen[s])).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
          await run('wrk', [`-t${threads}`, `-c${connections}`, '-d2s', ...headerArgs, urls[s]], { timeoutMs: 60_000 });
        }
      }
      for (let r = 0; r < runs; r++) {
        for (const sc of SCENARIOS) {
          // Alternate which server goes first, so neither always meets the other's leftovers.
          for (const s of r % 2 === 0 ? SERVERS : [...SERVERS].reverse()) {
            const headerArgs = Object.entries(sc.headers(seen[s])).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
            const out = await run(
              'wrk',
              [`-t${threads}`, `-c${connections}`, `-d${duration}s`, ...headerArgs, urls[s]],
              { timeoutMs: (duration + 30) * 1000 },
            );
            if (out.code !== 0) throw new Error(`wrk failed: ${out.stderr}${out.stdout}`);
            const result = parseWrk(out.stdout);
            if (result.badResponses > 0)
              throw new Error(`${s} answered ${result.badResponses} requests with an error during "${sc.name}"`);
            rps[sc.name] ??= { gazette: [], nginx: [] };
            rps[sc.name]![s].push(result.rps);
            details[sc.name] ??= { gazette: [], nginx: [] };
            details[sc.name]![s].push(result);
            ctx.log(`run ${r + 1}/${runs} ${sc.name} ${s}: ${result.rps.toFixed(0)} requests/s`);
          }
        }
      }
      gazettePeak = peakRssTree(gazette.child.pid);
    } finally {
      await Promise.all([stopChild(gazette.child), stopChild(nginx.child, 'SIGQUIT')]);
      rmSync(nginxDir, { recursive: true, force: true });
    }

    const nginxVersion = (await run('/usr/sbin/nginx', ['-v'])).stderr.trim().replace(/^nginx version: /, '');
    const wrkVersion = (await run('wrk', ['-v'])).stdout.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ?? 'wrk';
    const targets: TargetResult[] = [];
    const rows: string[][] = [];
    for (const sc of SCENARIOS) {
      const g: Summary = summarize(rps[sc.name]!.gazette);
      const n: Summary = summarize(rps[sc.name]!.nginx);
      const r = g.median / n.median;
      rows.push([sc.name, formatCounts(g), formatCounts(n), formatRatio(r)]);
      targets.push({
        target: `${sc.name}: gazette at least half of nginx's requests per second`,
        measured: `${formatRatio(r)} nginx`,
        met: r >= 0.5,
      });
    }
    const processes = workers === 1 ? 'one process' : `${workers} worker processes`;
    const body = [
      `Site: ${label}; /feed.xml is ${(feedBytes / 1024).toFixed(1)} KiB (gzip: gazette ${(seen.gazette.gzipLength / 1024).toFixed(1)} KiB,`,
      `nginx ${(seen.nginx.gzipLength / 1024).toFixed(1)} KiB). Both serve the same public/ folder on 127.0.0.1 with ${processes} each:`,
      hasServe
        ? `\`gazette serve --workers ${workers}\` (${workers === 1 ? 'one Node process' : `${workers} Node worker processes accepting connections and answering files from memory, and the main process holding the application, to which they forward every other request`})`
        : `gazette's server through bench/gazette-server.ts (\`gazette serve\` is not registered yet; ${workers === 1 ? 'one process' : `${workers} workers`})`,
      `and ${nginxVersion} (Debian; \`worker_processes ${workers}\`, sendfile, keep-alive, \`gzip on\` at its default level 1`,
      `compressing each response on the fly, \`etag on\`, access log off; config written to a temp folder). gazette compresses each file`,
      'once (gzip level 9, brotli) and keeps the result in memory, so the gzip rows compare a cache with on-the-fly compression;',
      'nginx would need `gzip_static` and .gz files beside each file to do the same, and the build writes none.',
      `Load: ${wrkVersion} \`-t${threads} -c${connections} -d${duration}s\` (keep-alive connections) on the same machine, so client and`,
      `servers share its ${availableParallelism()} cores; each scenario runs against both servers in turn, ${runs} times, after a 2 s warm-up`,
      'of each. Every scenario is checked first to answer 200 or 304 as expected; conditional GETs send the ETag that server gave',
      'for that representation (nginx gives gzip responses a weak one).',
      '',
      table(
        [
          'scenario',
          'gazette requests/s (min / median / max)',
          'nginx requests/s (min / median / max)',
          'gazette / nginx',
        ],
        rows,
      ),
      '',
      gazettePeak !== undefined
        ? `gazette's server peak RSS over the whole run: ${(gazettePeak.kib / 1024).toFixed(0)} MiB, the sum of each of its ${gazettePeak.processes} processes' peaks.`
        : '',
    ].join('\n');
    return { body, targets, raw: { details, ports, feedBytes, probes: seen } };
  },
};

export default serve;
