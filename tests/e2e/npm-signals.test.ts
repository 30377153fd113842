// `npm start` stopped as a supervisor or a terminal stops it: SIGTERM or SIGINT to npm's own process. npm passes
// both on to the process its script runs; that has to be the worker itself (not a shell that dies and leaves the
// worker running on its port, holding the scheduler lease), which stops gracefully, so npm exits 0.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { childEnv } from '../helpers/worker-process.ts';
import { killLeftover, leaseHolders, makeCheckout, portIsFree, workerPid } from './signal-support.ts';

interface NpmStart {
  url: Promise<URL>;
  exited: Promise<number | null>;
  logs(): Record<string, unknown>[];
  waitForLog(msg: string): Promise<void>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

function npmStart(cwd: string, env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn('npm', ['start'], {
    cwd,
    env: childEnv({ ...env, npm_config_update_notifier: 'false' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<URL>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = / at (http:\/\/\S+\/)\n/.exec(out);
      if (m) resolve(new URL(m[1]!));
    });
    void exited.then((code) => reject(new Error(`npm start exited with ${code} before serving:\n${out}\n${err}`)));
  });
  const logs = (): Record<string, unknown>[] =>
    err
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    url,
    exited,
    logs,
    async waitForLog(msg) {
      while (!logs().some((r) => r.msg === msg)) {
        if (child.exitCode !== null) throw new Error(`npm start exited before logging "${msg}":\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    output: () => `${out}\n${err}`,
    kill: (signal) => child.kill(signal),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(testDialects())('npm start on %s', { timeout: 90_000 }, (dialect) => {
  let root: string | undefined;
  let database: TestDatabase | undefined;
  let leftover: number | undefined;
  afterEach(async () => {
    killLeftover(leftover);
    leftover = undefined;
    await database?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the worker gracefully on ${signal} to npm's process, frees the port and exits 0`, async () => {
      root = await makeCheckout('gazette-npm-');
      database = await createTestDatabase(dialect);
      const npm = npmStart(root, {
        PORT: '0',
        DATABASE_URL: database.url,
        GAZETTE_SECRET: 'npm-signals-0123456789abcdef',
      });
      const url = await withTimeout(npm.url, 60_000, 'npm start serving');
      leftover = workerPid(npm.logs());
      expect(leftover).toBeDefined();
      expect((await fetch(new URL('feed.json', url))).status).toBe(200);
      await withTimeout(npm.waitForLog('schedule running'), 20_000, 'the schedule running');
      const store = await database.open();
      expect(await leaseHolders(store)).toHaveLength(1);

      npm.kill(signal);
      const code = await withTimeout(npm.exited, 30_000, `npm start exiting on ${signal}`);
      expect(
        npm.logs().some((r) => r.msg === 'stopped'),
        npm.output(),
      ).toBe(true);
      expect(code, npm.output()).toBe(0);
      expect(await portIsFree(Number(url.port))).toBe(true);
      expect(await leaseHolders(store)).toEqual([]);
    });
  }
});
