// The HTTP application: public/ files, the subscription pages, the operators' API, the provider webhooks, health and
// readiness checks and the metrics, as one Hono app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { bodyLimit, Hono, type App, type Context } from '../adapters/hono.ts';
import { silentLogger } from '../adapters/pino.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createAdminAuth, createAdminFailureLimiter, type AdminAuthResult } from './admin-auth.ts';
import type { DashboardPort } from './admin/port.ts';
import { IMPORT_PATH, mountDashboard } from './admin/routes.ts';
import { clientAddress, rateLimitKey } from './client-address.ts';
import { mountHooks, type HooksOptions } from './hooks/index.ts';
import { loadCatalogs, type Catalogs, type Messages } from '../i18n/catalog.ts';
import {
  badChoicePage,
  badRequestPage,
  badTokenPage,
  confirmAskPage,
  confirmedPage,
  EVERYTHING,
  FORM_STYLE_HASH,
  payloadTooLargePage,
  preferencesPage,
  serverErrorPage,
  subscribeInvalidPage,
  subscribePage,
  subscribeThanksPage,
  tooManyRequestsPage,
  unsubscribeAskPage,
  unsubscribedPage,
  type Page,
  type PageSite,
  type PageView,
  type ReaderOptions,
} from './pages.ts';
import {
  choiceProblem,
  errorCode,
  isAddressError,
  isTokenError,
  type AdminPort,
  type EditionPagesPort,
  type MailEventsPort,
  type PreferencesPortView,
  type ReaderSettingsView,
  type SubscriptionPort,
} from './ports.ts';
import { withEditionPages } from './edition-pages.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import {
  createStaticFiles,
  type StaticFiles,
  type StaticFilesOptions,
  type StaticRequest,
  type StaticResponse,
} from './static-files.ts';

/** What /metrics and the request counts need; src/metrics/ provides it. */
export interface MetricsPort {
  /** The exposition in Prometheus's text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Counts one answered request by its raw path (without the query) and status. */
  request(path: string, status: number): void;
}

/** Whether this server should get traffic, and why not. */
export type ReadinessPort = () => Promise<{ ready: boolean; reasons: string[] }>;

export interface AppOptions {
  /** The built site to serve. */
  publicDir: string;
  site: PageSite;
  /** Subscribe, confirm and unsubscribe; without it those pages answer 503. */
  subscriptions?: SubscriptionPort;
  /** Operators' use-cases; defaults to subscriber counts from `subscriptions`. */
  admin?: AdminPort;
  /** Pages of editions going out, served under /archive/ until a build writes them. */
  editionPages?: EditionPagesPort | undefined;
  /** The return path, fed by the provider webhooks at /hooks/…; without it a configured hook answers 503. */
  mailEvents?: MailEventsPort;
  /** Which provider webhooks exist and how they are checked; one not configured answers 404. */
  hooks?: HooksOptions;
  /** Bearer token of /admin/api and the login token of the /admin dashboard; unset or empty: neither exists (404). */
  adminToken?: string | undefined;
  /** The operators' dashboard at /admin; without it /admin answers 404. */
  dashboard?: {
    port: DashboardPort;
    /** Signs the session cookie (GAZETTE_SECRET); default a random per-process key. */
    secret?: string | undefined;
    /** The site's public URL: https makes the session cookie Secure. */
    siteUrl?: string | undefined;
    /** Zone the pages show times in. */
    timezone?: string | undefined;
  };
  logger?: Logger;
  /** Request counts and /metrics; without it nothing is counted and /metrics answers 404. */
  metrics?: MetricsPort | undefined;
  /** Bearer token of /metrics; unset or empty: /metrics answers 404. */
  metricsToken?: string | undefined;
  /** What /readyz answers from; without it /readyz answers 404. */
  readiness?: ReadinessPort | undefined;
  /** Clock in milliseconds for the rate limit. Default Date.now. */
  now?: () => number;
  /**
   * Failed admin-token checks (API bearer, dashboard login and the metrics bearer together) allowed per client address.
   * Default 40 per 15 minutes.
   */
  adminFailureLimit?: { limit: number; windowMs: number };
  /** POST /subscribe allowance per client address. Default 5 per 10 minutes. */
  subscribeRateLimit?: { limit: number; windowMs: number };
  /** POST /preferences allowance per client address. Default 30 per 10 minutes. */
  preferencesRateLimit?: { limit: number; windowMs: number };
  /**
   * GET /preferences allowance per client address: each one looks the reader up, forged link or not. Default 120 per
   * 10 minutes, for readers behind one address who open their pages at once.
   */
  preferencesViewRateLimit?: { limit: number; windowMs: number };
  /** Reverse proxies in front that append to X-Forwarded-For; 0 (default) trusts only the socket address. */
  trustedProxies?: number;
  /** Largest request body accepted on any POST. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Tuning of the public/ cache. */
  staticFiles?: Omit<StaticFilesOptions, 'root'>;
}

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Tokens travel in these URLs: never leak them to other sites, never let the unsubscribe button be framed.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** The pages with the choice forms carry a block of styles of their own, allowed by its hash alone. */
const formHeaders: Record<string, string> = {
  'content-security-policy':
    `default-src 'none'; style-src 'self' ${FORM_STYLE_HASH}; img-src 'self'; form-action 'self'; ` +
    "frame-ancestors 'none'; base-uri 'none'",
};

