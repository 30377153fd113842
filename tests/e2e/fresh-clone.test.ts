// What a new user does on a fresh clone: `npm ci`, `npm start` with no configuration changes and no SMTP; the site and
// its feeds are served with ETags; `gazette subscribers add` and `gazette digest send` write .eml files to var/outbox/.
//
// Slow on purpose: it clones the repository (HEAD) and runs `npm ci --prefer-offline` in the clone, which installs
// every package (and may build better-sqlite3) — minutes, not seconds, hence the 15-minute timeout.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, gazetteAsync, repoRoot } from '../helpers/worker-process.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('a fresh clone', { timeout: 15 * 60_000 }, () => {
  let dir: string | undefined;
  let workerPid: number | undefined;
  afterAll(async () => {
    if (workerPid !== undefined) {
      try {
        process.kill(workerPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`installs with npm ci, runs with npm start as is, \
serves the feeds, and sends a digest to the outbox`, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-clone-'));
    const clone = path.join(dir, 'gazette');
    const cloned = spawnSync('git', ['clone', '--quiet', repoRoot, clone], { encoding: 'utf8' });
    expect(cloned.stderr).toBe('');
    expect(cloned.status).toBe(0);

    const install = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], clone, 14 * 60_000);
    expect(install.output).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
    // npm ci compiled the sources (the "prepare" script), so gazette starts from the bundle.
    const stamp = JSON.parse(await readFile(path.join(clone, 'dist', 'stamp.json'), 'utf8')) as {
      newestSource: number;
    };
    expect(stamp.newestSource).toBeGreaterThan(0);
    expect(await readdir(path.join(clone, 'dist', 'cli'))).toContain('main.js');

    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: clone,
      env: childEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    npm.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => npm.once('close', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!out.includes(`at http://127.0.0.1:${port}/`)) {
      if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not serve:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The worker's id, in its first log line, is host:pid:random.
    const starting = out.split('\n').find((line) => line.includes('"msg":"worker starting"'));
    workerPid = Number(/"worker":"[^"]*:(\d+):[0-9a-f]+"/.exec(starting ?? '')?.[1]);
    expect(workerPid).toBeGreaterThan(0);

    const base = `http://127.0.0.1:${port}/`;
    for (const [file, type] of [
      ['feed.xml', 'application/rss+xml'],
      ['atom.xml', 'application/atom+xml'],
      ['feed.json', 'application/feed+json'],
      ['', 'text/html'],
    ] as const) {
      const res = await fetch(base + file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toContain(type);
      expect(res.headers.get('etag'), file).toMatch(/^"/);
      await res.arrayBuffer();
    }

    // The sample items are from 2021: the new user writes this week's first item, then sends the digest.
    const date = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await writeFile(
      path.join(clone, 'content/2021/first-item-of-the-week.md'),
      `---\ntitle: "Our first item of the week"\ndate: ${date}\n` +
        `summary: "What happened this week."\n---\n\nThe body of the item.\n`,
    );
    const bin = path.join(clone, 'bin/gazette.js');
    const added = await gazetteAsync(clone, ['subscribers', 'add', 'a@example.org'], {}, bin);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const sent = await gazetteAsync(clone, ['digest', 'send'], {}, bin);
    expect(sent.stderr).not.toMatch(/^gazette: /m);
    expect(sent.status).toBe(0);
    const emls = (await filesUnder(path.join(clone, 'var/outbox'))).filter((f) => f.endsWith('.eml'));
    expect(emls.length).toBeGreaterThanOrEqual(1);
    const texts = await Promise.all(emls.map((f) => readFile(f, 'utf8')));
    const digest = texts.find((t) => /^To: a@example\.org/m.test(t) && t.includes('Our first item of the week'));
    expect(digest).toBeDefined();
    expect(digest).toMatch(/^List-Unsubscribe:\s+<https?:/m);

    // The new item also went live on the running site (the watcher rebuilt it).
    const deadlineFeed = Date.now() + 30_000;
    let feed = '';
    while (!feed.includes('Our first item of the week') && Date.now() < deadlineFeed) {
      feed = await (await fetch(`${base}feed.json`)).text();
      if (!feed.includes('Our first item of the week')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(feed).toContain('Our first item of the week');

    // SIGTERM to the worker: it stops gracefully and exits 0, which npm passes on as its own exit status.
    process.kill(workerPid, 'SIGTERM');
    expect(await exited).toBe(0);
    workerPid = undefined;
    expect(out).toContain('"msg":"stopped"');
  });
});
