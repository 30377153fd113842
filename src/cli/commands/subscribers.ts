// `gazette subscribers add|remove|list|import|export`: the operators' view of the subscriber list.
import { cliActor } from '../audit.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../../errors.ts';
import { openStore, recordAudit, SUBSCRIBER_STATES, type Store, type SubscriberState } from '../../store/index.ts';
import {
  addSubscriber,
  countByState,
  exportSubscribers,
  importSubscribers,
  listSubscribers,
  parseTopicsField,
  removeSubscriber,
} from '../../subscribers/index.ts';
import type { CommandContext, CommandSpec } from '../command.ts';

async function withStore<T>(ctx: CommandContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function stateOption(value: unknown): SubscriberState | undefined {
  if (value === undefined) return undefined;
  const state = SUBSCRIBER_STATES.find((s) => s === String(value).toLowerCase());
  if (!state) throw new UsageError(`--state must be one of ${SUBSCRIBER_STATES.join(', ')}, got "${value}"`);
  return state;
}

function countOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

/** The site's languages and topics, for --language, --topics and the CSV columns; read only when needed. */
async function readerChoices(ctx: CommandContext) {
  const config = await ctx.config();
  return { languages: config.languages, digest: { topics: config.digest.topics } };
}

/** --language and --topics checked against gazette.yaml: a one-line UsageError naming the option otherwise. */
async function choiceOptions(
  ctx: CommandContext,
  options: Record<string, unknown>,
): Promise<{ language?: string | null; topics?: string[] | null }> {
  if (options.language === undefined && options.topics === undefined) return {};
  const { languages, digest } = await readerChoices(ctx);
  const out: { language?: string | null; topics?: string[] | null } = {};
  if (options.language !== undefined) {
    const code = String(options.language).trim();
    const codes = languages.map((l) => l.code);
    if (code !== '' && !codes.includes(code))
      throw new UsageError(`--language must be one of ${codes.join(', ')} (site.languages), got "${code}"`);
    out.language = code === '' || code === codes[0] ? null : code;
  }
  if (options.topics !== undefined) {
    const ids = digest.topics.map((t) => t.id);
    const list = [...new Set(parseTopicsField(String(options.topics)))];
    const unknown = list.find((t) => !ids.includes(t));
    if (unknown !== undefined)
      throw new UsageError(
        `--topics: "${unknown}" is not a topic of digest.topics (${ids.join(', ') || 'none are set'})`,
      );
    out.topics = list.length === 0 ? null : list.sort();
  }
  return out;
}

const stateFlag = { flags: '--state <state>', description: `subscriber state: ${SUBSCRIBER_STATES.join(', ')}` };

const add: CommandSpec = {
  name: 'subscribers add',
  description:
    'Add an address (active unless --state says otherwise), or change the state and name of one already present; ' +
    'sends no mail',
  args: [{ name: 'address', description: 'email address' }],
  options: [
    { flags: '--name <name>', description: 'display name' },
    stateFlag,
    { flags: '--language <code>', description: 'language the digest comes in: one of site.languages' },
    {
      flags: '--topics <ids>',
      description: 'topic ids of digest.topics, separated by commas ("" for everything, the default)',
    },
  ],
  async run(ctx, args, options) {
    const state = stateOption(options.state);
    const choice = await choiceOptions(ctx, options);
    const { subscriber, created } = await withStore(ctx, async (store) => {
      const done = await addSubscriber(
        store.db,
        args[0]!,
        {
          ...(options.name !== undefined ? { name: String(options.name) } : {}),
          ...(state ? { state } : {}),
          ...choice,
        },
        new Date(),
      );
      await recordAudit(
        store,
        { actor: cliActor(), action: 'add', target: done.subscriber.email, detail: done.subscriber.state },
        new Date(),
      );
      return done;
    });
    ctx.stdout.write(`${created ? 'added' : 'updated'} ${subscriber.email} (${subscriber.state})\n`);
  },
};

const remove: CommandSpec = {
  name: 'subscribers remove',
  description:
    'Delete an address and its unsent deliveries (to keep a record that they left, let them unsubscribe instead)',
  args: [{ name: 'address', description: 'email address' }],
  async run(ctx, args) {
    const removed = await withStore(ctx, async (store) => {
      const gone = await removeSubscriber(store.db, args[0]!);
      if (gone) await recordAudit(store, { actor: cliActor(), action: 'remove', target: args[0]!.trim() }, new Date());
      return gone;
    });
    if (!removed) throw new UsageError(`${args[0]} is not a subscriber`);
    ctx.stdout.write(`removed ${args[0]!.trim()}\n`);
  },
};

const list: CommandSpec = {
  name: 'subscribers list',
  description: 'List subscribers, oldest first',
  options: [
    stateFlag,
    { flags: '--search <text>', description: 'only addresses or names containing this text' },
    { flags: '--limit <n>', description: 'at most this many (default 100; 0 for all)' },
    { flags: '--offset <n>', description: 'skip this many first' },
    { flags: '--json', description: 'print a JSON array' },
  ],
  async run(ctx, _args, options) {
    const state = stateOption(options.state);
    const limit = countOption('limit', options.limit, 100);
    const offset = countOption('offset', options.offset, 0);
    const { rows, counts } = await withStore(ctx, async (store) => ({
      rows: await listSubscribers(store.db, {
        limit: limit === 0 ? Number.MAX_SAFE_INTEGER : limit,
        offset,
        ...(state ? { state } : {}),
        ...(options.search !== undefined ? { search: String(options.search) } : {}),
      }),
      counts: options.json ? undefined : await countByState(store.db),
    }));
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    const width = Math.max(5, ...rows.map((r) => r.email.length));
    // the language (- for the site's default) and the topics (all for everything), when any reader listed chose
    const chosen = rows.some((r) => r.language !== null || r.topics !== null);
    const language = (r: (typeof rows)[number]) => r.language ?? '-';
    const topics = (r: (typeof rows)[number]) => r.topics?.join(',') ?? 'all';
    const languageWidth = Math.max(2, ...rows.map((r) => language(r).length));
    const topicsWidth = Math.max(3, ...rows.map((r) => topics(r).length));
    for (const r of rows) {
      const created = r.createdAt.toISOString().slice(0, 10);
      const choice = chosen ? `${language(r).padEnd(languageWidth)}  ${topics(r).padEnd(topicsWidth)}  ` : '';
      const line = `${r.email.padEnd(width)}  ${r.state.padEnd(12)}  ${choice}${created}  ${r.name ?? ''}`;
      ctx.stdout.write(`${line.trimEnd()}\n`);
    }
    const summary = SUBSCRIBER_STATES.map((s) => `${counts![s]} ${s}`).join(', ');
    ctx.stderr.write(`${rows.length} shown; ${summary}\n`);
  },
};

const importCommand: CommandSpec = {
  name: 'subscribers import',
  description:
    'Import a CSV file with an email column (optional name, state, language, topics: topic ids separated by spaces, ' +
    'blank for everything); addresses already present are left unchanged unless --update',
  args: [{ name: 'file', description: 'CSV file whose first row names the columns' }],
  options: [
    {
      flags: '--update',
      description:
        "apply the file's state and name to addresses already present (a blank value leaves theirs as it is), " +
        'e.g. to import a list of addresses that unsubscribed',
    },
  ],
  async run(ctx, args, options) {
    const file = path.resolve(args[0]!);
    const input = createReadStream(file);
    const opened = new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (err) =>
        reject(
          new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }),
        ),
      );
    });
    await opened;
    const update = options.update === true;
    // read twice when the file has language or topics columns: once to check them all, so that a bad one
    // imports nothing, then to import
    let first: typeof input | undefined = input;
    const source = () => {
      const stream = first ?? createReadStream(file);
      first = undefined;
      return stream;
    };
    const report = await withStore(ctx, async (store) => {
      const done = await importSubscribers(store, source, {
        now: new Date(),
        update,
        choices: () => readerChoices(ctx),
      }).catch((err: unknown) => {
        if (err instanceof UsageError && /^line \d+, column /.test(err.message))
          throw new UsageError(`${path.basename(file)}: ${err.message}`);
        throw err;
      });
      const detail = `${done.rows} rows: ${done.added} added, ${done.updated} updated, ${done.rejected} rejected`;
      await recordAudit(
        store,
        { actor: cliActor(), action: 'import', target: path.basename(file), detail },
        new Date(),
      );
      return done;
    });
    const present = `${report.existing} already present${update ? `, ${report.updated} of them updated` : ''}`;
    ctx.stdout.write(
      `${path.basename(file)}: ${report.rows} rows, ${report.accepted} accepted ` +
        `(${report.added} added, ${present}), ${report.rejected} rejected\n`,
    );
    for (const r of report.rejectedRows) ctx.stdout.write(`  line ${r.line}: ${r.reason}\n`);
    if (report.rejected > report.rejectedRows.length)
      ctx.stdout.write(`  … and ${report.rejected - report.rejectedRows.length} more rejected rows\n`);
    if (report.stopped) {
      const { line, reason } = report.stopped;
      throw new UsageError(
        `${path.basename(file)}:${line}: ${reason}; import stopped there: ${report.accepted} of the ${report.rows} ` +
          `rows before line ${line} imported, none from line ${line} on (fix the file and import it again; ` +
          'rows already imported are skipped)',
      );
    }
  },
};

const exportCommand: CommandSpec = {
  name: 'subscribers export',
  description:
    'Write subscribers as CSV (email, name, state, source, dates, language, topics) to FILE, or to standard output',
  args: [{ name: 'file', description: 'CSV file to write (default: standard output)', required: false }],
  options: [stateFlag],
  async run(ctx, args, options) {
    const state = stateOption(options.state);
    const filter = state ? { state } : {};
    if (args[0] === undefined) {
      await withStore(ctx, (store) => exportSubscribers(store, ctx.stdout as Writable, { ...filter, end: false }));
      return;
    }
    const file = path.resolve(args[0]);
    // written aside and renamed, so a failed export never leaves half a file behind under the real name
    const temp = `${file}.${process.pid}.tmp`;
    try {
      const count = await withStore(ctx, (store) => exportSubscribers(store, createWriteStream(temp), filter));
      await rename(temp, file);
      ctx.stderr.write(`exported ${count} subscribers to ${file}\n`);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  },
};

export const subscribersCommands: CommandSpec[] = [add, remove, list, importCommand, exportCommand];
