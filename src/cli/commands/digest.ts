// `gazette digest send|status|resume`: create and dispatch an edition, see where editions stand, continue one after a
// stop.
import { cliActor } from '../audit.ts';
import { formatInZone } from '../../adapters/luxon.ts';
import { count } from '../../plural.ts';
import { hostname } from 'node:os';
import path from 'node:path';
import { createProgressBar } from '../../adapters/cli-progress.ts';
import { prestartMjml } from '../../adapters/mjml.ts';
import {
  buildDigestPreview,
  createEdition,
  dispatch,
  editionStatus,
  groupLines,
  previewGroup,
  cancelEdition,
  mailedHistory,
  recoverInterrupted,
  liveWorkers,
  resumeEdition,
  type DeliveryDeps,
  type DispatchProgress,
  type DispatchResult,
  type EditionReport,
} from '../../delivery/index.ts';
import { GazetteError, UsageError } from '../../errors.ts';
import { collectPeriodically } from '../heap.ts';
import { openConfiguredMailer } from '../mailer.ts';
import { loadOrCreateSecret, openStore, recordAudit, type Store } from '../../store/index.ts';
import { normalizeAddress } from '../../subscribers/address.ts';
import { createSubscriptionService } from '../../subscribers/service.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import { parseNow } from '../options.ts';
import { templatesDir } from '../templates-dir.ts';

function editionArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`EDITION must be an edition number, got "${value}"`);
  return id;
}

/** The store, the mailer (SMTP_URL or var/outbox, DKIM when configured) and the delivery deps; closed by `close`. */
async function openDelivery(
  ctx: CommandContext,
  options: Record<string, unknown>,
): Promise<DeliveryDeps & { close(): Promise<void> }> {
  const config = await ctx.config();
  const secret = await loadOrCreateSecret(ctx.env.varDir, { GAZETTE_SECRET: ctx.env.secret });
  const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
  const mailer = await openConfiguredMailer(ctx.env, config);
  return {
    store,
    mailer,
    config,
    logger: ctx.logger.child({ component: 'digest' }),
    now: () => new Date(),
    contentDir: path.resolve((options.content as string | undefined) ?? ctx.env.contentDir),
    templatesDir,
    root: ctx.env.root,
    secret,
    async close() {
      await mailer.close();
      await store.close();
    },
  };
}

const workerId = (): string => `${hostname()}:${process.pid}:cli`;

/** Sends with a bar on a terminal, a log line every few seconds otherwise; returns the dispatch result. */
async function dispatchWithProgress(
  ctx: CommandContext,
  deps: DeliveryDeps,
  editionId: number,
  waitForRetries: boolean,
): Promise<DispatchResult> {
  const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let lastLog = 0;
  const onProgress = (p: DispatchProgress): void => {
    const total = p.pending + p.sending + p.sent + p.failed + p.retry + p.uncertain;
    const done = p.sent + p.failed + p.uncertain;
    const status = [
      p.failed && `${p.failed} failed`,
      p.retry && `${p.retry} to retry`,
      p.uncertain && `${p.uncertain} uncertain`,
    ]
      .filter(Boolean)
      .join(', ');
    if (tty) {
      bar ??= createProgressBar({ stream: ctx.stderr, total, label: `edition ${editionId}` });
      bar.update(done, status);
    } else if (Date.now() - lastLog >= 5000 || done === total) {
      lastLog = Date.now();
      deps.logger.info({ edition: editionId, ...p, total }, `sending: ${done}/${total}`);
    }
  };
  const stopCollecting = collectPeriodically();
  try {
    return await dispatch(deps, {
      workerId: workerId(),
      editionId,
      signal: ctx.signal,
      onProgress,
      waitForRetries,
    });
  } finally {
    stopCollecting();
    bar?.stop();
  }
}

/** Records what this command did in the audit log, as the dashboard does for its own actions. */
const audit = (store: Store, action: string, target: string, detail?: string): Promise<void> =>
  recordAudit(store, { actor: cliActor(), action, target, detail }, new Date());

const WAIT_OPTION = {
  flags: '--wait',
  description:
    'stay until every retry is sent or given up (default: return once every row has had its first attempt, ' +
    'and leave the retries to the worker)',
};

async function retryHandOff(deps: DeliveryDeps, waited: boolean): Promise<RetryHandOff> {
  const timezone = deps.config.site.timezone;
  if (waited) return { waited, workers: [], timezone };
  return { waited, workers: (await liveWorkers(deps.store, deps.now())).map((w) => w.id), timezone };
}

