// The operators' dashboard use-cases: the delivery ledger, the subscription service, the digest preview and the status
// report behind one port.
import { countReaders } from '../subscribers/counts.ts';
import { PassThrough, Readable } from 'node:stream';
import type { Environment } from '../config/load.ts';
import {
  buildDigestPreview,
  previewGroup,
  editionStatus,
  listEditions,
  pauseEdition,
  mailedHistory,
  openEdition,
  recoverInterrupted,
  cancelEdition,
  resumeEdition,
  type CreateEditionResult,
  type DeliveryDeps,
} from '../delivery/index.ts';
import type { DashboardPort } from '../server/index.ts';
import {
  exportSubscribers,
  importSubscribers,
  normalizeAddress,
  renameSubscriber,
  unsubscribeSubscriber,
  type SubscriptionService,
} from '../subscribers/index.ts';
import { latestEvents, listMailEvents } from '../bounces/index.ts';
import { isSessionRevoked, recordAudit, revokeSession } from '../store/index.ts';
import { gatherStatus } from './commands/status.ts';

export interface DashboardServiceOptions {
  deps: DeliveryDeps;
  env: Environment;
  subscriptions: SubscriptionService;
  /** Creates the next edition now and sends it in the background: the operators' API trigger. */
  trigger: (options?: { concurrent?: boolean }) => Promise<CreateEditionResult>;
  /** Sends the due rows of an edition in the background (after a resume). */
  dispatchInBackground: (editionId: number) => void;
  /** How many editions the list shows. Default 20. */
  editionsShown?: number;
}

