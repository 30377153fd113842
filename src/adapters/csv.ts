// Adapter for csv-parse and csv-stringify: streaming CSV in and out; the one module that imports them.
import type { Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

/** One data row by header name (names trimmed and lower-cased), or a row that could not be read. */
export type CsvRow = { line: number; fields: Record<string, string | undefined> } | { line: number; error: string };

export interface ReadCsvOptions {
  /** Called once with the header row's names (trimmed, lower-cased) before any row. */
  onHeader?: (columns: string[]) => void;
}

/**
 * Streams the records of a CSV file whose first row names the columns. A row with too many
 * fields or a broken quote comes out as an error row with its line number, and reading goes on;
 * missing trailing fields are allowed. Memory stays flat: one record at a time, with backpressure.
 */
export async function* readCsv(input: Readable, options: ReadCsvOptions = {}): AsyncGenerator<CsvRow> {
  const skipped: { line: number; error: string }[] = [];
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
      info: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) skipped.push({ line: (err as { lines?: number }).lines ?? 0, error: describe(err) });
        return undefined;
      },
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  // csv-parse tells the line a record ends on; a quoted field may span lines, and a reader looks
  // for the line a row starts on: one past the previous record's end, skipping blank lines.
  let lastEnd = 1;
  let blank = 0;
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string | undefined>;
    info: { lines: number; empty_lines: number };
  }>) {
    // the parser runs ahead of this loop: report only the bad rows that come before this record
    while (skipped.length > 0 && skipped[0]!.line < item.info.lines) {
      const s = skipped.shift()!;
      lastEnd = s.line;
      yield s;
    }
    const start = lastEnd + 1 + (item.info.empty_lines - blank);
    lastEnd = item.info.lines;
    blank = item.info.empty_lines;
    yield { line: Math.min(start, item.info.lines), fields: item.record };
  }
  while (skipped.length > 0) yield skipped.shift()!;
}

function describe(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'more fields than the header has columns';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote is closed in the middle of a field';
    default:
      return err.message;
  }
}

/** An object-mode stream: objects in (one per row), CSV text out, with a header row of `columns`. */
export function csvWriter(columns: readonly string[]): Transform {
  return stringify({ header: true, columns: [...columns], eof: true });
}
