// `gazette start` (what `npm start` runs): builds and serves the site, rebuilds on change, and sends the digest on
// schedule.
import { displayPath } from '../options.ts';
import { adminTokenProblem } from '../../server/admin-auth.ts';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { watchFile, type FolderWatcher } from '../../adapters/chokidar.ts';
import { editionPage, readSentEditions, type DeliveryDeps } from '../../delivery/index.ts';
import { previewNotice } from '../../config/load.ts';
import { errorMessage, UsageError } from '../../errors.ts';
import { publishedUrl } from '../../feed/index.ts';
import type { Logger } from '../../logger.ts';
import type { Mailer } from '../../mail/index.ts';
import { openConfiguredMailer } from '../mailer.ts';
import { startServer, type RunningServer } from '../../server/index.ts';
import { loadOrCreateSecret, openStore, type Store } from '../../store/index.ts';
import {
  configuredSubscriptionService,
  startConfirmationRetries,
  type ConfirmationRetries,
} from '../../subscribers/index.ts';
import { createSiteService, type SiteService } from '../../worker/site.ts';
import { createWorker, type Worker } from '../../worker/worker.ts';
import { createHubNotifier, type HubNotifier } from '../../websub/index.ts';
import { startReturnPathListener } from '../../bounces/listener.ts';
import { parseImapUrl, startMailboxPoller } from '../../bounces/mailbox.ts';
import type { CommandSpec } from '../command.ts';
import { templatesDir } from './build.ts';
import { collectPeriodically } from '../heap.ts';
import { createMetrics, createReadiness, metricsTokenProblem, type Metrics } from '../../metrics/index.ts';
import { servedBuild } from '../../worker/build-state.ts';
import { mailEventsPort, operatorPorts } from '../operators.ts';

/** How long a graceful stop may take before the worker gives up and exits non-zero. */
const DEFAULT_SHUTDOWN_SECONDS = 10;

