// SIGHUP (a closed terminal or SSH session, or a supervisor's "reload") stops `gazette start` the way SIGTERM does: it
// releases the scheduler lease and its port and exits 0. And a config file edited while the worker runs is not applied
// by it: the worker says so in its log, naming the file, rather than seeming to have taken the change.
import { spawn, spawnSync } from 'node:child_process';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { childEnv, repoRoot, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { eventually } from '../worker/support.ts';
import { killLeftover, leaseHolders, makeCheckout, portIsFree } from './signal-support.ts';

/** util-linux's script(1): runs a command on a terminal of its own, which closes when script dies. */
const hasScript = spawnSync('script', ['--version']).status === 0;

const GAZETTE_SECRET = 'sighup-test-secret-0123456789abcdef';

describe.each(testDialects())('gazette start on %s', { timeout: 90_000 }, (dialect) => {
  let root: string | undefined;
  let database: TestDatabase | undefined;
  let worker: WorkerProcess | undefined;
  let leftover: number | undefined;
  afterEach(async () => {
    await worker?.stop('SIGKILL').catch(() => undefined);
    worker = undefined;
    killLeftover(leftover);
    leftover = undefined;
    await database?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const start = async (args: string[] = [], prepare?: (root: string) => Promise<void>): Promise<URL> => {
    root = await makeCheckout('gazette-sighup-');
    await prepare?.(root);
    database = await createTestDatabase(dialect);
    worker = startWorkerProcess({ cwd: root, args, env: { PORT: '0', DATABASE_URL: database.url, GAZETTE_SECRET } });
    const url = new URL(await worker.url);
    await worker.waitForLog((r) => r.msg === 'schedule running');
    return url;
  };

  it('stops gracefully on SIGHUP: lease released, port freed, exit 0', async () => {
    const url = await start();
    const store = await database!.open();
    expect(await leaseHolders(store)).toHaveLength(1);

    expect(await worker!.stop('SIGHUP')).toBe(0);
    const messages = worker!.logs().map((r) => r.msg);
    expect(messages).toContain('lease released');
    expect(messages).toContain('stopped');
    expect(await leaseHolders(store)).toEqual([]);
    expect(await portIsFree(Number(url.port))).toBe(true);
  });

  it('warns, naming the file, that a config file changed on disk needs a restart to apply', async () => {
    // --config names the file watched: here not the default gazette.yaml
    await start(['--config', 'newsroom.yaml'], (dir) =>
      rename(path.join(dir, 'gazette.yaml'), path.join(dir, 'newsroom.yaml')),
    );
    const file = path.join(root!, 'newsroom.yaml');
    const changed = (await readFile(file, 'utf8')).replace(/^ {2}title: .*$/m, '  title: "Renamed newsroom"');
    expect(changed).toContain('Renamed newsroom');
    // as an editor saves: a new file renamed over the old one
    await writeFile(`${file}.tmp`, changed);
    await rename(`${file}.tmp`, file);
    const warning = await worker!.waitForLog((r) => r.level === 40 && String(r.msg).includes('newsroom.yaml'));
    expect(warning.msg).toBe(
      `${file} changed: the running worker keeps the config it started with; restart the worker to apply it`,
    );
    // and as a plain write in place, a moment later (chokidar folds the events of one file within tens of ms)
    await new Promise((r) => setTimeout(r, 500));
    await writeFile(file, `${changed}# edited in place\n`);
    await eventually(
      async () => worker!.logs().filter((r) => r.msg === warning.msg).length,
      (n) => n >= 2,
    );
    expect(await worker!.stop('SIGTERM')).toBe(0);
  });

  // The terminal's hangup reaches the worker as SIGHUP, and then every write to its terminal fails with EIO: a log line
  // of its stop must not end it with an uncaught error, in the middle of stopping.
  it.skipIf(!hasScript)(
    'stops gracefully when its terminal closes, though its output can no longer be written',
    async () => {
      root = await makeCheckout('gazette-hangup-');
      database = await createTestDatabase(dialect);
      const exitFile = path.join(root, 'exit-status');
      // the worker is the terminal's session leader (the shell execs it); its exit status and any uncaught error are
      // recorded in a file, the terminal being gone by then
      const record = (event: string, text: string): string =>
        `process.on('${event}', (it) => fs.appendFileSync(process.env.EXIT_FILE, ${text} + '\\n'));`;
      await writeFile(
        path.join(root, 'record-exit.cjs'),
        [
          "const fs = require('node:fs');",
          record('uncaughtExceptionMonitor', 'it.stack'),
          record('exit', "'exit ' + it"),
        ].join('\n'),
      );
      const bin = path.join(repoRoot, 'bin/gazette.js');
      const command = `exec ${process.execPath} --require ./record-exit.cjs ${bin} start`;
      const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: root,
        env: childEnv({ SHELL: '/bin/sh', PORT: '0', DATABASE_URL: database.url, GAZETTE_SECRET, EXIT_FILE: exitFile }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      terminal.stdout.setEncoding('utf8').on('data', (s: string) => (screen += s));
      const url = await eventually(
        async () => / at (http:\/\/\S+\/)/.exec(screen)?.[1],
        (found) => found !== undefined,
        60_000,
      );
      const store = await database.open();
      const [holder] = await eventually(
        () => leaseHolders(store),
        (rows) => rows.length === 1,
      );
      leftover = Number(holder!.holder.split(':').at(-2));

      terminal.kill('SIGKILL');
      const recorded = await eventually(
        () => readFile(exitFile, 'utf8'),
        (text) => text.includes('exit '),
        30_000,
      );
      expect(recorded).toBe('exit 0\n');
      expect(await leaseHolders(store)).toEqual([]);
      expect(await portIsFree(Number(new URL(url!).port))).toBe(true);
    },
  );
});