/** Rows being sent now, by holder: who holds them, and whether it lives. */
function inFlightLines(r: EditionReport): string[] {
  return r.inFlight.map(
    (h) =>
      `in flight: ${count(h.rows, 'row')} held by ${h.holder}, ` +
      `${h.alive ? `alive (${h.reason})` : `dead (${h.reason}): \`gazette digest resume\` recovers them`}`,
  );
}

/** What sends the retries once the command returns without waiting for them. */
interface RetryHandOff {
  /** `--wait`: the command waited for every retry. */
  waited: boolean;
  /** Workers alive now, which send the retries when they are due. */
  workers: string[];
  /** site.timezone, for the time of the next retry. */
  timezone: string;
}

/**
 * The closing report of send and resume; non-zero when the edition is not finished, with why and what to do.
 * Without --wait, an edition whose only unfinished rows wait for a retry is handed to the worker: status 0.
 */
function summary(
  ctx: CommandContext,
  report: EditionReport | undefined,
  result: DispatchResult,
  handOff: RetryHandOff,
): number {
  if (!report) return 1;
  const c = report.counts;
  ctx.stdout.write(
    `edition ${report.editionId}: ${report.state}; sent ${c.sent}, failed ${c.failed}, to retry ${c.retry}, ` +
      `pending ${c.pending}, in flight ${c.sending}, uncertain ${c.uncertain}` +
      `${c.cancelled > 0 ? `, cancelled ${c.cancelled}` : ''} of ${report.recipients}\n`,
  );
  for (const line of inFlightLines(report)) ctx.stdout.write(`${line}\n`);
  const resent = report.uncertain.filter((u) => u.resent).length;
  if (resent > 0)
    ctx.stdout.write(
      `${count(resent, 'message')} a stopped sender had in flight sent again: those readers may have two copies\n`,
    );
  if (report.state === 'paused') {
    ctx.stdout.write(
      `paused: ${report.pausedReason ?? 'by an operator'}\n` +
        `run \`gazette digest resume ${report.editionId}\` to continue ` +
        `(once the mail server is back, if it was down)\n`,
    );
    return 1;
  }
  if (report.state === 'cancelled') {
    ctx.stdout.write(`cancelled: its items go into the next edition\n`);
    return 1;
  }
  if (result.aborted) {
    ctx.stdout.write(`stopped before the end; run \`gazette digest resume ${report.editionId}\` to continue\n`);
    return 1;
  }
  const onlyRetries = c.retry > 0 && c.pending === 0 && c.sending === 0;
  if (report.state === 'sending' && onlyRetries && !handOff.waited) {
    const next = report.failures
      .map((f) => f.nextAttemptAt)
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    ctx.stdout.write(
      `every row has had its first attempt; ${count(c.retry, 'row')} wait for a retry` +
        `${next ? ` (the next at ${inZone(handOff.timezone)(next)})` : ''}: ` +
        (handOff.workers.length > 0
          ? `the worker (${handOff.workers.join(', ')}) sends them when they are due`
          : 'no worker runs now: `gazette start` sends them when they are due') +
        `; \`gazette digest resume ${report.editionId} --wait\` sends them from here\n`,
    );
    return 0;
  }
  if (report.state !== 'sent') {
    const live = report.inFlight.filter((h) => h.alive);
    const why =
      live.length > 0
        ? `${count(
            live.reduce((n, h) => n + h.rows, 0),
            'row',
          )} still being sent by another process ` +
          `(${live.map((h) => h.holder).join(', ')}); it finishes them, or run \`gazette digest resume ` +
          `${report.editionId}\` again once it has stopped`
        : c.retry > 0
          ? `${count(c.retry, 'row')} waiting for a retry; the worker (\`gazette start\`) sends them, ` +
            `or run \`gazette digest resume ${report.editionId}\` again later`
          : `run \`gazette digest resume ${report.editionId}\` to continue`;
    ctx.stdout.write(`edition ${report.editionId} is not finished: ${why}\n`);
    return 1;
  }
  if (c.uncertain > 0)
    ctx.stdout.write(
      `${c.uncertain} uncertain (may or may not have arrived): see \`gazette digest status ${report.editionId}\`\n`,
    );
  return 0;
}

