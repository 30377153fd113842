// var/ was readable by every local user: the folder 0755, gazette.db and every .eml 0644, and an .eml holds live
// confirmation and unsubscribe links. Now, whatever the umask, var/ and the outbox folders are 0700 and the secret,
// the database (with its -wal and -shm) and every .eml are 0600. Real commands, run from nothing under umask 022.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs `command` (arguments quoted here) through a shell that sets umask 022 first, in `cwd`. */
function underUmask(cwd: string, command: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync('/bin/sh', ['-c', `umask 022 && exec ${command.map(quote).join(' ')}`], {
    cwd,
    env: childEnv({ LOG_LEVEL: 'warn' }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const gazette = (cwd: string, args: string[]) =>
  underUmask(cwd, [
    process.execPath,
    path.join(repoRoot, 'bin/gazette.js'),
    ...args,
    '--config',
    path.join(repoRoot, 'gazette.yaml'),
  ]);

const mode = async (file: string): Promise<string> => ((await stat(file)).mode & 0o777).toString(8).padStart(4, '0');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.join(e.parentPath, e.name));
}

describe('var/ file modes', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'gazette-modes-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('creates var/ 0700 and the database, the secret and every .eml 0600 under umask 022', async () => {
    const added = gazette(cwd, ['subscribers', 'add', 'a@example.org']);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const varDir = path.join(cwd, 'var');
    expect(await mode(varDir)).toBe('0700');
    expect(await mode(path.join(varDir, 'gazette.db'))).toBe('0600');

    const sent = gazette(cwd, [
      'digest',
      'send',
      '--to',
      'x@example.org',
      '--now',
      '2021-10-04T09:00:00+06:00',
      '--content',
      path.join(repoRoot, 'content'),
    ]);
    expect(sent.status, sent.stderr).toBe(0);
    expect(await mode(path.join(varDir, 'secret'))).toBe('0600');
    // the preview's sample message carries working links too
    const preview = gazette(cwd, [
      'digest',
      'preview',
      '--now',
      '2021-10-04T09:00:00+06:00',
      '--content',
      path.join(repoRoot, 'content'),
    ]);
    expect(preview.status, preview.stderr).toBe(0);
    expect(await mode(path.join(varDir, 'preview', 'digest.html'))).toBe('0600');

    const all = await filesUnder(varDir);
    const emls = all.filter((f) => f.endsWith('.eml'));
    expect(emls.length).toBeGreaterThan(0);
    for (const file of all) {
      const isDir = (await stat(file)).isDirectory();
      expect([path.relative(cwd, file), await mode(file)]).toEqual([path.relative(cwd, file), isDir ? '0700' : '0600']);
    }
  });

  it('gives the -wal and -shm files of an open database 0600', async () => {
    // a store held open in a child under umask 022: SQLite removes -wal and -shm when the last connection closes
    const script = [
      `const { openStore } = await import(${JSON.stringify(path.join(repoRoot, 'src/store/open.ts'))});`,
      `const { statSync } = await import('node:fs');`,
      `const store = await openStore({ databaseUrl: undefined, varDir: 'var' });`,
      `const m = (f) => (statSync(f).mode & 0o777).toString(8);`,
      `console.log(JSON.stringify([m('var'), m('var/gazette.db'), m('var/gazette.db-wal'), m('var/gazette.db-shm')]));`,
      `await store.close();`,
    ].join('\n');
    const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
    const res = underUmask(cwd, [process.execPath, '--import', tsx, '--input-type=module', '-e', script]);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(['700', '600', '600', '600']);
  });
});