function parseIntegerOption(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** Warns on every change to the config file: the running worker keeps what it loaded, a restart applies the new. */
function watchConfig(file: string, logger: Logger): Promise<FolderWatcher> {
  return watchFile({
    file,
    onChange: (event) =>
      logger.warn(
        { file },
        `${file} ${event === 'removed' ? 'was removed' : 'changed'}: the running worker keeps the config it started ` +
          'with; restart the worker to apply it',
      ),
    onError: (err) => logger.warn({ err, file }, `cannot watch ${file} for changes: ${err.message}`),
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Where SMTP mail goes, for the log: host and port only (the URL may carry a password). */
function smtpTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'SMTP';
  }
}

export const startCommand: CommandSpec = {
  name: 'start',
  description: 'Run the worker: build and serve the site, rebuild on content changes, and send the digest on schedule',
  options: [
    { flags: '--port <port>', description: 'port to listen on (default: $PORT, or 8080)' },
    { flags: '--host <address>', description: 'address to bind (default: all interfaces)' },
    {
      flags: '--trust-proxy <hops>',
      description: 'reverse proxies in front that append to X-Forwarded-For (default: 0, use the socket address)',
    },
    {
      flags: '--shutdown-timeout <seconds>',
      description: `longest graceful stop before exiting non-zero (default: ${DEFAULT_SHUTDOWN_SECONDS})`,
    },
    {
      flags: '--base-url <url>',
      description: 'a preview: build and mail with this site URL instead of site.url, e.g. http://127.0.0.1:8080/',
    },
  ],
  async run(ctx, _args, options) {
    const weakToken = adminTokenProblem(ctx.env.adminToken);
    if (weakToken !== null) throw new UsageError(weakToken);
    const scrapeToken = ctx.env.metricsToken;
    const weakScrapeToken = metricsTokenProblem(scrapeToken);
    if (weakScrapeToken !== null) throw new UsageError(weakScrapeToken);
    // the schedule was checked with the rest of the config (src/config/schema.ts)
    const config = await ctx.config();
    const port =
      options.port !== undefined ? parseIntegerOption('--port', String(options.port), 0, 65535) : ctx.env.port;
    const trustedProxies =
      options.trustProxy !== undefined ? parseIntegerOption('--trust-proxy', String(options.trustProxy), 0, 10) : 0;
    const shutdownMs =
      1000 *
      (options.shutdownTimeout !== undefined
        ? parseIntegerOption('--shutdown-timeout', String(options.shutdownTimeout), 1, 3600)
        : DEFAULT_SHUTDOWN_SECONDS);
    const env = ctx.env;
    const logger = ctx.logger;
    const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const now = (): Date => new Date();

    let configWatcher: FolderWatcher | undefined;
    let store: Store | undefined;
    let mailer: Mailer | undefined;
    let site: SiteService | undefined;
    let server: RunningServer | undefined;
    let worker: Worker | undefined;
    let returnPath: { port: number; close(): Promise<void> } | undefined;
    let mailbox: { stop(): Promise<void> } | undefined;
    let confirmations: ConfirmationRetries | undefined;
    let hub: HubNotifier | undefined;
    let metrics: Metrics | undefined;
    // /readyz: once this worker serves a build (its first, or the one public/ held when that failed)
    let buildServed = false;
    // a wrong IMAP_URL is refused before anything starts
    const imap = env.imapUrl === undefined ? undefined : parseImapUrl(env.imapUrl);
    const shutdown = async (): Promise<void> => {
      // Each step runs even when an earlier one failed: the store and the mail pool must close.
      const steps: [string, (() => Promise<void>) | undefined][] = [
        ['config watcher', configWatcher && (() => configWatcher!.close())],
        ['watcher', site && (() => site!.stop())],
        // after the watcher: a build finishing may still have pings to send, which this gives up
        ['WebSub notifier', hub && (() => hub!.close())],
        ['schedule and dispatch', worker && (() => worker!.stop())],
        ['server', server && (() => server!.close())],
        ['return path listener', returnPath && (() => returnPath!.close())],
        ['mailbox poller', mailbox && (() => mailbox!.stop())],
        ['confirmation retries', confirmations && (() => confirmations!.stop())],
        ['mailer', mailer && (() => mailer!.close())],
        ['database', store && (() => store!.close())],
      ];
      for (const [what, step] of steps) {
        if (!step) continue;
        try {
          await step();
        } catch (err) {
          logger.warn({ err }, `stopping the ${what} failed: ${errorMessage(err)}`);
        }
      }
    };

    try {
      const secret = await loadOrCreateSecret(env.varDir, { GAZETTE_SECRET: env.secret });
      store = await openStore({ databaseUrl: env.databaseUrl, varDir: env.varDir });
      const preview = previewNotice(config);
      // A preview's links point at the preview: they never reach readers. Its mail goes to the outbox whatever
      // SMTP_URL says, and it runs no schedule (nor takes the real worker's lease).
      mailer = await openConfiguredMailer(preview === undefined ? env : { ...env, smtpUrl: undefined }, config);
      // counted only when someone can read the counts
      if (scrapeToken !== undefined) metrics = createMetrics({ store, logger: logger.child({ component: 'metrics' }) });
      const sending = metrics ? metrics.mailer(mailer) : mailer;
      logger.info(
        {
          worker: workerId,
          database: store.dialect,
          mail:
            env.smtpUrl && preview === undefined
              ? smtpTarget(env.smtpUrl)
              : `outbox ${path.relative(env.root, path.join(env.varDir, 'outbox')) || '.'}`,
        },
        'worker starting',
      );
      configWatcher = await watchConfig(env.configFile, logger);
      if (preview !== undefined) {
        const mail = 'mail goes to var/outbox/ (not SMTP_URL) and the digest schedule is off';
        ctx.stdout.write(`gazette worker: ${preview}; ${mail}\n`);
        logger.warn({ url: config.site.url, siteUrl: config.site.productionUrl }, `${preview}; ${mail}`);
      }
      const hubUrl = config.feeds.websubHub;
      if (hubUrl !== undefined && preview !== undefined)
        logger.info({ hub: hubUrl }, 'a preview does not notify the WebSub hub: its feeds are not the published ones');
      else if (hubUrl !== undefined) hub = createHubNotifier({ hubUrl, logger: logger.child({ component: 'websub' }) });
      const activeHub = hub;

      const activeStore = store;
      site = createSiteService({
        config,
        configFile: displayPath(env.configFile),
        contentDir: env.contentDir,
        templatesDir,
        outDir: env.publicDir,
        buildsDir: path.join(env.varDir, 'builds'),
        varDir: env.varDir,
        logger: logger.child({ component: 'build' }),
        ...(metrics ? { onBuilt: metrics.built } : {}),
        now,
        sentEditions: () => readSentEditions(activeStore),
        // The server caches files in memory: it looks again as soon as a build lands.
        onPublished: () => {
          buildServed = true;
          server?.published();
        },
        ...(activeHub
          ? {
              // in the background: a slow or absent hub never holds up a build
              onFeedsChanged: (paths: string[]) =>
                void activeHub.publish(paths.map((p) => publishedUrl(config.site.url, p))),
            }
          : {}),
      });
      // A failed first build is logged by the service; the worker serves whatever was built before.
      await site.start();
      if (!buildServed && (await servedBuild(env.publicDir)) !== undefined) buildServed = true;

      const deps: DeliveryDeps = {
        store,
        mailer: sending,
        config,
        // The ledger names its own component.
        logger,
        now,
        contentDir: env.contentDir,
        templatesDir,
        root: env.root,
        secret,
      };
      const activeSite = site;
      worker = createWorker({
        scheduled: preview === undefined,
        deps,
        workerId,
        logger: logger.child({ component: 'worker' }),
        // A sent edition belongs in public/archive/.
        onEditionsSent: () => void activeSite.rebuild('edition sent'),
        // A long send keeps memory flat, as `digest send` does.
        whileDispatching: () => collectPeriodically(),
      });
      const subscriptions = configuredSubscriptionService({ store, mailer: sending, config, secret, logger });
      // a confirmation the mail server could not take when the reader asked goes out once it answers
      confirmations = startConfirmationRetries(subscriptions, logger.child({ component: 'subscriptions' }));
      const activeWorker = worker;
      const { admin, dashboard } = operatorPorts({
        deps,
        env,
        subscriptions,
        // the worker drains every edition due, the triggered one included
        dispatchInBackground: () =>
          void activeWorker
            .dispatchNow()
            .catch((err) => logger.error({ err }, `dispatch failed: ${errorMessage(err)}`)),
      });
      server = await startServer({
        publicDir: env.publicDir,
        site: { title: config.site.title, language: config.site.language },
        subscriptions,
        admin,
        mailEvents: mailEventsPort({ store, config, logger, now, secret }),
        editionPages: { editionPage: (page) => editionPage(activeStore, config, page, now()) },
        hooks: env.webhooks,
        adminToken: env.adminToken,
        dashboard: { port: dashboard, secret, siteUrl: config.site.url, timezone: config.site.timezone },
        metrics,
        metricsToken: scrapeToken,
        readiness: createReadiness({ store, buildServed: () => buildServed }),
        logger: logger.child({ component: 'server' }),
        port,
        trustedProxies,
        ...(typeof options.host === 'string' ? { hostname: options.host } : {}),
      });
      logger.info(
        {
          url: server.url,
          admin: env.adminToken ? 'enabled' : 'disabled (ADMIN_TOKEN unset)',
          metrics: metrics ? 'enabled' : 'disabled (METRICS_TOKEN unset)',
        },
        'serving',
      );
      // what it listens on, as bound; the URL is how to reach it from this machine
      const bound = typeof options.host === 'string' ? options.host : 'all interfaces';
      ctx.stdout.write(`gazette worker listening on ${bound}, port ${server.port}\n`);
      ctx.stdout.write(`gazette worker serving ${env.publicDir} at ${server.url}\n`);

      if (env.inboundSmtpPort !== undefined) {
        returnPath = await startReturnPathListener({
          deps: { store, config, logger, now, secret },
          port: env.inboundSmtpPort,
          host: env.inboundSmtpHost,
        });
        logger.info(
          {
            port: returnPath.port,
            host: env.inboundSmtpHost ?? 'all interfaces',
            address: config.digest.bounceAddress,
          },
          'return path listening for bounces, complaints and mailto: unsubscribes',
        );
      }

      if (imap) {
        mailbox = startMailboxPoller({ store, config, logger, now, secret }, imap, (env.imapPollSeconds ?? 60) * 1000);
        logger.info(
          { host: imap.host, folder: imap.folder, everySeconds: env.imapPollSeconds ?? 60 },
          'reading bounces, complaints and mailto: unsubscribes from a mailbox',
        );
      }

      await worker.start();
      await untilAborted(ctx.signal);
    } catch (err) {
      await shutdown();
      throw err;
    }

    logger.info({ boundSeconds: shutdownMs / 1000 }, 'stopping: finishing messages in flight');
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => {
      timer = setTimeout(() => resolve('overdue'), shutdownMs);
    });
    const outcome = await Promise.race([shutdown().then(() => 'done' as const), overdue]);
    clearTimeout(timer);
    if (outcome === 'overdue') {
      logger.error(
        { boundSeconds: shutdownMs / 1000 },
        'did not stop in time: exiting anyway; rows left in flight become uncertain on the next start',
      );
      // Whatever still holds the event loop open must not keep the process alive past the bound.
      setTimeout(() => process.exit(1), 500).unref();
      return 1;
    }
    logger.info('stopped');
  },
};
