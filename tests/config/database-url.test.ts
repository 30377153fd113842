// DATABASE_URL: PostgreSQL and SQLite URLs and bare paths are read; any other `scheme://` is refused by name, without
// echoing the URL (it may carry a password), instead of becoming a SQLite file named after the URL.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.ts';
import { ConfigError } from '../../src/errors.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

function refusal(url: string): ConfigError {
  let caught: unknown;
  try {
    parseDatabaseUrl(url, '/srv/news/var', '/srv/news');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe('parseDatabaseUrl', () => {
  it('reads PostgreSQL URLs, SQLite URLs and bare paths', () => {
    expect(parseDatabaseUrl('postgresql://u@db/news', '/v')).toMatchObject({ dialect: 'postgres' });
    expect(parseDatabaseUrl('POSTGRES://u@db/news', '/v')).toMatchObject({ dialect: 'postgres' });
    expect(parseDatabaseUrl('sqlite:///data/g.db', '/v')).toEqual({ dialect: 'sqlite', file: '/data/g.db' });
    expect(parseDatabaseUrl('file:g.db', '/v', '/srv')).toEqual({ dialect: 'sqlite', file: '/srv/g.db' });
    expect(parseDatabaseUrl('data/g.db', '/v', '/srv')).toEqual({ dialect: 'sqlite', file: '/srv/data/g.db' });
    expect(parseDatabaseUrl('sqlite::memory:', '/v')).toEqual({ dialect: 'sqlite', file: ':memory:' });
  });

  it.each([
    ['postgress://gazette:s3cret@db.example.org/news', 'postgress'],
    ['mysql://u:secret@h/db', 'mysql'],
    ['redis://x', 'redis'],
    ['SQLite3://var/g.db', 'SQLite3'],
  ])('refuses %s, naming DATABASE_URL and the scheme and listing what is accepted', (url, scheme) => {
    const err = refusal(url);
    expect(err.key).toBe('DATABASE_URL');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `DATABASE_URL: unknown scheme "${scheme}://"; accepted: postgres:// or postgresql:// (PostgreSQL), ` +
        'sqlite:PATH, file:PATH or a bare path (SQLite)',
    );
    expect(err.message).not.toMatch(/secret|s3cret|db\.example|@/);
  });
});

describe('gazette with DATABASE_URL of an unknown scheme', () => {
  it('exits non-zero with one line naming DATABASE_URL, no password, and no file created', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'gazette-dburl-'));
    try {
      for (const url of ['mysql://u:secret@h/db', 'postgress://gazette:secret@db/news', 'redis://x']) {
        const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), 'subscribers', 'list'], {
          cwd,
          env: childEnv({ DATABASE_URL: url }),
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(res.status).toBe(1);
        expect(res.stdout).toBe('');
        expect(res.stderr).toMatch(/^gazette: DATABASE_URL: unknown scheme "\w+:\/\/"; accepted: [^\n]+\n$/);
        expect(res.stderr).not.toContain('secret');
        expect(await readdir(cwd, { recursive: true })).toEqual([]);
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
