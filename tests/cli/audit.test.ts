// What an operator does from the command line lands in the same audit log as the dashboard's actions.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

describe('the audit log of command-line actions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-cli-audit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const gazette = (...args: string[]) => {
    const res = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/gazette.js'), ...args, '--config', path.join(repoRoot, 'gazette.yaml')],
      { cwd: dir, env: childEnv(), encoding: 'utf8' },
    );
    expect(res.status, res.stderr).toBe(0);
  };
  const content = ['--content', path.join(repoRoot, 'content'), '--now', '2021-10-04T09:00:00+06:00'];

  it('records who added, imported, removed, sent a test copy and sent an edition', async () => {
    await writeFile(path.join(dir, 'readers.csv'), 'email,name\nb@example.org,B\nc@example.org,C\n');
    gazette('subscribers', 'add', 'a@example.org');
    gazette('subscribers', 'import', 'readers.csv');
    gazette('subscribers', 'remove', 'c@example.org');
    gazette('digest', 'send', '--to', 'editor@example.org', ...content);
    gazette('digest', 'send', ...content);
    const store = await openStore({ databaseUrl: undefined, varDir: path.join(dir, 'var') });
    try {
      const rows = await store.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
      const actor = `cli ${os.userInfo().username}@${os.hostname()}`;
      expect(rows.every((r) => r.actor === actor)).toBe(true);
      expect(rows.map((r) => [r.action, r.target, r.detail])).toEqual([
        ['add', 'a@example.org', 'active'],
        ['import', 'readers.csv', '2 rows: 2 added, 0 updated, 0 rejected'],
        ['remove', 'c@example.org', null],
        ['test copy', 'editor@example.org', 'CARICC News: 2 new items, week of 4 October 2021'],
        ['send', 'edition 1', '2 recipients'],
      ]);
    } finally {
      await store.close();
    }
  });
});