/** The topics of a form: every `topics` field; the Everything box (or none ticked) is null, for everything. */
function formTopics(value: unknown): string[] | null | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
  if (list.includes(EVERYTHING)) return null;
  return list;
}

/** The choices the pages offer, named in the languages of the catalogs. */
function readerOptions(settings: ReaderSettingsView, catalogs: Catalogs): ReaderOptions {
  return {
    languages: settings.languages.map((l) => ({
      code: l.code,
      name: catalogs.messages(l.code).t('common.language_name'),
    })),
    topics: settings.digest.topics,
  };
}

/** Without subscriptions: the site's one language, from gazette's own catalogs (English when it has none). */
async function defaultReaders(language: string): Promise<{ settings: ReaderSettingsView; catalogs: Catalogs }> {
  const settings = { languages: [{ code: language }], digest: { topics: [] } };
  const load = (code: string) => loadCatalogs({ languages: [{ code }], site: { timezone: 'UTC' } });
  const catalogs = await load(language).catch(() => load('en'));
  return { settings, catalogs };
}

const JSON_HEADERS: Record<string, string> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Builds the application; `app.request(...)` exercises it without opening a port. */
export function createApp(options: AppOptions): App {
  return createHandlers(options).app;
}

/** The app, and the same static files answered straight on Node's objects for the listener's fast path. */
export interface Handlers {
  app: App;
  /** Answers GET and HEAD of public/ files and returns true; returns false for everything the app routes. */
  serveStatic(incoming: IncomingMessage, outgoing: ServerResponse): boolean;
  /** A build was just published: the next request looks at public/ again (see StaticFiles.refresh). */
  published(): void;
}

/** Paths the app answers itself; everything else under GET and HEAD is a file of public/. */
function isAppRoute(rawPath: string): boolean {
  return (
    rawPath === '/healthz' ||
    rawPath === '/readyz' ||
    rawPath === '/metrics' ||
    rawPath === '/subscribe' ||
    rawPath === '/confirm' ||
    rawPath === '/unsubscribe' ||
    rawPath === '/preferences' ||
    rawPath === '/admin' ||
    rawPath.startsWith('/admin/')
  );
}

