// Adapter for csv-parse and csv-stringify: streaming CSV in and out; the one module that imports them.
import type { Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

/**
 * One data row by header name (names trimmed and lower-cased), or a row that could not be read. `line` is the line
 * the row starts on and `endLine` the one it ends on (a quoted field may span lines); for a bad row, `endLine` is
 * where the problem was found, or undefined when the row never ends (a quote never closed, or a row past
 * MAX_ROW_BYTES). `lostTrack` says the parser no longer knows where rows start: every row after it is suspect.
 */
export type CsvRow =
  | { line: number; endLine: number; fields: Record<string, string | undefined> }
  | { line: number; endLine: number | undefined; error: string; lostTrack: boolean };

export interface ReadCsvOptions {
  /** Called once with the header row's names (trimmed, lower-cased) before any row. */
  onHeader?: (columns: string[]) => void;
  /** Take a field that csvWriter's `escapeFormulas` escaped (see escapeFormula) back to its real value. */
  unescapeFormulas?: boolean;
}

// A spreadsheet runs a cell that starts with one of these as a formula (the last four are the full-width forms
// Apple Numbers folds into them); csv-stringify's escape_formulas prefixes such a field with a `'`.
const FORMULA_START = /^'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A field that starts with one or more `'` and then a formula character gets one `'` more, so that unescapeFormula
 * can strip exactly one from every field that has them: a real name `'=x` comes back as `'=x`, not `=x`.
 * csv-stringify itself escapes the fields that start with the formula character.
 */
function escapeQuotedFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value) ? `'${value}` : value;
}

/** The value of a field written with `escapeFormulas`: one leading `'` before a formula character taken off. */
export function unescapeFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value) ? value.slice(1) : value;
}

/**
 * A row larger than this is refused: no real row of a subscriber list comes near it, and an unclosed quote would
 * otherwise gather the rest of the file, however large, into one field before saying so.
 */
export const MAX_ROW_BYTES = 64 * 1024;

type Position = { lines: number; empty_lines: number };
type Parsed = { before: CsvRow[]; row: CsvRow };

/**
 * Streams the records of a CSV file whose first row names the columns, in file order. A bad row comes out as an
 * error row with its line number, and reading goes on; missing trailing fields are allowed. Memory stays flat: one
 * record at a time, with backpressure. Reading stops when the caller stops iterating, and `input` is destroyed.
 */
export async function* readCsv(input: Readable, options: ReadCsvOptions = {}): AsyncGenerator<CsvRow> {
  // csv-parse tells the line a record ends on; a reader looks for the line a row starts on: one past the previous
  // record's end, skipping blank lines. Both hooks below run as the parser meets each record, in file order.
  let lastEnd = 1;
  let blank = 0;
  const startOf = (at: Position): number => {
    const start = lastEnd + 1 + (at.empty_lines - blank);
    lastEnd = at.lines;
    blank = at.empty_lines;
    return Math.min(start, at.lines);
  };
  // A bad record goes to on_skip and is never pushed: it waits for the next good record to carry it out.
  let pending: CsvRow[] = [];
  // One record can raise several errors (two stray quotes): the first stands for the row.
  let errorAt: number | undefined;
  const parser = input.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => String(h).trim().toLowerCase());
        options.onHeader?.(names);
        return names;
      },
      skip_empty_lines: true,
      relax_column_count_less: true,
      max_record_size: MAX_ROW_BYTES,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (!err) return undefined;
        const at = err as unknown as Position;
        if (errorAt === at.lines) return undefined;
        errorAt = at.lines;
        const { error, lostTrack, ends } = problem(err);
        pending.push({ line: startOf(at), endLine: ends ? at.lines : undefined, error, lostTrack });
        return undefined;
      },
      on_record: (record: Record<string, string | undefined>, info): Parsed => {
        if (options.unescapeFormulas) {
          for (const [name, value] of Object.entries(record))
            if (value !== undefined) record[name] = unescapeFormula(value);
        }
        const before = pending;
        pending = [];
        errorAt = undefined;
        return { before, row: { line: startOf(info), endLine: info.lines, fields: record } };
      },
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  try {
    for await (const { before, row } of parser as AsyncIterable<Parsed>) {
      yield* before;
      yield row;
    }
    yield* pending;
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}

function problem(err: Error & { code?: string }): { error: string; lostTrack: boolean; ends: boolean } {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return { error: 'more fields than the header has columns', lostTrack: false, ends: true };
    case 'INVALID_OPENING_QUOTE':
      return { error: 'a quote in the middle of an unquoted field', lostTrack: false, ends: true };
    // csv-parse reads on from the quote as if it were still open: the rows after it are not what the file says
    case 'CSV_INVALID_CLOSING_QUOTE':
      return { error: 'a quote is closed in the middle of a field', lostTrack: true, ends: true };
    case 'CSV_QUOTE_NOT_CLOSED':
      return { error: 'a quoted field opens on this line and is never closed', lostTrack: true, ends: false };
    case 'CSV_MAX_RECORD_SIZE':
      return {
        error: `the row that starts on this line runs on past ${MAX_ROW_BYTES / 1024} KiB (a quote never closed?)`,
        lostTrack: true,
        ends: false,
      };
    default:
      return { error: err.message, lostTrack: true, ends: true };
  }
}

export interface CsvWriterOptions {
  /**
   * Prefix a `'` to every field a spreadsheet would run as a formula (starting with = + - @, a tab or a CR), so an
   * exported list opened in a spreadsheet runs nothing a subscriber typed; readCsv's `unescapeFormulas` undoes it.
   */
  escapeFormulas?: boolean;
}

/** An object-mode stream: objects in (one per row), CSV text out, with a header row of `columns`. */
export function csvWriter(columns: readonly string[], options: CsvWriterOptions = {}): Transform {
  if (!options.escapeFormulas) return stringify({ header: true, columns: [...columns], eof: true });
  return stringify({
    header: true,
    columns: [...columns],
    eof: true,
    escape_formulas: true,
    cast: { string: escapeQuotedFormula },
  });
}
