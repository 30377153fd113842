// `gazette status`: what the publisher has done and will do next: items, last build, subscribers, editions, deliveries,
// the workers and who holds the schedule, and the outbox.
import { editionGroups, groupLines, type EditionGroupReport } from '../../delivery/groups.ts';
import { count } from '../../plural.ts';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { formatInZone } from '../../adapters/luxon.ts';
import type { Config } from '../../config/schema.ts';
import type { Environment } from '../../config/load.ts';
import { ContentErrors, errorMessage } from '../../errors.ts';
import { nextSlot, slotKey } from '../../scheduler/slots.ts';
import {
  openStore,
  SUBSCRIBER_STATES,
  type DeliveryStatus,
  type Store,
  type SubscriberState,
} from '../../store/index.ts';
import { claimHolders, judgeSenders } from '../../delivery/index.ts';
import { readBuildState, servedBuild } from '../../worker/build-state.ts';
import { loadContentCalendar } from '../../worker/calendar.ts';
import { SCHEDULER_LEASE } from '../../worker/worker.ts';
import type { CommandSpec } from '../command.ts';

const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'sending',
  'retry',
  'sent',
  'failed',
  'uncertain',
  'cancelled',
];

export interface StatusReport {
  now: string;
  timezone: string;
  items: { published: number; scheduled: number; nextPublishAt: string | null } | { error: string };
  build: {
    /** The build public/ serves now. */
    served: { id: string; at: string } | null;
    /** The worker's last attempt, when a worker has run here. */
    lastAttempt: { at: string; ok: boolean; errors: string[]; durationMs: number | null } | null;
  };
  subscribers: Record<SubscriberState, number>;
  lastEdition: {
    id: number;
    slot: string | null;
    subject: string;
    state: string;
    recipients: number;
    createdAt: string;
    completedAt: string | null;
    pausedReason: string | null;
    deliveries: Record<DeliveryStatus, number>;
    /** Messages sent of the recipients. */
    progress: { sent: number; recipients: number; ratio: number };
    /** Per (language, topics) group: readers, sent, pending, failed, or skipped (nothing new). */
    groups: EditionGroupReport[];
  } | null;
  nextEdition: { slot: string; at: string } | null;
  /** Delivery rows of every edition by status. */
  deliveries: Record<DeliveryStatus, number>;
  /** Rows being sent now, by the process holding them, and whether it lives. */
  inFlight: { holder: string; rows: number; alive: boolean; reason: string }[];
  /** The processes registered to send (workers and `digest send`s), from their heartbeats. */
  senders: {
    id: string;
    kind: string | null;
    alive: boolean;
    reason: string;
    startedAt: string | null;
    seenAt: string | null;
    /** It holds the schedule's lease. */
    scheduler: boolean;
  }[];
  /** Who runs the schedule (creates each slot's edition): the lease's holder, until when. */
  lease: { holder: string; expiresAt: string; lapsed: boolean } | null;
  /** Messages written to var/outbox/ instead of sent (no SMTP_URL); null when SMTP_URL is set. */
  outbox: { dir: string; messages: number } | null;
}

/** The .eml files under `dir`, its sub-folders included; 0 when there is no such folder. */
async function countEml(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.eml')).length;
  } catch {
    return 0;
  }
}

function zeroCounts(): Record<DeliveryStatus, number> {
  return Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
}

async function deliveryCounts(store: Store, editionId?: number): Promise<Record<DeliveryStatus, number>> {
  let query = store.db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status');
  if (editionId !== undefined) query = query.where('edition_id', '=', editionId);
  const counts = zeroCounts();
  for (const row of await query.execute()) counts[row.status] = Number(row.n);
  return counts;
}

