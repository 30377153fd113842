// `gazette serve`: the HTTP server over public/, the subscription pages and the operators' API, until SIGINT
// or SIGTERM.
import { adminTokenProblem } from '../../server/admin-auth.ts';
import { availableParallelism, hostname } from 'node:os';
import path from 'node:path';
import { editionPage, type DeliveryDeps } from '../../delivery/index.ts';
import { errorMessage, UsageError } from '../../errors.ts';
import { runServerWorker, serverWorkerSetup } from '../../server/cluster.ts';
import type { CommandSpec } from '../command.ts';

function parseIntegerOption(flag: string, what: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be ${what} from ${min} to ${max}, got "${text}"`);
  return value;
}

// Past a few processes the file cache's copies cost more memory than the extra throughput is worth.
const MAX_DEFAULT_WORKERS = 4;

export const serveCommand: CommandSpec = {
  name: 'serve',
  description: 'Serve the built site, its feeds, the subscription pages and the admin API over HTTP',
  options: [
    { flags: '--port <port>', description: 'port to listen on (default: $PORT, or 8080)' },
    { flags: '--host <address>', description: 'address to bind (default: all interfaces)' },
    { flags: '--public <dir>', description: 'folder to serve (default: public/)' },
    {
      flags: '--trust-proxy <hops>',
      description: 'reverse proxies in front that append to X-Forwarded-For (default: 0, use the socket address)',
    },
    {
      flags: '--workers <n>',
      description:
        `processes accepting connections: each serves the site's files, and passes every other request to the ` +
        `one main process (default: one per CPU core, at most ${MAX_DEFAULT_WORKERS}; 1: a single process)`,
    },
  ],
  async run(ctx, _args, options) {
    const weakToken = adminTokenProblem(ctx.env.adminToken);
    if (weakToken !== null) throw new UsageError(weakToken);
    // A worker process started by the command below: it only serves files and forwards the rest.
    const worker = serverWorkerSetup();
    if (worker !== undefined) {
      await runServerWorker(worker, {
        logger: ctx.logger.child({ component: 'server', worker: process.pid }),
        signal: ctx.signal,
      });
      return;
    }
    // Loaded here, not above: a worker process needs none of it (each module graph costs every worker memory).
    const [
      { dispatch },
      { mailEventsPort, operatorPorts },
      { openConfiguredMailer },
      { startServer },
      { loadOrCreateSecret, openStore },
      { configuredSubscriptionService, startConfirmationRetries },
      { templatesDir },
    ] = await Promise.all([
      import('../../delivery/index.ts'),
      import('../operators.ts'),
      import('../mailer.ts'),
      import('../../server/index.ts'),
      import('../../store/index.ts'),
      import('../../subscribers/index.ts'),
      import('./build.ts'),
    ]);
    const config = await ctx.config();
    const port =
      options.port !== undefined
        ? parseIntegerOption('--port', 'a port number', String(options.port), 0, 65535)
        : ctx.env.port;
    const trustedProxies =
      options.trustProxy !== undefined
        ? parseIntegerOption('--trust-proxy', 'a number of proxies', String(options.trustProxy), 0, 10)
        : 0;
    const workers =
      options.workers !== undefined
        ? parseIntegerOption('--workers', 'a number of processes', String(options.workers), 1, 64)
        : Math.min(availableParallelism(), MAX_DEFAULT_WORKERS);
    const publicDir = path.resolve((options.public as string | undefined) ?? ctx.env.publicDir);
    const logger = ctx.logger.child({ component: 'server' });

    const secret = await loadOrCreateSecret(ctx.env.varDir, { GAZETTE_SECRET: ctx.env.secret });
    const store = await openStore({ databaseUrl: ctx.env.databaseUrl, varDir: ctx.env.varDir });
    const mailer = await openConfiguredMailer(ctx.env, config);
    const delivery: DeliveryDeps = {
      store,
      mailer,
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
        dispatch(delivery, {
          workerId: `${hostname()}:${process.pid}:serve`,
          editionId,
          signal: ctx.signal,
          waitForRetries: true,
        }).catch((err) => logger.error({ edition: editionId }, `dispatch failed: ${errorMessage(err)}`)),
      );
    };
    try {
      const subscriptions = configuredSubscriptionService({ store, mailer, config, secret, logger: ctx.logger });
      // subscribes come in here too: a confirmation the mail server could not take goes out once it answers
      const confirmations = startConfirmationRetries(subscriptions, logger.child({ component: 'subscriptions' }));
      const { admin, dashboard } = operatorPorts({ deps: delivery, env: ctx.env, subscriptions, dispatchInBackground });
      const server = await startServer({
        publicDir,
        site: { title: config.site.title, language: config.site.language },
        subscriptions,
        admin,
        mailEvents: mailEventsPort({ store, config, logger: ctx.logger, now: () => new Date(), secret }),
        editionPages: { editionPage: (page) => editionPage(store, config, page, new Date()) },
        hooks: ctx.env.webhooks,
        adminToken: ctx.env.adminToken,
        dashboard: { port: dashboard, secret, siteUrl: config.site.url, timezone: config.site.timezone },
        logger,
        trustedProxies,
        workers,
        port,
        ...(typeof options.host === 'string' ? { hostname: options.host } : {}),
      });
      logger.info(
        { url: server.url, publicDir, workers, admin: ctx.env.adminToken ? 'enabled' : 'disabled (ADMIN_TOKEN unset)' },
        'serving',
      );
      ctx.stdout.write(`gazette serving ${publicDir} at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      logger.info('stopping');
      await server.close();
      await confirmations.stop();
      await sending;
    } finally {
      await mailer.close();
      await store.close();
    }
  },
};
