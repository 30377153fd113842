// `gazette digest preview` as an operator runs it: files written and named, nothing written when nothing is new.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_DIR, ROOT } from './factory.ts';

function gazette(...args: string[]) {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/gazette.js'), ...args, '--config', path.join(ROOT, 'gazette.yaml')],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, SMTP_URL: '', DATABASE_URL: '', LOG_LEVEL: 'silent' },
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-preview-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gazette digest preview', { timeout: 60_000 }, () => {
  it('writes the HTML, the text and a sample message of the week ending now, and prints where', async () => {
    const out = path.join(dir, 'week');
    const run = gazette(
      'digest',
      'preview',
      '--content',
      CONTENT_DIR,
      '--out',
      out,
      '--now',
      '2021-10-04T09:00:00+06:00',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('digest preview: 2 items, subject "CARICC News: 2 new items, week of 4 October 2021"');
    const html = await readFile(path.join(out, 'digest.html'), 'utf8');
    const text = await readFile(path.join(out, 'digest.txt'), 'utf8');
    const printed = Object.fromEntries(
      [...run.stdout.matchAll(/^ {2}(\w+): (.+)$/gm)].map((m) => [m[1], path.resolve(dir, m[2]!)]),
    );
    expect(printed).toMatchObject({
      html: path.join(out, 'digest.html'),
      text: path.join(out, 'digest.txt'),
    });
    // the sample's Message-ID is as opaque as a reader's
    expect(path.relative(out, printed.mail!)).toMatch(/^sample\/[a-z2-7]{32}@caricc\.org\.eml$/);
    const eml = await readFile(printed.mail!, 'utf8');
    expect(eml).toMatch(/^Subject: CARICC News: 2 new items, week of 4 October 2021\r$/m);
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(eml).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(html).toContain('CARICC Director meets the Minister of Internal Affairs of Kazakhstan');
    expect(text).toContain('https://caricc.org/news/caricc-and-bomca-10-discuss-cooperation/');
    expect(text).toContain('Hello Sample Reader,');
    expect(text).toContain('https://caricc.org/unsubscribe?token=preview');
  });

  it('says so and writes nothing when no item is new, unless forced', async () => {
    const out = path.join(dir, 'empty');
    const run = gazette(
      'digest',
      'preview',
      '--content',
      CONTENT_DIR,
      '--out',
      out,
      '--now',
      '2022-01-10T09:00:00+06:00',
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'no item published between 2022-01-03 09:00:00 Asia/Almaty and 2022-01-10 09:00:00 Asia/Almaty ' +
        'is waiting to be mailed: nothing written (--force writes an empty digest)\n',
    );
    expect(existsSync(out)).toBe(false);
    const forced = gazette(
      'digest',
      'preview',
      '--content',
      CONTENT_DIR,
      '--out',
      out,
      '--now',
      '2022-01-10T09:00:00+06:00',
      '--force',
    );
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('digest preview: 0 items');
    expect(await readdir(out)).toEqual(expect.arrayContaining(['digest.html', 'digest.txt']));
    expect(await readFile(path.join(out, 'digest.txt'), 'utf8')).toContain(
      'There are no new items since the last digest.',
    );
  });

  it('refuses a --now that is not a date, with a one-line reason', () => {
    const run = gazette(
      'digest',
      'preview',
      '--content',
      CONTENT_DIR,
      '--out',
      path.join(dir, 'x'),
      '--now',
      'next monday',
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'gazette: --now must be an ISO 8601 date-time like 2021-10-04T09:00:00+06:00, got "next monday"\n',
    );
  });
});
