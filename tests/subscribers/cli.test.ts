import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { testDialects, useTestStore } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time in seconds and peak resident memory in kB, as /usr/bin/time measured them. */
  seconds: number;
  maxRssKb: number;
}

function gazette(databaseUrl: string, cwd: string, args: string[]): Promise<Run> {
  const timing = path.join(cwd, `.time-${Math.random().toString(36).slice(2)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
  delete env.GAZETTE_CONFIG;
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/time',
      ['-o', timing, '-f', '%e %M', process.execPath, path.join(ROOT, 'bin/gazette.js'), 'subscribers', ...args],
      { cwd, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        void readFile(timing, 'utf8').then((t) => {
          const [seconds, rss] = t.trim().split('\n').at(-1)!.split(' ').map(Number);
          resolve({
            code: err ? ((err as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
            seconds: seconds!,
            maxRssKb: rss!,
          });
        });
      },
    );
  });
}

/** 100,000 data rows with known bad ones; returns the lines the import must reject, and why. */
async function writeBigCsv(file: string): Promise<{ rows: number; rejected: Map<number, RegExp>; accepted: number }> {
  const out = createWriteStream(file);
  const rejected = new Map<number, RegExp>();
  let line = 1;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('Email,Name,State\n');
  const rows = 100_000;
  for (let i = 0; i < rows; i++) {
    line++;
    let row = `user${i}@example.org,User ${i},`;
    const reject = (bad: string, reason: RegExp): void => {
      row = bad;
      rejected.set(line, reason);
    };
    if (i === 10) reject('not-an-address,Nobody,', /invalid email address "not-an-address"/);
    else if (i === 20) reject(',No address,', /no email address/);
    else if (i === 30) reject('USER0@Example.ORG,Shouting,', /duplicate of line 2 /);
    else if (i === 40) reject('user40@example.org,V,vip', /unknown state "vip"/);
    else if (i === 50) reject('user50@example.org,Too,active,many', /more fields/);
    else if (i === 60)
      row = 'user60@example.org,"Two-line\nname",'; // a quoted field spanning two lines
    else if (i === 70) row = 'user70@example.org,"Sultanov, Erlan",unsubscribed';
    else if (i > 0 && i % 10_000 === 0) reject(`user${i}@@example.org,Bad,`, /invalid email address/);
    else if (i === rows - 1) reject('user5@example.org,Again,', /duplicate of line 7 /);
    if (i === 60) line++;
    await write(`${row}\n`);
  }
  out.end();
  await once(out, 'close');
  return { rows, rejected, accepted: rows - rejected.size };
}

describe.each(testDialects())('gazette subscribers CLI on %s', (dialect) => {
  const t = useTestStore(dialect);

  it('imports 100,000 rows, reports the rejected ones by line, and a second import adds nothing', async () => {
    const { url, varDir, store } = t();
    expect((await gazette(url, varDir, ['add', 'user70@example.org', '--state', 'unsubscribed'])).code).toBe(0);
    expect((await gazette(url, varDir, ['add', 'user80@example.org', '--state', 'unsubscribed'])).code).toBe(0);
    const file = path.join(varDir, 'list.csv');
    const expected = await writeBigCsv(file);

    const first = await gazette(url, varDir, ['import', file]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [summary, ...details] = first.stdout.trimEnd().split('\n');
    expect(summary).toBe(
      `list.csv: 100000 rows, ${expected.accepted} accepted (${expected.accepted - 2} added, 2 already present), ` +
        `${expected.rejected.size} rejected`,
    );
    const reported = new Map(details.map((d) => [Number(/line (\d+):/.exec(d)![1]), d]));
    expect([...reported.keys()]).toEqual([...expected.rejected.keys()]);
    for (const [line, reason] of expected.rejected) expect(reported.get(line)).toMatch(reason);

    const second = await gazette(url, varDir, ['import', file]);
    expect(second.stdout.split('\n')[0]).toBe(
      `list.csv: 100000 rows, ${expected.accepted} accepted (0 added, ${expected.accepted} already present), ` +
        `${expected.rejected.size} rejected`,
    );

    const count = await store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(expected.accepted);
    // an import never re-subscribes someone who left
    const user80 = await store.db
      .selectFrom('subscribers')
      .select('state')
      .where('email_key', '=', 'user80@example.org')
      .executeTakeFirstOrThrow();
    expect(user80.state).toBe('unsubscribed');
    const user60 = await store.db
      .selectFrom('subscribers')
      .select(['name', 'state'])
      .where('email_key', '=', 'user60@example.org')
      .executeTakeFirstOrThrow();
    expect(user60).toEqual({ name: 'Two-line name', state: 'active' });

    console.info(
      `[${dialect}] import of 100,000 rows: first ${first.seconds}s, ` +
        `${Math.round(first.maxRssKb / 1024)} MB peak RSS; ` +
        `again ${second.seconds}s, ${Math.round(second.maxRssKb / 1024)} MB`,
    );

    const exported = await gazette(url, varDir, ['export', path.join(varDir, 'out.csv')]);
    expect(exported.code).toBe(0);
    const csv = await readFile(path.join(varDir, 'out.csv'), 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('email,name,state,source,created_at,confirmed_at,unsubscribed_at,language,topics');
    expect(lines).toHaveLength(1 + expected.accepted); // header + rows: user60's name lost its newline on import
    expect(csv).toContain('user70@example.org,,unsubscribed,cli,');
    console.info(
      `[${dialect}] export of ${expected.accepted} rows: ${exported.seconds}s, ` +
        `${Math.round(exported.maxRssKb / 1024)} MB peak RSS`,
    );
  }, 240_000);

  it('adds, lists, exports to stdout, re-imports its own export and removes', async () => {
    const { url, varDir } = t();
    expect((await gazette(url, varDir, ['add', 'Aida@Mail.KZ', '--name', 'Aida Nurlanova'])).stdout).toBe(
      'added Aida@mail.kz (active)\n',
    );
    expect((await gazette(url, varDir, ['add', 'aida@mail.kz', '--state', 'pending'])).stdout).toBe(
      'updated Aida@mail.kz (pending)\n',
    );
    await gazette(url, varDir, ['add', 'bolat@example.org']);

    const listed = await gazette(url, varDir, ['list', '--json']);
    expect(
      JSON.parse(listed.stdout).map((s: { email: string; state: string; name: string | null }) => [
        s.email,
        s.state,
        s.name,
      ]),
    ).toEqual([
      ['Aida@mail.kz', 'pending', 'Aida Nurlanova'],
      ['bolat@example.org', 'active', null],
    ]);
    expect((await gazette(url, varDir, ['list', '--state', 'active'])).stdout).toMatch(
      /^bolat@example\.org\s+active\s+\d{4}-\d\d-\d\d\n$/,
    );
    expect((await gazette(url, varDir, ['list', '--search', 'nurlan'])).stdout).toContain('Aida@mail.kz');

    const exported = await gazette(url, varDir, ['export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n').slice(0, 2)).toEqual([
      'email,name,state,source,created_at,confirmed_at,unsubscribed_at,language,topics',
      expect.stringMatching(/^Aida@mail\.kz,Aida Nurlanova,pending,cli,\d{4}-/),
    ]);
    await writeFile(path.join(varDir, 'export.csv'), exported.stdout);
    expect((await gazette(url, varDir, ['import', 'export.csv'])).stdout).toBe(
      'export.csv: 2 rows, 2 accepted (0 added, 2 already present), 0 rejected\n',
    );

    expect((await gazette(url, varDir, ['remove', 'AIDA@mail.kz'])).stdout).toBe('removed AIDA@mail.kz\n');
    const again = await gazette(url, varDir, ['remove', 'aida@mail.kz']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('gazette: aida@mail.kz is not a subscriber\n');
  }, 120_000);

  it('fails with a one-line reason on bad input', async () => {
    const { url, varDir } = t();
    const bad = await gazette(url, varDir, ['add', 'not an address']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('gazette: an email address cannot contain spaces or control characters\n');
    await writeFile(path.join(varDir, 'no-email.csv'), 'name,phone\nAna,123\n');
    const noColumn = await gazette(url, varDir, ['import', 'no-email.csv']);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr).toBe('gazette: the CSV header row has no "email" column (found: name, phone)\n');
    const missing = await gazette(url, varDir, ['import', 'nothing-here.csv']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^gazette: cannot read .*nothing-here\.csv: ENOENT\n$/);
    const state = await gazette(url, varDir, ['list', '--state', 'gone']);
    expect(state.stderr).toBe('gazette: --state must be one of pending, active, unsubscribed, bounced, got "gone"\n');
  }, 120_000);
});