/** Builds the port the /admin dashboard runs on. */
export function createDashboardService(options: DashboardServiceOptions): DashboardPort {
  const { deps, env, subscriptions } = options;
  const { store, config } = deps;
  const shown = options.editionsShown ?? 20;

  async function activeSubscribers(): Promise<number> {
    const row = await store.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('state', '=', 'active')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  return {
    async overview() {
      const report = await gatherStatus(env, config, store, deps.now());
      const attempt = report.build.lastAttempt;
      return {
        timezone: report.timezone,
        items:
          'error' in report.items
            ? { error: report.items.error }
            : { published: report.items.published, scheduled: report.items.scheduled },
        subscribers: report.subscribers,
        lastBuild: report.build.served ? { id: report.build.served.id, at: new Date(report.build.served.at) } : null,
        lastBuildError: attempt && !attempt.ok ? (attempt.errors[0] ?? 'unknown error') : null,
        nextEdition: report.nextEdition ? { slot: report.nextEdition.slot, at: new Date(report.nextEdition.at) } : null,
        readers: await countReaders(store.db, config),
      };
    },

    // Polled every second by each open editions page: two queries, not the per-edition failure lists.
    async editions() {
      return listEditions(store, shown);
    },

    async edition(id) {
      const [report] = await editionStatus(deps, id).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'EDITION_NOT_FOUND') return [];
        throw err;
      });
      if (!report) return null;
      return {
        id: report.editionId,
        state: report.state,
        subject: report.subject,
        slot: report.slot,
        recipients: report.recipients,
        counts: report.counts,
        pausedReason: report.pausedReason,
        createdAt: report.createdAt,
        startedAt: report.startedAt,
        completedAt: report.completedAt,
        groups: report.groups.map((g) => ({
          key: g.key,
          recipients: g.recipients,
          items: g.items,
          sent: g.sent,
          pending: g.pending,
          failed: g.failed,
          skipped: g.skipped,
        })),
        failures: report.failures.map((f) => ({
          email: f.email,
          status: f.status,
          attempts: f.attempts,
          responseCode: f.responseCode,
          error: f.error,
          nextAttemptAt: f.nextAttemptAt,
        })),
        uncertain: report.uncertain.map((u) => ({
          email: u.email,
          claimedBy: u.claimedBy,
          claimedAt: u.claimedAt,
          resent: u.resent,
        })),
        inFlight: report.inFlight.map((h) => ({ holder: h.holder, rows: h.rows, alive: h.alive, reason: h.reason })),
        events: (await listMailEvents(store, { editionId: id, limit: 200 })).map((e) => ({
          at: e.at,
          type: e.type,
          class: e.class,
          email: e.email,
          diagnostic: e.diagnostic,
        })),
      };
    },

    async nextDigest(choice) {
      const now = deps.now();
      const group = choice?.lang || choice?.topics ? previewGroup(config, choice.lang, choice.topics) : undefined;
      const choices = {
        ...(choice ? { choice } : {}),
        languages: config.languages.map((l) => l.code),
        topics: config.digest.topics.map((t) => t.id),
      };
      const [preview, recipients, open] = await Promise.all([
        mailedHistory(store).then((history) =>
          buildDigestPreview({
            config,
            contentDir: deps.contentDir,
            templatesDir: deps.templatesDir,
            now,
            history,
            ...(group ? { group } : {}),
          }),
        ),
        activeSubscribers(),
        openEdition(store).then((e) => (e ? { id: e.id, state: e.state } : null)),
      ]);
      if (preview.empty)
        return { empty: true, windowStart: preview.window.start, windowEnd: preview.window.end, open, ...choices };
      return {
        ...choices,
        open,
        empty: false,
        subject: preview.digest.subject,
        items: preview.digest.itemIds.length,
        recipients,
        html: preview.message.html ?? '',
        text: preview.message.text,
        windowStart: preview.window.start,
        windowEnd: preview.window.end,
      };
    },

    async sendNow({ concurrent }) {
      const result = await options.trigger({ concurrent });
      if (result.status === 'created')
        return {
          status: 'created',
          editionId: result.editionId,
          recipients: result.recipients,
          subject: result.subject,
        };
      return result;
    },

    async sendTest(address) {
      const to = normalizeAddress(address).email;
      const now = deps.now();
      const preview = await buildDigestPreview({
        config,
        contentDir: deps.contentDir,
        templatesDir: deps.templatesDir,
        now,
        history: await mailedHistory(store),
        // the test copy's unsubscribe link names nobody on the list (id 0 is never a subscriber)
        recipient: {
          subscriberId: `test-${now.getTime()}`,
          email: to,
          unsubscribeUrl: subscriptions.unsubscribeUrl({ id: 0, email: to }),
        },
      });
      if (preview.empty) return null;
      await deps.mailer.send(preview.message, { folder: 'test' });
      deps.logger.child({ component: 'dashboard' }).info({ subject: preview.digest.subject }, 'test copy sent');
      return { to, subject: preview.digest.subject };
    },

    pause: (editionId) => pauseEdition(store, editionId, 'paused by an operator'),

    sessionRevocations: {
      revoke: (id, expiresAt) => revokeSession(store, id, expiresAt, deps.now().getTime()),
      isRevoked: (id) => isSessionRevoked(store, id),
    },

    cancel: async (editionId) => ({ cancelled: (await cancelEdition(deps, { editionId })).cancelled }),

    async resume(editionId, { resendUncertain }) {
      // the operator's Resume takes back at once what a dead sender held, as `digest resume` does
      await recoverInterrupted(deps, { now: deps.now() });
      const { requeued } = await resumeEdition(deps, { editionId, resendUncertain });
      options.dispatchInBackground(editionId);
      return { requeued };
    },

    async listSubscribers(query) {
      const list = await subscriptions.list(query);
      const latest = await latestEvents(
        store,
        list.map((s) => s.id),
      );
      return list.map((s) => ({
        email: s.email,
        name: s.name,
        state: s.state,
        source: s.source,
        createdAt: s.createdAt,
        ...(latest.has(s.id) ? { lastEvent: latest.get(s.id)! } : {}),
      }));
    },

    async addSubscriber(address) {
      const { subscriber, created } = await subscriptions.add(address);
      return { email: subscriber.email, created };
    },

    removeSubscriber: (address) => subscriptions.remove(address),

    unsubscribeSubscriber: (address) => unsubscribeSubscriber(store.db, address, deps.now()),

    renameSubscriber: (address, name) => renameSubscriber(store.db, address, name, deps.now()),

    async subscriber(address) {
      const key = normalizeAddress(address).key;
      const row = await store.db.selectFrom('subscribers').selectAll().where('email_key', '=', key).executeTakeFirst();
      if (!row) return null;
      const latest = await latestEvents(store, [Number(row.id)]);
      const event = latest.get(Number(row.id));
      return {
        email: row.email,
        name: row.name,
        state: row.state,
        source: row.source,
        createdAt: new Date(Number(row.created_at)),
        ...(event ? { lastEvent: event } : {}),
      };
    },

    importSubscribers: (csv, { update }) =>
      importSubscribers(store, () => Readable.from([Buffer.from(csv)]), { now: deps.now(), update, choices: config }),

    audit: (entry) => recordAudit(store, entry, deps.now()),

    async auditLog({ limit, offset }) {
      const rows = await store.db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: new Date(Number(r.at)),
        actor: r.actor,
        action: r.action,
        target: r.target,
        detail: r.detail,
      }));
    },

    exportSubscribers() {
      const out = new PassThrough();
      exportSubscribers(store, out).catch((err: unknown) => out.destroy(err as Error));
      return Readable.toWeb(out) as ReadableStream<Uint8Array>;
    },
  };
}
