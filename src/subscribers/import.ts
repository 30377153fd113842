// CSV import of subscribers: streamed, batched, idempotent, with every rejected row reported by line.
import type { Readable } from 'node:stream';
import { readCsv } from '../adapters/csv.ts';
import { UsageError } from '../errors.ts';
import type { Store } from '../store/open.ts';
import { SUBSCRIBER_STATES, type SubscriberState } from '../store/schema.ts';
import { AddressError, normalizeAddress, type NormalizedAddress } from './address.ts';
import {
  findByKeys,
  insertMissing,
  setState,
  suppressedAmong,
  updateChoices,
  updateName,
  type NewSubscriber,
} from './repository.ts';

/** What an import checks the `language` and `topics` columns against: the site's languages and topics. */
export interface ImportChoices {
  languages: readonly { code: string }[];
  digest: { topics: readonly { id: string }[] };
}

export interface ImportOptions {
  now: Date;
  /** Rows per transaction (default 1000). */
  batchSize?: number;
  /** How many rejected rows to describe (all are counted; default 1000). */
  maxRejectedDetails?: number;
  /** State of rows without a `state` column or value (default active: an import moves an existing list). */
  defaultState?: SubscriberState;
  /**
   * Apply the file's `state` and `name` to subscribers already present (e.g. a list of addresses that unsubscribed
   * elsewhere). A blank value leaves theirs as it is: a file without a `state` column never re-subscribes anyone.
   */
  update?: boolean;
  /**
   * The site's languages and topics. A `language` or `topics` value that is not one of them is an error naming the
   * line and the column (a UsageError), and, when the input is given as a function that opens it, nothing is
   * imported: the file is read once to check it first. Without this, the two columns are ignored.
   */
  choices?: ImportChoices | (() => Promise<ImportChoices>);
}

