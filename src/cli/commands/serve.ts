// `gazette serve`: the HTTP server over public/, the subscription pages and the operators' API, until SIGINT or SIGTERM.
import { hostname } from 'node:os';
import path from 'node:path';
import { createEdition, dispatch, type CreateEditionResult, type DeliveryDeps } from '../../delivery/index.ts';
import { createDashboardService } from '../dashboard.ts';
import { errorMessage } from '../../errors.ts';
import { UsageError } from '../../errors.ts';
import { loadDigestDkim } from '../../newsletter/index.ts';
import { createMailer } from '../../mail/index.ts';
import { startServer, type AdminPort, type EditionSummary } from '../../server/index.ts';
import { loadOrCreateSecret, openStore, type Store } from '../../store/index.ts';
import { configuredSubscriptionService } from '../../subscribers/index.ts';
import type { CommandSpec } from '../command.ts';
import { templatesDir } from './build.ts';

/** Editions newest first with their deliveries counted by status: what the operators' API lists. */
export async function listEditionStatuses(store: Store, limit = 50): Promise<EditionSummary[]> {
  const editions = await store.db
    .selectFrom('editions')
    .select(['id', 'slot', 'subject', 'state', 'recipients', 'paused_reason', 'created_at', 'started_at', 'completed_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  if (editions.length === 0) return [];
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['edition_id', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where(
      'edition_id',
      'in',
      editions.map((e) => e.id),
    )
    .groupBy(['edition_id', 'status'])
    .execute();
  const byEdition = new Map<number, Record<string, number>>();
  for (const row of rows) {
    const counts = byEdition.get(row.edition_id) ?? {};
    counts[row.status] = Number(row.n);
    byEdition.set(row.edition_id, counts);
  }
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return editions.map((e) => ({
    id: e.id,
    status: e.state,
    slot: e.slot,
    subject: e.subject,
    recipients: e.recipients,
    pausedReason: e.paused_reason,
    createdAt: iso(e.created_at),
    startedAt: iso(e.started_at),
    completedAt: iso(e.completed_at),
    deliveries: byEdition.get(e.id) ?? {},
  }));
}

function parseIntegerOption(flag: string, what: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be ${what} from ${min} to ${max}, got "${text}"`);
  return value;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  description: 'Serve the built site, its feeds, the subscription pages and the admin API over HTTP',
  options: [
    { flags: '--port <port>', description: 'port to listen on (default: $PORT, or 8080)' },
    { flags: '--host <address>', description: 'address to bind (default: all interfaces)' },
    { flags: '--public <dir>', description: 'folder to serve (default: public/)' },
    { flags: '--trust-proxy <hops>', description: 'reverse proxies in front that append to X-Forwarded-For (default: 0, use the socket address)' },
  ],
  async run(ctx, _args, options) {
    const config = await ctx.config();
    const port = options.port !== undefined ? parseIntegerOption('--port', 'a port number', String(options.port), 0, 65535) : ctx.env.port;
    const trustedProxies =
      options.trustProxy !== undefined ? parseIntegerOption('--trust-proxy', 'a number of proxies', String(options.trustProxy), 0, 10) : 0;
    const publicDir = path.resolve((options.public as string | undefined) ?? ctx.env.publicDir);
    const logger = ctx.logger.child({ component: 'server' });

    const secret = await loadOrCreateSecret(ctx.env.varDir, { GAZETTE_SECRET: ctx.env.secret });
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    const mailer = createMailer({ smtpUrl: ctx.env.smtpUrl, outboxDir: path.join(ctx.env.varDir, 'outbox') });
    const dkim = await loadDigestDkim(config, ctx.env.root);
    const digestMailer = createMailer({
      smtpUrl: ctx.env.smtpUrl,
      outboxDir: path.join(ctx.env.varDir, 'outbox'),
      pool: { maxConnections: config.digest.concurrency },
      ...(dkim ? { dkim } : {}),
    });
    const delivery: DeliveryDeps = {
      store,
      mailer: digestMailer,
      config,
      logger: ctx.logger.child({ component: 'delivery' }),
      now: () => new Date(),
      contentDir: ctx.env.contentDir,
      templatesDir,
      root: ctx.env.root,
      secret,
    };
    let sending: Promise<unknown> = Promise.resolve();
    const dispatchInBackground = (editionId: number): void => {
      sending = sending.then(() =>
        dispatch(delivery, { workerId: `${hostname()}:${process.pid}:serve`, editionId, signal: ctx.signal, waitForRetries: true }).catch((err) =>
          logger.error({ edition: editionId }, `dispatch failed: ${errorMessage(err)}`),
        ),
      );
    };
    try {
      const subscriptions = configuredSubscriptionService({ store, mailer, config, secret, logger: ctx.logger });
      const admin: AdminPort = {
        subscriberCounts: () => subscriptions.counts(),
        listEditions: () => listEditionStatuses(store),
        // Creates the edition now and answers; the dispatch runs on in the background until done or shutdown.
        async triggerDigest() {
          const result = await createEdition(delivery, { now: delivery.now() });
          if (result.status === 'created') dispatchInBackground(result.editionId);
          return result;
        },
      };
      const dashboard = createDashboardService({ deps: delivery, env: ctx.env, subscriptions, trigger: () => admin.triggerDigest!() as Promise<CreateEditionResult>, dispatchInBackground });
      const server = await startServer({
        publicDir,
        site: { title: config.site.title, language: config.site.language },
        subscriptions,
        admin,
        adminToken: ctx.env.adminToken,
        dashboard: { port: dashboard, secret, siteUrl: config.site.url, timezone: config.site.timezone },
        logger,
        trustedProxies,
        port,
        ...(typeof options.host === 'string' ? { hostname: options.host } : {}),
      });
      logger.info({ url: server.url, publicDir, admin: ctx.env.adminToken ? 'enabled' : 'disabled (ADMIN_TOKEN unset)' }, 'serving');
      ctx.stdout.write(`gazette serving ${publicDir} at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      logger.info('stopping');
      await server.close();
      await sending;
    } finally {
      await digestMailer.close();
      await mailer.close();
      await store.close();
    }
  },
};