const send: CommandSpec = {
  name: 'digest send',
  description:
    'Create the next edition for every active subscriber and send it ' +
    '(--dry-run: only say what would go out; --to: one test copy)',
  options: [
    { flags: '--dry-run', description: 'create and send nothing; print the subject, item count and recipient count' },
    { flags: '--to <address>', description: 'send one test copy to this address; writes nothing to the ledger' },
    { flags: '--force', description: 'create an edition even when no item is new' },
    {
      flags: '--concurrent',
      description: 'create a second edition even while another one is still open (sending or paused)',
    },
    { flags: '--now <iso>', description: 'compose as if it were this moment (ISO 8601; default: now)' },
    { flags: '--content <dir>', description: 'content folder (default: content/)' },
    { flags: '--lang <code>', description: "with --to: the test copy of this language's digest" },
    {
      flags: '--topics <ids>',
      description: 'with --to: the test copy of the digest of these topics (ids, comma-separated)',
    },
    WAIT_OPTION,
  ],
  async run(ctx, _args, options) {
    const now = parseNow(options.now);
    if (options.dryRun && options.to !== undefined) throw new UsageError('--dry-run and --to do not go together');
    if ((options.lang !== undefined || options.topics !== undefined) && options.to === undefined)
      throw new UsageError('--lang and --topics choose the test copy of --to: they need it');
    // mjml loads in its thread while the ledger opens and the content is read
    prestartMjml();
    const deps = await openDelivery(ctx, options);
    try {
      const { store, config } = deps;
      if (options.dryRun || options.to !== undefined) {
        const to = options.to === undefined ? undefined : normalizeAddress(String(options.to)).email;
        const links = createSubscriptionService({
          store,
          mailer: deps.mailer,
          site: config.site,
          from: config.digest.from,
          secret: deps.secret!,
        });
        const group =
          options.lang !== undefined || options.topics !== undefined
            ? previewGroup(config, options.lang as string | undefined, options.topics as string | undefined)
            : undefined;
        const preview = await buildDigestPreview({
          config,
          contentDir: deps.contentDir,
          templatesDir,
          now,
          history: await mailedHistory(store),
          force: options.force === true,
          ...(group ? { group } : {}),
          // the test copy's unsubscribe link names nobody on the list (id 0 is never a subscriber)
          ...(to
            ? {
                recipient: {
                  subscriberId: `test-${now.getTime()}`,
                  email: to,
                  unsubscribeUrl: links.unsubscribeUrl({ id: 0, email: to }),
                  preferencesUrl: links.preferencesUrl({ id: 0, email: to }),
                },
              }
            : {}),
        });
        if (preview.empty) {
          ctx.stdout.write(
            `no item published between ${inZone(config.site.timezone)(preview.window.start)} ` +
              `and ${inZone(config.site.timezone)(preview.window.end)} is waiting to be mailed: ` +
              'nothing to send (--force sends anyway)\n',
          );
          return 0;
        }
        const items = preview.digest.itemIds.length;
        if (to) {
          const sent = await deps.mailer.send(preview.message, { folder: 'test' });
          await audit(deps.store, 'test copy', to, preview.digest.subject);
          ctx.stdout.write(
            `test copy of "${preview.digest.subject}" (${count(items, 'item')}) ` + `sent to ${to}: ${sent.response}\n`,
          );
          return 0;
        }
        const row = await store.db
          .selectFrom('subscribers')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('state', '=', 'active')
          .executeTakeFirst();
        const recipients = Number(row?.n ?? 0);
        ctx.stdout.write(
          `dry run: nothing created or sent\nsubject: ${preview.digest.subject}\n` +
            `items: ${items}\nrecipients: ${recipients}\n`,
        );
        return 0;
      }

      const created = await createEdition(deps, {
        now,
        force: options.force === true,
        concurrent: options.concurrent === true,
      });
      if (created.status === 'no-items') {
        ctx.stdout.write('no new items since the last edition: nothing sent (--force sends anyway)\n');
        return 0;
      }
      if (created.status === 'open-exists')
        throw new GazetteError(
          'EDITION_OPEN',
          `edition ${created.editionId} is still ${created.state}: \`gazette digest resume ${created.editionId}\` ` +
            `finishes it, \`gazette digest cancel ${created.editionId}\` stops it; --concurrent sends a second ` +
            'edition alongside it',
        );
      if (created.status === 'slot-taken')
        throw new GazetteError('EDITION_EXISTS', `edition ${created.editionId} exists for this slot already`);
      await audit(store, 'send', `edition ${created.editionId}`, count(created.recipients, 'recipient'));
      ctx.stdout.write(
        `edition ${created.editionId}: "${created.subject}", ${count(created.items, 'item')}, ` +
          `${count(created.recipients, 'recipient')}\n`,
      );
      const skipped = created.groups.filter((g) => g.skipped);
      if (created.groups.length > 1 || skipped.length > 0 || created.paused > 0)
        ctx.stdout.write(
          `  ${count(created.groups.length - skipped.length, 'group')} of readers` +
            (skipped.length > 0
              ? `; skipped: nothing new for ${count(created.skipped, 'reader')} ` +
                `(${skipped.map((g) => g.key).join(', ')})`
              : '') +
            (created.paused > 0 ? `; paused: ${count(created.paused, 'reader')}` : '') +
            '\n',
        );
      const result = await dispatchWithProgress(ctx, deps, created.editionId, options.wait === true);
      const [report] = await editionStatus(deps, created.editionId);
      return summary(ctx, report, result, await retryHandOff(deps, options.wait === true));
    } finally {
      await deps.close();
    }
  },
};

