// `gazette status`: what the publisher has done and will do next: items, last build, subscribers, editions, deliveries.
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
    lastAttempt: { at: string; ok: boolean; errors: string[] } | null;
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
  } | null;
  nextEdition: { slot: string; at: string } | null;
  /** Delivery rows of every edition by status. */
  deliveries: Record<DeliveryStatus, number>;
  /** Rows being sent now, by the process holding them, and whether it lives. */
  inFlight: { holder: string; rows: number; alive: boolean; reason: string }[];
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

  return {
    now: now.toISOString(),
    timezone: zone,
    items,
    build: {
      served: served ? { id: served.id, at: served.at.toISOString() } : null,
      lastAttempt: state ? { at: state.at, ok: state.ok, errors: state.errors ?? [] } : null,
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
          deliveries: await deliveryCounts(store, last.id),
        }
      : null,
    nextEdition: next ? { slot: slotKey(next, zone), at: next.toISOString() } : null,
    deliveries: await deliveryCounts(store),
    inFlight,
  };
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
  return `${lines.join('\n')}\n`;
}

export const statusCommand: CommandSpec = {
  name: 'status',
  description:
    'Show items published and scheduled, the last build, subscribers, the last and next edition, and deliveries',
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