export function createHandlers(options: AppOptions): Handlers {
  const logger = options.logger ?? silentLogger();
  const site = options.site;
  const subscriptions = options.subscriptions;
  const admin: AdminPort | undefined =
    options.admin ?? (subscriptions ? { subscriberCounts: () => subscriptions.counts() } : undefined);
  const checkAdmin = createAdminAuth(options.adminToken);
  const metrics = options.metrics;
  const checkMetrics = createAdminAuth(metrics ? options.metricsToken : undefined);
  const adminFailures = createAdminFailureLimiter(options.now ?? Date.now, options.adminFailureLimit);
  const limiter = createRateLimiter({
    limit: options.subscribeRateLimit?.limit ?? 5,
    windowMs: options.subscribeRateLimit?.windowMs ?? 10 * 60 * 1000,
    now: options.now ?? Date.now,
  });
  const preferencesLimiter = createRateLimiter({
    limit: options.preferencesRateLimit?.limit ?? 30,
    windowMs: options.preferencesRateLimit?.windowMs ?? 10 * 60 * 1000,
    now: options.now ?? Date.now,
  });
  const preferencesViewLimiter = createRateLimiter({
    limit: options.preferencesViewRateLimit?.limit ?? 120,
    windowMs: options.preferencesViewRateLimit?.windowMs ?? 10 * 60 * 1000,
    now: options.now ?? Date.now,
  });
  const trustedProxies = options.trustedProxies ?? 0;
  let readersLoaded: Promise<{ settings: ReaderSettingsView; catalogs: Catalogs }> | undefined;
  /** The languages and topics readers choose from, and the pages' catalogs: the subscriptions', or English alone. */
  const readers = (): Promise<{ settings: ReaderSettingsView; catalogs: Catalogs }> => {
    readersLoaded ??= (subscriptions ? subscriptions.readers() : defaultReaders(site.language)).catch((err) => {
      readersLoaded = undefined;
      throw err;
    });
    return readersLoaded;
  };
  const files = withEditionPages(
    createStaticFiles({ ...options.staticFiles, root: options.publicDir }),
    options.editionPages,
  );

  const app: App = new Hono();

  const page = (p: Page, extra?: Record<string, string>): Response =>
    new Response(p.html, { status: p.status, headers: extra ? { ...PAGE_HEADERS, ...extra } : PAGE_HEADERS });
  const json = (status: number, body: unknown, extra?: Record<string, string>): Response =>
    new Response(JSON.stringify(body), { status, headers: extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS });
  const jsonError = (status: number, code: string, message: string, extra?: Record<string, string>): Response =>
    json(status, { error: { code, message } }, extra);
  const isApi = (c: Context): boolean => c.req.path.startsWith('/admin/api');

  // First of all, so that every answer the app gives is counted, the hooks' and the errors' included.
  if (metrics)
    app.use('*', async (c, next) => {
      await next();
      metrics.request(c.req.path, c.res.status);
    });

  app.onError((err, c) => {
    logger.error({ err, path: c.req.path, method: c.req.method }, 'request failed');
    if (isApi(c)) return jsonError(500, 'INTERNAL', 'internal error; see the server log');
    return viewIn().then(
      (view) => page(serverErrorPage(view)),
      () => new Response('Internal Server Error\n', { status: 500, headers: { 'content-type': 'text/plain' } }),
    );
  });

  // Before the body limit below: the hooks take larger bodies, with a limit of their own.
  mountHooks(app, {
    hooks: options.hooks ?? {},
    events: options.mailEvents,
    trustedProxies,
    now: options.now ?? Date.now,
    logger,
  });

  const smallBodies = bodyLimit({
    maxSize: options.maxBodyBytes ?? 16 * 1024,
    onError: (c) =>
      isApi(c)
        ? jsonError(413, 'PAYLOAD_TOO_LARGE', 'request body too large')
        : viewIn().then((view) => page(payloadTooLargePage(view), { connection: 'close' })),
  });
  // the dashboard's CSV upload has a larger limit of its own
  app.post('*', (c, next) => (c.req.path === IMPORT_PATH ? next() : smallBodies(c, next)));

  app.get('/healthz', () => json(200, { status: 'ok' }));

  // For a load balancer or an orchestrator: 503 with the reasons until a build is served and the database answers.
  app.get('/readyz', async () => {
    if (options.readiness === undefined) return jsonError(404, 'NOT_FOUND', 'readiness is not tracked by this server');
    const { ready, reasons } = await options.readiness();
    return ready ? json(200, { status: 'ready' }) : json(503, { status: 'not ready', reasons });
  });

  /**
   * The refusal for a bearer-token check that did not pass, or undefined when it did; wrong tokens count against the
   * one failure budget per client that the admin API and the dashboard's login share.
   */
  const refuseBearer = (c: Context, verdict: AdminAuthResult, what: string, realm: string): Response | undefined => {
    if (verdict === 'disabled') return jsonError(404, 'NOT_FOUND', 'not found');
    const ip = clientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustedProxies);
    const key = rateLimitKey(ip);
    // a client over its budget is refused even with the right token, so guessing tells it nothing more
    const blocked = adminFailures.peek(key);
    if (!blocked.allowed) {
      logger.warn({ ip }, `${what} refused: too many failed token checks`);
      return jsonError(429, 'RATE_LIMITED', 'too many failed token checks; try again later', {
        'retry-after': String(blocked.retryAfterSeconds),
      });
    }
    if (verdict === 'ok') return undefined;
    if (verdict === 'wrong') adminFailures.hit(key);
    logger.warn({ ip, reason: verdict }, `${what} refused: bearer token`);
    return jsonError(401, 'UNAUTHORIZED', verdict === 'missing' ? 'bearer token required' : 'invalid bearer token', {
      'www-authenticate': `Bearer realm="${realm}"${verdict === 'wrong' ? ', error="invalid_token"' : ''}`,
    });
  };

  // Prometheus's scrape: off (404) without METRICS_TOKEN. The figures from the database are cached for a few seconds.
  app.get('/metrics', async (c) => {
    const refusal = refuseBearer(c, checkMetrics(c.req.header('authorization')), 'metrics', 'gazette metrics');
    if (refusal !== undefined || metrics === undefined) return refusal;
    const { contentType, body } = await metrics.scrape();
    return new Response(body, {
      status: 200,
      headers: { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    });
  });

  // ---- subscription pages -------------------------------------------------------------------

  const unavailable = (): Response =>
    new Response('Subscriptions are not available on this server.\n', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });

  /** The pages' strings in `lang` (the site's default for undefined or a language the site does not have). */
  const viewIn = async (lang?: string | null): Promise<PageView> => {
    const { catalogs } = await readers();
    const m = catalogs.messages(lang ?? undefined);
    return { site: { ...site, language: m.lang }, m };
  };
  /** The language of the subscriber a link names, for its pages; the default when it names none. */
  const tokenLanguage = async (token: string | undefined): Promise<string | undefined> =>
    token && subscriptions ? subscriptions.linkLanguage(token) : undefined;

  const rateLimited = async (c: Context, which: RateLimiter, what: string): Promise<Response | undefined> => {
    const incoming = c.env?.incoming;
    const ip = clientAddress(incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustedProxies);
    const decision = which.hit(rateLimitKey(ip));
    if (decision.allowed) return undefined;
    logger.warn({ ip }, `${what} rate limit reached`);
    return page(tooManyRequestsPage(await viewIn(), decision.retryAfterSeconds), {
      'retry-after': String(decision.retryAfterSeconds),
    });
  };

  app.get('/subscribe', async () => {
    const { settings, catalogs } = await readers();
    return page(subscribePage(await viewIn(), readerOptions(settings, catalogs)), formHeaders);
  });

  app.post('/subscribe', async (c) => {
    if (subscriptions === undefined) return unavailable();
    const limited = await rateLimited(c, limiter, 'subscribe');
    if (limited) return limited;
    const incoming = c.env?.incoming;
    const ip = clientAddress(incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustedProxies);
    const form = await readForm(c);
    const raw = form.email;
    const email = typeof raw === 'string' ? raw.trim() : '';
    const language = typeof form.language === 'string' ? form.language.trim() : undefined;
    const { settings } = await readers();
    const known = language !== undefined && settings.languages.some((l) => l.code === language);
    const view = await viewIn(known ? language : undefined);
    if (email === '') return page(subscribeInvalidPage(view, ''));
    // a form that offers topics (or a language) but where no topic is ticked asks for everything
    const topics =
      formTopics(form.topics) ?? (language !== undefined || form.topics_shown !== undefined ? null : undefined);
    let delayed: boolean;
    try {
      ({ delayed } = await subscriptions.subscribe(email, {
        ip,
        ...(language !== undefined ? { language } : {}),
        ...(topics !== undefined ? { topics } : {}),
      }));
    } catch (err) {
      if (isAddressError(err)) return page(subscribeInvalidPage(view, email));
      const bad = choiceProblem(err);
      if (bad) return page(badChoicePage(view, bad));
      throw err;
    }
    return page(subscribeThanksPage(view, { delayed }));
  });

  /** Runs `use` on the link's token; a missing, forged, altered or expired one gets its page instead. */
  const withToken = async (
    purpose: 'confirm' | 'unsubscribe' | 'preferences',
    token: string | undefined,
    use: (token: string, view: PageView) => Promise<Page>,
    headers?: Record<string, string>,
  ): Promise<Response> => {
    if (subscriptions === undefined) return unavailable();
    const view = await viewIn(await tokenLanguage(token));
    if (!token) return page(badRequestPage(view, view.m.t(`pages.no_token_${purpose}`)));
    try {
      return page(await use(token, view), headers);
    } catch (err) {
      if (isTokenError(err)) return page(badTokenPage(view, purpose, errorCode(err) === 'TOKEN_EXPIRED'));
      const bad = choiceProblem(err);
      if (bad) return page(badChoicePage(view, bad));
      throw err;
    }
  };

  // A GET only asks, as for /unsubscribe: mail scanners and link previews open links, and must not
  // confirm a sign-up the owner of the address never made.
  app.get('/confirm', (c) =>
    withToken('confirm', c.req.query('token'), async (token, view) => {
      const { email } = await subscriptions!.checkConfirmToken(token);
      return confirmAskPage(view, email, `/confirm?token=${encodeURIComponent(token)}`);
    }),
  );

  // The page's button.
  app.post('/confirm', async (c) => {
    let token = c.req.query('token');
    if (!token) {
      const fromBody = (await readForm(c)).token;
      if (typeof fromBody === 'string') token = fromBody;
    }
    return withToken('confirm', token, async (t, view) => confirmedPage(view, (await subscriptions!.confirm(t)).email));
  });

  // A GET only asks: mail scanners and link prefetchers follow links, and must not unsubscribe anyone.
  app.get('/unsubscribe', (c) =>
    withToken('unsubscribe', c.req.query('token'), async (token, view) => {
      const { email } = await subscriptions!.checkUnsubscribeToken(token);
      return unsubscribeAskPage(view, email, `/unsubscribe?token=${encodeURIComponent(token)}`);
    }),
  );

  // The page's button and RFC 8058 one-click (body `List-Unsubscribe=One-Click`) both land here.
  app.post('/unsubscribe', async (c) => {
    let token = c.req.query('token');
    if (!token) {
      const fromBody = (await readForm(c)).token;
      if (typeof fromBody === 'string') token = fromBody;
    }
    return withToken('unsubscribe', token, async (t, view) =>
      unsubscribedPage(view, (await subscriptions!.unsubscribe(t)).email),
    );
  });

  /** The preference page of `state`, in the reader's language. */
  const preferences = async (token: string, state: PreferencesPortView, notice?: (m: Messages) => string) => {
    const view = await viewIn(state.language);
    const { settings, catalogs } = await readers();
    return preferencesPage(view, readerOptions(settings, catalogs), {
      token,
      email: state.email,
      active: state.state === 'active' || state.state === 'pending',
      language: state.language,
      topics: state.topics,
      pausedUntil: state.pausedUntil,
      notice: notice?.(view.m),
    });
  };

  // The reader's own page, reached from every mail: a GET only shows it (link scanners open it too); each change
  // is a POST of one of its forms, which carry the token in their body.
  app.get('/preferences', async (c) => {
    if (subscriptions === undefined) return unavailable();
    const limited = await rateLimited(c, preferencesViewLimiter, 'preferences page');
    if (limited) return limited;
    return withToken(
      'preferences',
      c.req.query('token'),
      async (token) => preferences(token, await subscriptions.preferences(token)),
      formHeaders,
    );
  });

  app.post('/preferences', async (c) => {
    if (subscriptions === undefined) return unavailable();
    const limited = await rateLimited(c, preferencesLimiter, 'preferences');
    if (limited) return limited;
    const form = await readForm(c);
    const token = typeof form.token === 'string' ? form.token : undefined;
    const action = typeof form.action === 'string' ? form.action : 'save';
    return withToken(
      'preferences',
      token,
      async (t, view) => {
        if (action === 'unsubscribe')
          return unsubscribedPage(view, (await subscriptions.updatePreferences(t, { action })).email);
        if (action === 'pause') {
          const weeks = Number(typeof form.weeks === 'string' ? form.weeks : Number.NaN);
          const state = await subscriptions.updatePreferences(t, {
            action,
            weeks: Number.isInteger(weeks) ? weeks : -1,
          });
          return preferences(t, state, (m) =>
            m.t('pages.preferences_paused_saved', { date: m.date(state.pausedUntil ?? new Date()) }),
          );
        }
        if (action === 'resume') {
          const state = await subscriptions.updatePreferences(t, { action });
          return preferences(t, state, (m) => m.t('pages.preferences_resumed'));
        }
        const language = typeof form.language === 'string' ? form.language : undefined;
        const topics = formTopics(form.topics) ?? null;
        const state = await subscriptions.updatePreferences(t, {
          action: 'save',
          ...(language !== undefined ? { language } : {}),
          topics,
        });
        return preferences(t, state, (m) => m.t('pages.preferences_saved'));
      },
      formHeaders,
    );
  });

  // ---- operators' API -----------------------------------------------------------------------

  app.use('/admin/api/*', async (c, next) => {
    const refusal = refuseBearer(c, checkAdmin(c.req.header('authorization')), 'admin API', 'gazette admin');
    if (refusal !== undefined) return refusal;
    await next();
  });

  app.get('/admin/api/subscribers/counts', async () => {
    if (admin === undefined) return jsonError(503, 'NOT_AVAILABLE', 'subscriber storage is not set up in this server');
    return json(200, await admin.subscriberCounts());
  });

  app.get('/admin/api/editions', async () => {
    if (admin?.listEditions === undefined)
      return jsonError(503, 'NOT_AVAILABLE', 'editions are not available in this server');
    return json(200, { editions: await admin.listEditions() });
  });

  app.post('/admin/api/digest/trigger', async () => {
    if (admin?.triggerDigest === undefined)
      return jsonError(503, 'NOT_AVAILABLE', 'digest sending is not set up in this server');
    try {
      const result = await admin.triggerDigest();
      await options.dashboard?.port
        .audit({ actor: 'api', action: 'send now', detail: JSON.stringify(result ?? null).slice(0, 500) })
        .catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'audit log not written'));
      return json(202, { triggered: true, result: result ?? null });
    } catch (err) {
      const code = errorCode(err);
      if (code !== undefined) return jsonError(409, code, errorMessage(err));
      throw err;
    }
  });

  app.all('/admin/api/*', () => jsonError(404, 'NOT_FOUND', 'no such endpoint'));

  mountDashboard(app, {
    port: options.dashboard?.port,
    adminToken: options.adminToken,
    failures: adminFailures,
    site,
    secret: options.dashboard?.secret,
    siteUrl: options.dashboard?.siteUrl,
    timezone: options.dashboard?.timezone,
    trustedProxies,
    now: options.now ?? Date.now,
    logger,
  });

  // ---- public/ --------------------------------------------------------------------------------

  app.get('*', async (c) => {
    const incoming = c.env?.incoming;
    const target =
      incoming?.url !== undefined && incoming.url.charCodeAt(0) === 47 ? incoming.url : pathAndQuery(c.req.url);
    const q = target.indexOf('?');
    const h = incoming?.headers;
    const result = await files.respond({
      head: c.req.raw.method === 'HEAD',
      rawPath: q < 0 ? target : target.slice(0, q),
      search: q < 0 ? '' : target.slice(q),
      acceptEncoding: h ? headerValue(h['accept-encoding']) : c.req.header('accept-encoding'),
      accept: h ? headerValue(h.accept) : c.req.header('accept'),
      secFetchDest: h ? headerValue(h['sec-fetch-dest']) : c.req.header('sec-fetch-dest'),
      ifNoneMatch: h ? headerValue(h['if-none-match']) : c.req.header('if-none-match'),
      ifModifiedSince: h ? headerValue(h['if-modified-since']) : c.req.header('if-modified-since'),
    });
    const body =
      result.body instanceof Readable ? (Readable.toWeb(result.body) as ReadableStream<Uint8Array>) : result.body;
    return new Response(body as BodyInit | null, { status: result.status, headers: result.headers });
  });

  app.all(
    '*',
    () =>
      new Response('Method Not Allowed\n', {
        status: 405,
        headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
      }),
  );

  return {
    app,
    serveStatic: (incoming, outgoing) => serveStaticDirect(files, logger, incoming, outgoing, metrics?.request),
    published: () => files.refresh(),
  };
}