/** Gathers the status report at `now` (read-only apart from opening, and so migrating, the database). */
export async function gatherStatus(env: Environment, config: Config, store: Store, now: Date): Promise<StatusReport> {
  const zone = config.site.timezone;
  let items: StatusReport['items'];
  try {
    const calendar = await loadContentCalendar(env.contentDir, config, now);
    items = {
      published: calendar.published,
      scheduled: calendar.scheduled,
      nextPublishAt: calendar.nextPublishAt?.toISOString() ?? null,
    };
  } catch (err) {
    items = { error: err instanceof ContentErrors ? err.message.split('\n')[0]! : errorMessage(err) };
  }

  const served = await servedBuild(env.publicDir);
  const state = await readBuildState(env.varDir);

  const subscribers = Object.fromEntries(SUBSCRIBER_STATES.map((s) => [s, 0])) as Record<SubscriberState, number>;
  const rows = await store.db
    .selectFrom('subscribers')
    .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('state')
    .execute();
  for (const row of rows) subscribers[row.state] = Number(row.n);

  const last = await store.db
    .selectFrom('editions')
    .select(['id', 'slot', 'subject', 'state', 'recipients', 'created_at', 'completed_at', 'paused_reason'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const next = nextSlot(config.digest.schedule, zone, now);
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  const holders = await claimHolders(store);
  const judged = await judgeSenders(store, [...holders.keys()], now);
  const inFlight = [...holders].map(([holder, rows]) => {
    const liveness = judged.get(holder)!;
    return { holder, rows, alive: liveness.alive, reason: liveness.reason };
  });

  const lease = await store.db
    .selectFrom('leases')
    .select(['holder', 'expires_at'])
    .where('name', '=', SCHEDULER_LEASE)
    .executeTakeFirst();
  const senderRows = await store.db.selectFrom('senders').select(['id', 'started_at']).orderBy('started_at').execute();
  const liveness = await judgeSenders(
    store,
    senderRows.map((r) => r.id),
    now,
  );
  const leaseLive = lease !== undefined && Number(lease.expires_at) > now.getTime();
  const senders = senderRows.map((r) => {
    const l = liveness.get(r.id)!;
    return {
      id: r.id,
      kind: l.kind,
      alive: l.alive,
      reason: l.reason,
      startedAt: iso(r.started_at),
      seenAt: l.seenAt?.toISOString() ?? null,
      scheduler: leaseLive && lease.holder === r.id,
    };
  });
  const outboxDir = path.join(env.varDir, 'outbox');

  return {
    now: now.toISOString(),
    timezone: zone,
    items,
    build: {
      served: served ? { id: served.id, at: served.at.toISOString() } : null,
      lastAttempt: state
        ? { at: state.at, ok: state.ok, errors: state.errors ?? [], durationMs: state.durationMs ?? null }
        : null,
    },
    subscribers,
    lastEdition: last
      ? {
          id: last.id,
          slot: last.slot,
          subject: last.subject,
          state: last.state,
          recipients: Number(last.recipients),
          createdAt: iso(last.created_at)!,
          completedAt: iso(last.completed_at),
          pausedReason: last.paused_reason,
          ...(await editionDeliveries(store, last.id, Number(last.recipients))),
          groups: (await editionGroups(store, [last.id])).get(last.id) ?? [],
        }
      : null,
    nextEdition: next ? { slot: slotKey(next, zone), at: next.toISOString() } : null,
    deliveries: await deliveryCounts(store),
    inFlight,
    senders,
    lease: lease
      ? { holder: lease.holder, expiresAt: iso(lease.expires_at)!, lapsed: Number(lease.expires_at) <= now.getTime() }
      : null,
    outbox: env.smtpUrl
      ? null
      : { dir: path.relative(env.root, outboxDir) || '.', messages: await countEml(outboxDir) },
  };
}

async function editionDeliveries(
  store: Store,
  editionId: number,
  recipients: number,
): Promise<{
  deliveries: Record<DeliveryStatus, number>;
  progress: { sent: number; recipients: number; ratio: number };
}> {
  const deliveries = await deliveryCounts(store, editionId);
  const ratio = recipients > 0 ? deliveries.sent / recipients : 0;
  return { deliveries, progress: { sent: deliveries.sent, recipients, ratio } };
}

function counted(counts: Record<string, number>, keepZero: readonly string[] = []): string {
  const parts = Object.entries(counts)
    .filter(([k, n]) => n > 0 || keepZero.includes(k))
    .map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** The report as an operator reads it. */
export function formatStatus(report: StatusReport): string {
  const zone = report.timezone;
  const when = (iso: string) => formatInZone(new Date(iso), zone, 'yyyy-LL-dd HH:mm');
  const lines: string[] = [`gazette status at ${when(report.now)} (${zone})`];
  const items = report.items;
  lines.push(
    'error' in items
      ? `items:         cannot read the content: ${items.error}`
      : `items:         ${items.published} published, ${items.scheduled} scheduled` +
          `${items.nextPublishAt ? ` (next at ${when(items.nextPublishAt)})` : ''}`,
  );
  const { served, lastAttempt } = report.build;
  let build = served ? `${served.id} at ${when(served.at)}` : 'none yet';
  if (lastAttempt && !lastAttempt.ok)
    build +=
      `; the last attempt at ${when(lastAttempt.at)} failed: ${lastAttempt.errors[0] ?? 'unknown error'}` +
      `${lastAttempt.errors.length > 1 ? ` (and ${lastAttempt.errors.length - 1} more)` : ''}`;
  lines.push(`last build:    ${build}`);
  lines.push(`subscribers:   ${counted(report.subscribers, ['active'])}`);
  const last = report.lastEdition;
  lines.push(
    last
      ? `last edition:  #${last.id} "${last.subject}"${last.slot ? ` (slot ${last.slot})` : ' (manual)'}: ` +
          `${last.state}, ${last.recipients} recipients, created ${when(last.createdAt)}` +
          `${last.completedAt ? `, completed ${when(last.completedAt)}` : ''}` +
          `${last.pausedReason ? `; paused: ${last.pausedReason}` : ''}`
      : 'last edition:  none yet',
  );
  if (last && (last.state === 'sending' || last.state === 'paused' || last.state === 'draft')) {
    const p = last.progress;
    lines.push(`progress:      ${p.sent} of ${p.recipients} sent (${Math.floor(p.ratio * 100)}%)`);
  }
  if (last && (last.groups.length > 1 || last.groups.some((g) => g.skipped)))
    for (const line of groupLines(last.groups)) lines.push(`  group        ${line}`);
  lines.push(`next edition:  ${report.nextEdition ? `${report.nextEdition.slot}` : 'none scheduled'}`);
  lines.push(
    `deliveries:    ${last ? `last edition: ${counted(last.deliveries)}; ` : ''}` +
      `all editions: ${counted(report.deliveries)}`,
  );
  for (const h of report.inFlight)
    lines.push(
      `in flight:     ${h.rows} held by ${h.holder}: ${h.alive ? 'alive' : 'dead'} (${h.reason})` +
        `${h.alive ? '' : '; `gazette digest resume` recovers them'}`,
    );
  // times to the second, with the zone named: the heartbeats are seconds apart
  const at = (iso: string) => `${formatInZone(new Date(iso), zone, 'yyyy-LL-dd HH:mm:ss')} ${zone}`;
  const workers = report.senders.filter((s) => s.kind === 'worker');
  if (workers.length === 0) lines.push('workers:       none running');
  for (const [i, w] of workers.entries())
    lines.push(
      `${i === 0 ? 'workers:       ' : '               '}${w.id}: ${w.alive ? 'alive' : `dead (${w.reason})`}` +
        `${w.seenAt ? `, last seen ${at(w.seenAt)}` : ''}${w.scheduler ? '; runs the schedule' : ''}`,
    );
  for (const c of report.senders.filter((s) => s.kind !== 'worker'))
    lines.push(
      `sending:       ${c.id} (${c.kind ?? 'unknown'}): ${c.alive ? 'alive' : `dead (${c.reason})`}` +
        `${c.seenAt ? `, last seen ${at(c.seenAt)}` : ''}`,
    );
  const lease = report.lease;
  lines.push(
    lease === null
      ? "schedule:      no worker holds the schedule's lease"
      : lease.lapsed
        ? `schedule:      lease of ${lease.holder} lapsed at ${at(lease.expiresAt)}; any worker takes it over`
        : `schedule:      run by ${lease.holder} (lease until ${at(lease.expiresAt)})`,
  );
  lines.push(
    report.outbox === null
      ? 'outbox:        not used (SMTP_URL is set)'
      : `outbox:        ${count(report.outbox.messages, 'message')} in ` +
          `${report.outbox.dir}/ (no SMTP_URL: written as .eml files, not sent)`,
  );
  return `${lines.join('\n')}\n`;
}

export const statusCommand: CommandSpec = {
  name: 'status',
  description:
    'Show items published and scheduled, the last build, subscribers, the last and next edition, deliveries, ' +
    'the workers and who runs the schedule, and the outbox',
  options: [{ flags: '--json', description: 'print the report as JSON' }],
  async run(ctx, _args, options) {
    const config = await ctx.config();
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    try {
      const report = await gatherStatus(ctx.env, config, store, new Date());
      ctx.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    } finally {
      await store.close();
    }
  },
};
