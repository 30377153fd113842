// A broken quote in an imported CSV: a quote never closed swallowed the rest of a 3,000-row file and exited 0, naming
// the file's last line. Now the import stops at the line where the quote opens, imports the rows before it and no
// row after, and says so; a quoted field over MAX_FIELD_LINES lines (a stray quote closed far later) is treated the
// same. Quoted commas and a line break inside quotes are still values.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { importSubscribers, type ImportReport } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

const NOW = new Date('2026-11-30T04:00:00Z');

/** `email,name,state` rows for readers first..last, one a line. */
function rows(first: number, last: number): string {
  let out = '';
  for (let i = first; i <= last; i++) out += `reader${i}@example.org,Reader ${i},\n`;
  return out;
}

function run(
  cwd: string,
  databaseUrl: string,
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), ...args], {
      cwd,
      env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

async function emails(store: Store): Promise<string[]> {
  const found = await store.db.selectFrom('subscribers').select('email').orderBy('id').execute();
  return found.map((r) => r.email);
}

const readers = (first: number, last: number): string[] =>
  Array.from({ length: last - first + 1 }, (_, i) => `reader${first + i}@example.org`);

describe.each(testDialects())('subscribers import with a broken quote on %s', (dialect) => {
  const t = useTestStore(dialect);
  const importText = (text: string): Promise<ImportReport> =>
    importSubscribers(t().store, Readable.from([text]), { now: NOW, batchSize: 20 });

  it('stops a 3,000-row file at the line an unclosed quote opens on: rows before imported, none after', async () => {
    const { url, varDir, store } = t();
    // line 1 the header, line n+1 reader n: the quote opens on line 51
    const csv = `email,name,state\n${rows(1, 49)}reader50@example.org,"Sultanov, Erlan,active\n${rows(51, 2999)}`;
    await writeFile(path.join(varDir, 'list.csv'), csv);
    const res = await run(varDir, url, ['subscribers', 'import', 'list.csv']);
    expect(res.out).toBe('list.csv: 49 rows, 49 accepted (49 added, 0 already present), 0 rejected\n');
    expect(res.err).toBe(
      'gazette: list.csv:51: the row that starts on this line runs on past 64 KiB (a quote never closed?); ' +
        'import stopped there: 49 of the 49 rows before line 51 imported, none from line 51 on ' +
        '(fix the file and import it again; rows already imported are skipped)\n',
    );
    expect(res.code).toBe(1);
    expect(await emails(store)).toEqual(readers(1, 49));
  }, 60_000);

  it('names the opening line of a quote never closed before the end of the file', async () => {
    const report = await importText(
      `email,name,state\n${rows(1, 30)}\nreader31@example.org,"Never closed,active\n${rows(32, 60)}`,
    );
    // a blank line before it: reader31 is on line 33
    expect(report.stopped).toEqual({ line: 33, reason: 'a quoted field opens on this line and is never closed' });
    expect(report).toMatchObject({ rows: 30, accepted: 30, added: 30, rejected: 0 });
    expect(await emails(t().store)).toEqual(readers(1, 30));
  });

  it('stops at a stray quote closed far later, whether the field then ends or not', async () => {
    // closed at the end of a field: csv-parse reads one valid row 150 lines long
    const atFieldEnd = await importText(
      `email,name,state\n${rows(1, 9)}reader10@example.org,"Stray,\n${rows(11, 159)}reader160@example.org,Bob",\n` +
        rows(161, 170),
    );
    expect(atFieldEnd.stopped).toEqual({
      line: 11,
      reason: 'a quoted field opens on this line and runs over 151 lines, to line 161 (a stray quote?)',
    });
    expect(atFieldEnd).toMatchObject({ rows: 9, accepted: 9, rejected: 0 });
    expect(await emails(t().store)).toEqual(readers(1, 9));

    // closed in the middle of a field: csv-parse's error comes 20 lines later
    const midField = await importText(
      `email,name,state\n${rows(1, 9)}reader10@example.org,"Stray,\n${rows(11, 29)}reader30@example.org,"Bob"x,\n` +
        rows(31, 40),
    );
    expect(midField.stopped).toEqual({
      line: 11,
      reason: 'a quoted field opens on this line and runs over 21 lines, to line 31 (a stray quote?)',
    });
    expect(midField.rows).toBe(9);
  });

  it('stops at a quote closed in the middle of a one-line field, which csv-parse reads on from', async () => {
    const report = await importText(
      `email,name,state\n${rows(1, 4)}reader5@example.org,"Smith"J,active\n${rows(6, 9)}`,
    );
    expect(report.stopped).toEqual({ line: 6, reason: 'a quote is closed in the middle of a field' });
    expect(await emails(t().store)).toEqual(readers(1, 4));
  });

  it('keeps reading quoted commas, line breaks up to the limit, and a quote inside an unquoted field', async () => {
    const report = await importText(
      'email,name,state\n' +
        'a@example.org,"Sultanov, Erlan",active\n' +
        'b@example.org,"Two\nlines",\n' +
        'c@example.org,Erlan "the Bold",\n' +
        'd@example.org,"five\nlines\nin\none\nname",\n' +
        'e@example.org,"""Quoted"" name",\n',
    );
    expect(report.stopped).toBeUndefined();
    expect(report).toMatchObject({ rows: 5, accepted: 4, rejected: 1 });
    expect(report.rejectedRows).toEqual([{ line: 5, reason: 'a quote in the middle of an unquoted field' }]);
    const names = await t().store.db.selectFrom('subscribers').select(['email', 'name']).orderBy('id').execute();
    expect(names).toEqual([
      { email: 'a@example.org', name: 'Sultanov, Erlan' },
      { email: 'b@example.org', name: 'Two lines' },
      { email: 'd@example.org', name: 'five lines in one name' },
      { email: 'e@example.org', name: '"Quoted" name' },
    ]);
  });
});