/** A time as the operator reads it: in site.timezone, the zone named (`--json` keeps ISO UTC). */
const inZone =
  (zone: string) =>
  (d: Date | null): string =>
    d ? `${formatInZone(d, zone, 'yyyy-LL-dd HH:mm:ss')} ${zone}` : '-';

function printReport(ctx: CommandContext, r: EditionReport, detail: boolean, zone: string): void {
  const iso = inZone(zone);
  const c = r.counts;
  ctx.stdout.write(
    `edition ${r.editionId}  ${r.state}  "${r.subject}"${r.slot ? `  slot ${r.slot}` : ''}\n` +
      `  recipients ${r.recipients}: sent ${c.sent}, failed ${c.failed}, retry ${c.retry}, pending ${c.pending}, ` +
      `in flight ${c.sending}, uncertain ${c.uncertain}${c.cancelled > 0 ? `, cancelled ${c.cancelled}` : ''}\n` +
      `  created ${iso(r.createdAt)}, started ${iso(r.startedAt)}, completed ${iso(r.completedAt)}\n`,
  );
  if (r.pausedReason) ctx.stdout.write(`  ${r.state === 'cancelled' ? 'cancelled' : 'paused'}: ${r.pausedReason}\n`);
  // one line per (language, topics) group when there is more than the one, or one was skipped
  if (r.groups.length > 1 || r.groups.some((g) => g.skipped))
    for (const line of groupLines(r.groups)) ctx.stdout.write(`  group ${line}\n`);
  for (const line of inFlightLines(r)) ctx.stdout.write(`  ${line}\n`);
  const back = r.returned;
  if (back.hardBounces + back.softBounces + back.complaints + back.unsubscribes > 0)
    ctx.stdout.write(
      `  returned: ${count(back.hardBounces, 'hard bounce')}, ${back.softBounces} soft, ` +
        `${count(back.complaints, 'complaint')}, ${count(back.unsubscribes, 'unsubscribe')} by mail ` +
        '(`gazette bounces list --edition ' +
        `${r.editionId}\`)\n`,
    );
  if (!detail) return;
  for (const f of r.failures) {
    const next = f.nextAttemptAt ? ` (next ${iso(f.nextAttemptAt)})` : '';
    ctx.stdout.write(
      `  ${f.status === 'failed' ? 'failed' : 'retry'}: ${f.email} after ${count(f.attempts, 'attempt')}: ` +
        `${f.error ?? ''}${next}\n`,
    );
  }
  for (const u of r.uncertain)
    ctx.stdout.write(
      `  uncertain: ${u.email} (claimed by ${u.claimedBy ?? '?'}, found in flight at ${iso(u.claimedAt)}; ` +
        `${u.resent ? 'sent again: may have two copies' : 'held'})\n`,
    );
  if (r.uncertain.some((u) => !u.resent))
    ctx.stdout.write(
      `  held ones may or may not have arrived; \`gazette digest resume ${r.editionId} --resend-uncertain\` ` +
        'sends them again\n',
    );
}