/**
 * The public/ files alone, straight on Node's objects: what each process of a multi-process server runs
 * in front of the application. Returns false for requests the application routes.
 */
export function createStaticHandler(options: {
  publicDir: string;
  staticFiles?: Omit<StaticFilesOptions, 'root'> | undefined;
  logger?: Logger | undefined;
}): (incoming: IncomingMessage, outgoing: ServerResponse) => boolean {
  const files = createStaticFiles({ ...options.staticFiles, root: options.publicDir });
  const logger = options.logger ?? silentLogger();
  return (incoming, outgoing) => serveStaticDirect(files, logger, incoming, outgoing);
}

function serveStaticDirect(
  files: StaticFiles,
  logger: Logger,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  count?: (path: string, status: number) => void,
): boolean {
  const method = incoming.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const url = incoming.url;
  if (url === undefined || url.charCodeAt(0) !== 47) return false;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  if (isAppRoute(rawPath)) return false;
  const h = incoming.headers;
  const request: StaticRequest = {
    head: method === 'HEAD',
    rawPath,
    search: q < 0 ? '' : url.slice(q),
    acceptEncoding: h['accept-encoding'],
    accept: h.accept,
    secFetchDest: headerValue(h['sec-fetch-dest']),
    ifNoneMatch: h['if-none-match'],
    ifModifiedSince: h['if-modified-since'],
  };
  // A file served before is answered from memory in this same turn: no promise, no file system.
  const cached = files.respondCached(request);
  if (cached !== undefined) {
    writeStatic(cached, outgoing);
    count?.(rawPath, cached.status);
    return true;
  }
  files.respond(request).then(
    (result) => {
      writeStatic(result, outgoing);
      count?.(rawPath, result.status);
    },
    (err: unknown) => {
      logger.error({ err, path: rawPath }, 'static file failed');
      count?.(rawPath, 500);
      if (outgoing.headersSent) outgoing.destroy();
      else outgoing.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error\n');
    },
  );
  return true;
}

function writeStatic(result: StaticResponse, outgoing: ServerResponse): void {
  outgoing.writeHead(result.status, result.headers);
  const body = result.body;
  if (body === null) outgoing.end();
  else if (body instanceof Readable) {
    body.on('error', () => outgoing.destroy());
    outgoing.on('close', () => body.destroy());
    body.pipe(outgoing);
  } else outgoing.end(body);
}

/**
 * Reads a urlencoded or multipart form; a field given more than once (the topics' checkboxes) is an array.
 * Anything unreadable counts as an empty form.
 */
async function readForm(c: Context): Promise<Record<string, unknown>> {
  try {
    return (await c.req.parseBody({ all: true })) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const hash = url.indexOf('#', start);
  return hash < 0 ? url.slice(start) : url.slice(start, hash);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