/** The topics column: topic ids separated by spaces (commas allowed); blank: everything. */
export function parseTopicsField(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The reader's choice a row gives, or the problem with it as `column "...": ...`. */
function rowChoice(
  fields: Record<string, string | undefined>,
  choices: ImportChoices,
): { language: string | null | undefined; topics: string[] | null | undefined } | { problem: string } {
  const codes = choices.languages.map((l) => l.code);
  const ids = choices.digest.topics.map((t) => t.id);
  let language: string | null | undefined;
  if (fields.language !== undefined) {
    const text = fields.language.trim();
    if (text !== '' && !codes.includes(text))
      return {
        problem: `column "language": ${JSON.stringify(text)} is not one of the site's languages (${codes.join(', ')})`,
      };
    language = text === '' || text === codes[0] ? null : text;
  }
  let topics: string[] | null | undefined;
  if (fields.topics !== undefined) {
    const list = [...new Set(parseTopicsField(fields.topics))];
    const unknown = list.find((t) => !ids.includes(t));
    if (unknown !== undefined)
      return {
        problem:
          `column "topics": ${JSON.stringify(unknown)} is not one of the digest's topics ` +
          `(${ids.join(', ') || 'none are set'}; ids separated by spaces, blank for everything)`,
      };
    topics = list.length === 0 ? null : list.sort();
  }
  return { language, topics };
}

/** Whether a row gives a language or topics (blank ones are the default and everything, and need no checking). */
const choosesSomething = (fields: Record<string, string | undefined>): boolean =>
  (fields.language ?? '').trim() !== '' || (fields.topics ?? '').trim() !== '';

const hasChoiceColumns = (header: readonly string[] | undefined): boolean =>
  header !== undefined && (header.includes('language') || header.includes('topics'));

/**
 * Reads the file once and throws a UsageError at the first row whose language or topics are not the site's; stops
 * at once when the header has neither column. Resolves to the choices it checked against, if it needed them.
 */
async function checkChoices(
  input: Readable,
  choices: () => Promise<ImportChoices>,
): Promise<ImportChoices | undefined> {
  let header: string[] | undefined;
  let known: ImportChoices | undefined;
  try {
    for await (const row of readCsv(input, { onHeader: (names) => (header = names), unescapeFormulas: true })) {
      if (!hasChoiceColumns(header)) return undefined;
      if ('error' in row || !choosesSomething(row.fields)) continue;
      known ??= await choices();
      const choice = rowChoice(row.fields, known);
      if ('problem' in choice) throw new UsageError(`line ${row.line}, ${choice.problem}; nothing was imported`);
    }
  } finally {
    input.destroy();
  }
  return known;
}

export interface RejectedRow {
  line: number;
  reason: string;
}

/** A quoted field that runs over more lines than this is taken for a stray quote, not a value. */
export const MAX_FIELD_LINES = 5;

export interface ImportReport {
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  /** Valid rows: added plus already present. */
  accepted: number;
  /** Rows that created a subscriber. */
  added: number;
  /** Valid rows whose address was already a subscriber: left exactly as they were, unless `update`. */
  existing: number;
  /** With `update`: the rows of `existing` whose state or name changed. */
  updated: number;
  rejected: number;
  /** The first `maxRejectedDetails` rejected rows, in file order. */
  rejectedRows: RejectedRow[];
  /**
   * Where the import stopped before the end of the file, and why: a quote that leaves it unknown where the rows
   * after it start. The counts above cover the rows before `line`; nothing from `line` on was imported.
   */
  stopped?: RejectedRow;
}

const EMAIL_COLUMNS = ['email', 'e-mail', 'email address', 'email_address', 'mail'];

/**
 * Imports a CSV whose header names an `email` column and optionally `name`, `state`, `language` (a code of the
 * site's; blank: the default) and `topics` (topic ids separated by spaces; blank: everything). Existing
 * subscribers are never changed (so an import cannot re-subscribe someone who left), which makes
 * importing the same file twice add nothing; unless `update`, which applies the file's explicit
 * state and name to them. Memory grows only with the set of addresses seen, to report duplicates
 * inside the file. A quote never closed, or closed only many lines later, stops the import at
 * the line it opens on: which rows follow is then a guess, and a guess must not import (or
 * swallow) a thousand rows without a word. The rows before it are imported.
 */
export async function importSubscribers(
  store: Store,
  source: Readable | (() => Readable),
  options: ImportOptions,
): Promise<ImportReport> {
  const given = options.choices;
  const choicesOf = given === undefined ? undefined : typeof given === 'function' ? given : async () => given;
  let choices: ImportChoices | undefined;
  if (choicesOf !== undefined && typeof source === 'function') choices = await checkChoices(source(), choicesOf);
  const input = typeof source === 'function' ? source() : source;
  const batchSize = options.batchSize ?? 1000;
  const maxDetails = options.maxRejectedDetails ?? 1000;
  const report: ImportReport = {
    rows: 0,
    accepted: 0,
    added: 0,
    existing: 0,
    updated: 0,
    rejected: 0,
    rejectedRows: [],
  };
  const seen = new Map<string, number>();
  let emailColumn: string | undefined;
  let header: string[] | undefined;
  let batch: NewSubscriber[] = [];
  // With `update`: the state and name each row of the batch gives explicitly, by key.
  let changes = new Map<
    string,
    {
      state: SubscriberState | undefined;
      name: string | null;
      language: string | null | undefined;
      topics: string[] | null | undefined;
    }
  >();

  const reject = (line: number, reason: string): void => {
    report.rejected++;
    if (report.rejectedRows.length < maxDetails) report.rejectedRows.push({ line, reason });
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    const changing = changes;
    batch = [];
    changes = new Map();
    const { added, updated, refused } = await store.transaction(async (trx) => {
      // a suppressed address (a complaint, a bounce) comes back only through a new double opt-in
      const suppressed = await suppressedAmong(
        trx,
        rows.filter((r) => r.state === 'active' || r.state === 'pending').map((r) => r.key),
      );
      const kept = rows.filter((r) => !suppressed.has(r.key) || (r.state !== 'active' && r.state !== 'pending'));
      const present = options.update
        ? (await findByKeys(trx, [...changing.keys()])).filter((r) => !suppressed.has(r.email_key))
        : [];
      const inserted = await insertMissing(trx, kept, options.now, store.dialect);
      let changed = 0;
      for (const row of present) {
        const change = changing.get(row.email_key)!;
        const state = change.state !== undefined && change.state !== row.state ? change.state : undefined;
        const name = change.name !== null && change.name !== row.name ? change.name : undefined;
        const language =
          change.language !== undefined && change.language !== row.language ? change.language : undefined;
        const topics =
          change.topics !== undefined && JSON.stringify(change.topics) !== (row.topics ?? 'null')
            ? change.topics
            : undefined;
        if (state === undefined && name === undefined && language === undefined && topics === undefined) continue;
        if (state !== undefined) await setState(trx, row.id, state, options.now);
        if (name !== undefined) await updateName(trx, row.id, name, options.now);
        if (language !== undefined || topics !== undefined)
          await updateChoices(
            trx,
            row.id,
            { ...(language !== undefined ? { language } : {}), ...(topics !== undefined ? { topics } : {}) },
            options.now,
          );
        changed++;
      }
      return {
        added: inserted,
        updated: changed,
        refused: rows.filter((r) => !kept.includes(r)).map((r) => ({ key: r.key, reason: suppressed.get(r.key)! })),
      };
    });
    for (const r of refused) {
      report.accepted--;
      reject(
        seen.get(r.key) ?? 0,
        `${r.key} is suppressed (${r.reason}): only a new double opt-in, through the subscribe form, brings it back`,
      );
    }
    report.added += added;
    report.existing += rows.length - refused.length - added;
    report.updated += updated;
  };

  for await (const row of readCsv(input, { onHeader: (names) => (header = names), unescapeFormulas: true })) {
    if (emailColumn === undefined) {
      emailColumn = header?.find((name) => EMAIL_COLUMNS.includes(name));
      if (emailColumn === undefined)
        throw new UsageError(`the CSV header row has no "email" column (found: ${header?.join(', ') || 'nothing'})`);
    }
    const span = row.endLine === undefined ? 0 : row.endLine - row.line + 1;
    if (span > MAX_FIELD_LINES) {
      const reason = `a quoted field opens on this line and runs over ${span} lines, to line ${row.endLine}`;
      report.stopped = { line: row.line, reason: `${reason} (a stray quote?)` };
      break;
    }
    if ('error' in row && row.lostTrack) {
      report.stopped = { line: row.line, reason: row.error };
      break;
    }
    report.rows++;
    if ('error' in row) {
      reject(row.line, row.error);
      continue;
    }
    const raw = row.fields[emailColumn] ?? '';
    let address: NormalizedAddress;
    try {
      address = normalizeAddress(raw);
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
      reject(row.line, raw.trim() === '' ? 'no email address' : `invalid email address ${JSON.stringify(raw.trim())}`);
      continue;
    }
    const stateText = (row.fields.state ?? '').trim().toLowerCase();
    const state =
      stateText === '' ? (options.defaultState ?? 'active') : (SUBSCRIBER_STATES.find((s) => s === stateText) ?? null);
    if (state === null) {
      reject(row.line, `unknown state ${JSON.stringify(stateText)} (one of ${SUBSCRIBER_STATES.join(', ')})`);
      continue;
    }
    let choice: { language: string | null | undefined; topics: string[] | null | undefined } = {
      language: undefined,
      topics: undefined,
    };
    if (choicesOf !== undefined && choosesSomething(row.fields)) {
      choices ??= await choicesOf();
      const checked = rowChoice(row.fields, choices);
      if ('problem' in checked) throw new UsageError(`line ${row.line}, ${checked.problem}`);
      choice = checked;
    }
    const firstLine = seen.get(address.key);
    if (firstLine !== undefined) {
      reject(row.line, `duplicate of line ${firstLine} (${address.email})`);
      continue;
    }
    seen.set(address.key, row.line);
    const name = (row.fields.name ?? '').replace(/\s+/g, ' ').trim().slice(0, 200) || null;
    report.accepted++;
    batch.push({
      email: address.email,
      key: address.key,
      state,
      name,
      source: 'import',
      language: choice.language ?? null,
      topics: choice.topics ?? null,
    });
    if (options.update)
      changes.set(address.key, {
        state: stateText === '' ? undefined : state,
        name,
        // as for state and name, a blank value leaves an existing subscriber's choice as it is
        language: row.fields.language?.trim() ? choice.language : undefined,
        topics: row.fields.topics?.trim() ? choice.topics : undefined,
      });
    if (batch.length >= batchSize) await flush();
  }
  if (emailColumn === undefined && header !== undefined && !header.some((name) => EMAIL_COLUMNS.includes(name))) {
    throw new UsageError(`the CSV header row has no "email" column (found: ${header.join(', ') || 'nothing'})`);
  }
  await flush();
  report.rejectedRows.sort((a, b) => a.line - b.line);
  return report;
}