const status: CommandSpec = {
  name: 'digest status',
  description: 'Show editions (or one) with deliveries by status, failures with the server reply, and uncertain rows',
  args: [{ name: 'edition', description: 'edition number (default: the 20 newest)', required: false }],
  options: [{ flags: '--json', description: 'print the report as JSON' }],
  async run(ctx, args, options) {
    const editionId = editionArg(args[0]);
    const config = await ctx.config();
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const deps = { store, config, logger: ctx.logger, now: () => new Date() } as DeliveryDeps;
      const reports = await editionStatus(deps, editionId);
      if (options.json) {
        ctx.stdout.write(`${JSON.stringify(editionId === undefined ? reports : reports[0], null, 2)}\n`);
        return 0;
      }
      if (reports.length === 0) ctx.stdout.write('no editions yet\n');
      for (const r of reports)
        printReport(ctx, r, editionId !== undefined || reports.length === 1, config.site.timezone);
      return 0;
    } finally {
      await store.close();
    }
  },
};

const resume: CommandSpec = {
  name: 'digest resume',
  description:
    'Continue a paused or interrupted edition: rows of senders that died are recovered at once, the rest is sent',
  args: [
    { name: 'edition', description: 'edition number (default: the newest paused or unfinished one)', required: false },
  ],
  options: [
    WAIT_OPTION,
    {
      flags: '--resend-uncertain',
      description: 'also send the rows held as uncertain (a reader may get a second copy)',
    },
    {
      flags: '--stale-after <seconds>',
      description: "also take claims older than this from senders that look alive (default: only dead senders')",
    },
  ],
  async run(ctx, args, options) {
    let staleAfterMs: number | undefined;
    if (options.staleAfter !== undefined) {
      const seconds = Number(options.staleAfter);
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new UsageError(`--stale-after must be a number of seconds, got "${String(options.staleAfter)}"`);
      staleAfterMs = seconds * 1000;
    }
    const deps = await openDelivery(ctx, options);
    try {
      const recovered = await recoverInterrupted(deps, {
        now: deps.now(),
        ...(staleAfterMs !== undefined ? { staleAfterMs } : {}),
      });
      for (const dead of recovered.dead) ctx.stdout.write(`recovered the rows of ${dead.id}: ${dead.reason}\n`);
      if (recovered.released > 0)
        ctx.stdout.write(`${count(recovered.released, 'row')} claimed and never started: pending again\n`);
      if (recovered.requeued > 0)
        ctx.stdout.write(
          `${count(recovered.requeued, 'row')} left in flight by a stopped sender marked uncertain and queued again\n`,
        );
      if (recovered.uncertain > 0)
        ctx.stdout.write(
          `${count(recovered.uncertain, 'row')} left in flight by a stopped sender marked uncertain (held)\n`,
        );
      const editionId = editionArg(args[0]);
      const resumed = await resumeEdition(deps, {
        ...(editionId !== undefined ? { editionId } : {}),
        resendUncertain: options.resendUncertain === true,
        // the operator asked to see it through from here: what waits for a retry is tried now
        retryNow: options.wait === true,
      });
      await audit(
        deps.store,
        options.resendUncertain === true ? 're-send uncertain' : 'resume',
        `edition ${resumed.editionId}`,
        resumed.requeued > 0 ? `${resumed.requeued} requeued` : undefined,
      );
      if (resumed.requeued > 0) ctx.stdout.write(`${count(resumed.requeued, 'uncertain row')} queued again\n`);
      const result = await dispatchWithProgress(ctx, deps, resumed.editionId, options.wait === true);
      const [report] = await editionStatus(deps, resumed.editionId);
      return summary(ctx, report, result, await retryHandOff(deps, options.wait === true));
    } finally {
      await deps.close();
    }
  },
};

const cancel: CommandSpec = {
  name: 'digest cancel',
  description: 'Stop an edition for good: unsent rows end as cancelled, and its items go into the next edition',
  args: [{ name: 'edition', description: 'edition number (default: the open one)', required: false }],
  async run(ctx, args) {
    const config = await ctx.config();
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const deps = { store, config, logger: ctx.logger, now: () => new Date() } as DeliveryDeps;
      const editionId = editionArg(args[0]);
      const done = await cancelEdition(deps, editionId !== undefined ? { editionId } : {});
      await audit(store, 'cancel', `edition ${done.editionId}`, `${done.cancelled} rows not sent`);
      ctx.stdout.write(
        `edition ${done.editionId} cancelled: ${count(done.cancelled, 'row')} will not be sent; ` +
          'messages already with the mail server finish, and its items go into the next edition\n',
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

export const digestCommands: CommandSpec[] = [send, status, resume, cancel];
