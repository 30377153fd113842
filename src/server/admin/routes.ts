// The operators' dashboard under /admin: login with the admin token, a signed session cookie, CSRF-checked forms, the
// pages.
import { readFile } from 'node:fs/promises';
import { templatesDir } from '../../paths.ts';
import { bodyLimit, type App, type Context } from '../../adapters/hono.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { createAdminAuth, createAdminFailureLimiter } from '../admin-auth.ts';
import { clientAddress, rateLimitKey } from '../client-address.ts';
import type { PageSite } from '../pages.ts';
import { errorCode, type SubscriberState } from '../ports.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { AuditEntry, DashboardPort } from './port.ts';
import { createSessions, readCookie, SESSION_COOKIE, type Session } from './session.ts';
import {
  auditPage,
  editionPage,
  editionProgressJson,
  editionsPage,
  loginPage,
  messagePage,
  overviewPage,
  previewPage,
  importPage,
  removeConfirmPage,
  sendConfirmPage,
  SUBSCRIBER_STATE_NAMES,
  subscriberPage,
  subscribersPage,
  type ViewContext,
} from './views.ts';

export interface DashboardOptions {
  /** The use-cases; without it (or without a token) /admin answers 404. */
  port?: DashboardPort | undefined;
  /** ADMIN_TOKEN; unset or empty: the dashboard does not exist (404), like the API. */
  adminToken: string | undefined;
  site: PageSite;
  /** GAZETTE_SECRET signs session cookies; without it a random per-process key does (sessions end on restart). */
  secret?: string | undefined;
  /**
   * The site's public URL. When it is https the cookie is `Secure`, except for requests to a loopback
   * host (127.0.0.1, localhost, [::1]) over plain http, so a local run and the tests can log in.
   */
  siteUrl?: string | undefined;
  /** Zone the pages show times in. Default UTC. */
  timezone?: string | undefined;
  /** Session lifetime. Default 12 hours. */
  sessionTtlMs?: number;
  /**
   * Failed admin-token checks per client address, shared with the API's bearer check (the app passes its
   * own); without it, a limiter of 40 failures per 15 minutes for the login form alone.
   */
  failures?: RateLimiter | undefined;
  trustedProxies: number;
  now: () => number;
  logger: Logger;
}

const ASSETS_DIR = `${templatesDir}admin/`;
const ASSETS: Record<string, string> = {
  'admin.css': 'text/css; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
};

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; frame-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

// The digest as a reader's mail client shows it: its own inline styles and remote images, never scripts, framed only by
// the dashboard.
const PREVIEW_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; font-src https: data:; " +
    "frame-ancestors 'self'; sandbox; base-uri 'none'; form-action 'none'",
};

const NOTICES: Record<string, (detail: string) => string> = {
  sending: (d) => `Edition created: sending to ${d} subscribers.`,
  'no-items': () => 'No item was published since the last edition: nothing was sent.',
  'slot-taken': (d) => `Edition #${d} exists for this slot already.`,
  'test-sent': (d) => `Test copy sent to ${d}.`,
  'no-test': () => 'No item was published since the last edition: there is no digest to test.',
  paused: () => 'Edition paused: no more messages are handed to the mail server.',
  'not-sending': () => 'That edition was not being sent.',
  resumed: () => 'Edition resumed.',
  cancelled: (d) => `Edition cancelled: ${d} messages will not be sent; its items go into the next edition.`,
  'cancel-unconfirmed': () => 'Tick the box to confirm that the edition is to be cancelled for good.',
  'already-open': (d) =>
    `Edition #${d} is still open, so no second edition was created: this is it. ` +
    'To send a second one alongside it, confirm that on the Send page.',
  requeued: (d) => `${d} uncertain messages will be sent again.`,
  added: (d) => `${d} is an active subscriber.`,
  removed: (d) => `${d} was removed.`,
  'not-subscriber': (d) => `${d} is not a subscriber.`,
  unsubscribed: (d) => `${d} is unsubscribed: no digest goes to them; the row and its history are kept.`,
  'already-unsubscribed': (d) => `${d} was unsubscribed already.`,
  renamed: (d) => `The name of ${d} was saved.`,
};

/** Where the dashboard takes a CSV upload: the app's small limit on request bodies does not apply to it. */
export const IMPORT_PATH = '/admin/subscribers/import';
/** The largest CSV the dashboard imports (a bigger list goes through `gazette subscribers import`). */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
const IMPORT_MAX_TEXT = '5 MB';
/** The upload's body: the file and, around it, the form's other fields and the multipart framing. */
const IMPORT_MAX_BODY = IMPORT_MAX_BYTES + 16 * 1024;
/** Audit log entries per page. */
const AUDIT_PAGE = 50;

/** Set beside a Secure session cookie at login, to tell a dropped session cookie from none (see loginCheck). */
const LOGIN_CHECK_COOKIE = 'gazette_admin_check';
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/** Adds the /admin routes to `app`; call after the API's routes and before the public files. */
export function mountDashboard(app: App, options: DashboardOptions): void {
  const port = options.port;
  const token = options.adminToken;
  const notFound = (): Response =>
    new Response('Not Found\n', {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  if (port === undefined || token === undefined || token === '') {
    app.all('/admin', notFound);
    app.all('/admin/*', notFound);
    return;
  }
  const checkToken = createAdminAuth(token);
  const sessions = createSessions({
    secret: options.secret,
    adminToken: token,
    ttlMs: options.sessionTtlMs ?? 12 * 3600_000,
    now: options.now,
    revocations: port.sessionRevocations,
  });
  const limiter = options.failures ?? createAdminFailureLimiter(options.now);
  const httpsSite = options.siteUrl?.startsWith('https:') ?? false;
  const log = options.logger;
  const zone = options.timezone ?? 'UTC';
  const base = (c: Context, session: Session | null): ViewContext => {
    // only a notice signed by done() below is shown: a link made elsewhere cannot put its own words on the page
    const code = c.req.query('notice');
    const detail = c.req.query('detail') ?? '';
    const notice =
      code !== undefined && Object.hasOwn(NOTICES, code) && sessions.checkNotice(code, detail, c.req.query('sig'))
        ? { kind: 'ok' as const, text: NOTICES[code]!(detail) }
        : undefined;
    return {
      siteTitle: options.site.title,
      language: options.site.language,
      timezone: zone,
      notice,
      ...(session ? { csrf: session.csrf } : {}),
    };
  };
  const page = (body: string, status = 200, extra?: Record<string, string>): Response =>
    new Response(body, { status, headers: extra ? { ...PAGE_HEADERS, ...extra } : PAGE_HEADERS });
  const redirect = (location: string, extra?: Record<string, string>): Response =>
    new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...extra } });
  const done = (location: string, notice: string, detail?: string | number): Response => {
    const text = detail === undefined ? '' : String(detail);
    const sig = sessions.signNotice(notice, text);
    const detailPart = detail === undefined ? '' : `&detail=${encodeURIComponent(text)}`;
    return redirect(`${location}?notice=${notice}${detailPart}&sig=${sig}`);
  };
  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), {
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });

  /** A session as the audit log names it: enough of its id to tell sessions apart, not enough to be one. */
  const actorOf = (session: Session): string => `session ${session.id.slice(0, 8)}`;
  // an action already done stays done: an audit log that cannot be written is logged, not shown as the action failing
  const record = async (entry: AuditEntry): Promise<void> => {
    try {
      await port.audit(entry);
    } catch (err) {
      log.error({ err: errorMessage(err), action: entry.action }, 'audit log not written');
    }
  };

  const secureRequest = (c: Context): boolean => {
    if (new URL(c.req.url).protocol === 'https:') return true;
    return httpsSite && !LOOPBACK.test(c.req.header('host') ?? '');
  };
  const cookie = (c: Context, value: string, maxAgeSeconds: number): string =>
    `${SESSION_COOKIE}=${value}; Path=/admin; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict` +
    `${secureRequest(c) ? '; Secure' : ''}`;
  // A browser drops a Secure cookie sent over plain http (but to localhost). Whether this request
  // reached it over http is unknown here (a proxy may end TLS in front), so a login whose session
  // cookie is Secure also sets this plain one for a minute: back without the session but with it,
  // the browser kept one and dropped the other, and the operator is told why instead of being sent
  // back to the login form without a word.
  const loginCheck = (maxAgeSeconds: number): string =>
    `${LOGIN_CHECK_COOKIE}=1; Path=/admin; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict`;
  const cookieDropped = (c: Context): Response => {
    const host = c.req.header('host') ?? '';
    const port = /:(\d+)$/.exec(host)?.[1];
    const name = host.replace(/:\d+$/, '') || 'this-host';
    return page(
      messagePage(
        base(c, null),
        'The browser did not keep the login',
        `The token was right, but this browser refused the session cookie. The site's url in gazette.yaml ` +
          `(${options.siteUrl ?? ''}) is https, so the cookie is Secure, and a browser keeps a Secure cookie ` +
          `only over https or on localhost; this page was opened over plain http. Open the dashboard at ` +
          `https://${name}/admin (behind a proxy that ends TLS), or from the machine gazette runs on at ` +
          `http://127.0.0.1${port ? `:${port}` : ''}/admin (an SSH tunnel will do), then log in again.`,
      ),
      400,
      { 'set-cookie': loginCheck(0) },
    );
  };

  /** A cross-site POST: an Origin (or Sec-Fetch-Site) naming another site than the one asked. */
  const crossSite = (c: Context): boolean => {
    const fetchSite = c.req.header('sec-fetch-site');
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
    const origin = c.req.header('origin');
    if (origin === undefined) return false;
    if (origin === 'null') return true;
    try {
      return new URL(origin).host !== (c.req.header('host') ?? new URL(c.req.url).host);
    } catch {
      return true;
    }
  };
  const forbidden = (c: Context, session: Session | null, why: string): Response =>
    page(messagePage(base(c, session), 'Refused', `${why} Reload the page and try again.`), 403);
  const sessionOf = (c: Context): Promise<Session | null> =>
    sessions.read(readCookie(c.req.header('cookie'), SESSION_COOKIE));
  const readForm = async (c: Context): Promise<Record<string, unknown>> => {
    try {
      return (await c.req.parseBody()) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const field = (form: Record<string, unknown>, name: string): string => {
    const v = form[name];
    return typeof v === 'string' ? v.trim() : '';
  };

  // ---- assets and login: no session needed ----

  const assetCache = new Map<string, string>();
  app.get('/admin/assets/:name', async (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(ASSETS, name)) return notFound();
    const type = ASSETS[name]!;
    let body = assetCache.get(name);
    if (body === undefined) {
      body = await readFile(`${ASSETS_DIR}${name}`, 'utf8');
      assetCache.set(name, body);
    }
    return new Response(body, {
      headers: { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
    });
  });

  app.get('/admin/login', async (c) =>
    (await sessionOf(c)) ? redirect('/admin') : page(loginPage(base(c, null), false)),
  );

  app.post('/admin/login', async (c) => {
    if (crossSite(c)) return forbidden(c, null, 'This form was sent from another site.');
    const ip = clientAddress(
      c.env?.incoming?.socket?.remoteAddress,
      c.req.header('x-forwarded-for'),
      options.trustedProxies,
    );
    const key = rateLimitKey(ip);
    const decision = limiter.peek(key);
    if (!decision.allowed) {
      log.warn({ ip }, 'admin login rate limit reached');
      return page(
        messagePage(
          base(c, null),
          'Too many attempts',
          `Too many login attempts from this address; try again in ${decision.retryAfterSeconds} seconds.`,
        ),
        429,
        {
          'retry-after': String(decision.retryAfterSeconds),
        },
      );
    }
    const given = field(await readForm(c), 'token');
    if (given === '' || checkToken(`Bearer ${given}`) !== 'ok') {
      limiter.hit(key);
      log.warn({ ip }, 'admin login refused: wrong token');
      await record({ actor: 'anonymous', action: 'login failed', detail: `wrong token from ${ip ?? 'unknown'}` });
      return page(loginPage(base(c, null), true), 401);
    }
    const { session, cookie: value } = sessions.create();
    log.info({ ip }, 'admin logged in');
    await record({ actor: actorOf(session), action: 'login', detail: `from ${ip ?? 'unknown'}` });
    const response = redirect('/admin', {
      'set-cookie': cookie(c, value, Math.floor((session.expiresAt - options.now()) / 1000)),
    });
    if (secureRequest(c) && new URL(c.req.url).protocol !== 'https:')
      response.headers.append('set-cookie', loginCheck(60));
    return response;
  });

  // the upload's own limit, before the guard reads the form for its CSRF token
  const tooLarge = (c: Context): Response =>
    page(
      messagePage(
        base(c, null),
        'File too large',
        `The dashboard imports CSV files of up to ${IMPORT_MAX_TEXT}; nothing was imported. Split the file, ` +
          'or import it on the server with gazette subscribers import FILE.',
      ),
      413,
      { connection: 'close' },
    );
  app.post(IMPORT_PATH, bodyLimit({ maxSize: IMPORT_MAX_BODY, onError: tooLarge }));

  // ---- everything else: a session, and on POST the session's CSRF token from a same-site form ----

  // biome-ignore lint/suspicious/noConfusingVoidType: hono's middleware either answers or returns nothing
  const guard = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const session = await sessionOf(c);
    if (session === null) {
      if (c.req.path === '/admin/editions.json')
        return json({ error: { code: 'UNAUTHORIZED', message: 'log in first' } }, 401);
      if (readCookie(c.req.header('cookie'), LOGIN_CHECK_COOKIE) === '1') return cookieDropped(c);
      return redirect('/admin/login');
    }
    if (c.req.method === 'POST') {
      if (crossSite(c)) return forbidden(c, session, 'This form was sent from another site.');
      if (!sessions.checkCsrf(session, (await readForm(c)).csrf))
        return forbidden(c, session, 'This form carries no valid security token.');
    }
    sessionsByRequest.set(c.req.raw, session);
    await next();
  };
  const sessionsByRequest = new WeakMap<Request, Session>();
  app.use('/admin', guard);
  app.use('/admin/*', guard);
  const sessionIn = (c: Context): Session => sessionsByRequest.get(c.req.raw)!;
  const audit = (c: Context, action: string, target?: string | null, detail?: string | null): Promise<void> =>
    record({ actor: actorOf(sessionIn(c)), action, target: target ?? null, detail: detail ?? null });
  const view = (c: Context): ViewContext => base(c, sessionIn(c));
  /** Renders a use-case's coded error (a bad address, an edition that cannot be resumed) as a notice. */
  const refused = (c: Context, err: unknown, title: string): Response => {
    if (errorCode(err) === undefined) throw err;
    return page(
      messagePage({ ...view(c), notice: { kind: 'error', text: errorMessage(err) } }, title, 'Nothing was changed.'),
      409,
    );
  };

  app.post('/admin/logout', async (c) => {
    await sessions.revoke(sessionIn(c));
    log.info({}, 'admin logged out');
    await audit(c, 'logout');
    const response = redirect('/admin/login', { 'set-cookie': cookie(c, '', 0) });
    response.headers.append('set-cookie', loginCheck(0));
    return response;
  });

  app.get('/admin', async (c) => {
    const [overview, editions] = await Promise.all([port.overview(), port.editions()]);
    return page(overviewPage(view(c), overview, editions[0]));
  });

  app.get('/admin/editions', async (c) => page(editionsPage(view(c), await port.editions())));

  app.get('/admin/editions.json', async () => json({ editions: (await port.editions()).map(editionProgressJson) }));

  const editionId = (c: Context): number | null => {
    const id = Number(c.req.param('id'));
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  };

  app.get('/admin/editions/:id', async (c) => {
    const id = editionId(c);
    const edition = id === null ? null : await port.edition(id);
    if (edition === null)
      return page(messagePage(view(c), 'No such edition', 'There is no edition with this number.'), 404);
    return page(editionPage(view(c), edition));
  });

  app.post('/admin/editions/:id/:action', async (c) => {
    const id = editionId(c);
    const back = `/admin/editions/${id}`;
    if (id === null) return page(messagePage(view(c), 'No such edition', 'There is no edition with this number.'), 404);
    const target = `edition #${id}`;
    try {
      switch (c.req.param('action')) {
        case 'pause': {
          const paused = await port.pause(id);
          await audit(c, 'pause', target, paused ? null : 'was not being sent');
          return paused ? done(back, 'paused') : done(back, 'not-sending');
        }
        case 'resume':
          await port.resume(id, { resendUncertain: false });
          await audit(c, 'resume', target);
          return done(back, 'resumed');
        case 'resend-uncertain': {
          const { requeued } = await port.resume(id, { resendUncertain: true });
          await audit(c, 're-send uncertain', target, `${requeued} requeued`);
          return done(back, 'requeued', requeued);
        }
        case 'cancel': {
          if (field(await readForm(c), 'confirm') !== 'yes') return done(back, 'cancel-unconfirmed');
          const { cancelled } = await port.cancel(id);
          await audit(c, 'cancel', target, `${cancelled} unsent messages cancelled`);
          return done(back, 'cancelled', cancelled);
        }
        default:
          return notFound();
      }
    } catch (err) {
      return refused(c, err, `Edition #${id}`);
    }
  });

  // ?lang=ru&topics=kazakhstan previews that group's digest
  const choice = (c: Context): { lang?: string; topics?: string } => {
    const lang = c.req.query('lang');
    const topics = c.req.query('topics');
    return { ...(lang ? { lang } : {}), ...(topics ? { topics } : {}) };
  };

  app.get('/admin/preview', async (c) => {
    try {
      return page(previewPage(view(c), await port.nextDigest(choice(c))));
    } catch (err) {
      return refused(c, err, 'Preview');
    }
  });

  app.get('/admin/preview/digest.html', async (c) => {
    const digest = await port.nextDigest(choice(c)).catch(() => null);
    if (digest === null)
      return new Response('<!doctype html><p>No such group.</p>', { status: 404, headers: PREVIEW_HEADERS });
    return new Response(digest.empty ? '<!doctype html><p>No item is new: there is no digest.</p>' : digest.html, {
      headers: PREVIEW_HEADERS,
    });
  });

  app.post('/admin/test', async (c) => {
    const address = field(await readForm(c), 'address');
    try {
      const sent = await port.sendTest(address);
      await audit(c, 'test copy', sent?.to ?? address, sent ? sent.subject : 'no digest to test');
      return sent === null ? done('/admin/preview', 'no-test') : done('/admin/preview', 'test-sent', sent.to);
    } catch (err) {
      return refused(c, err, 'Test copy');
    }
  });

  app.get('/admin/send', async (c) => page(sendConfirmPage(view(c), await port.nextDigest())));

  app.post('/admin/send', async (c) => {
    const form = await readForm(c);
    if (field(form, 'confirm') !== 'yes') return redirect('/admin/send');
    try {
      // a second submit of the same form finds the edition the first created, and lands on it
      const result = await port.sendNow({ concurrent: field(form, 'concurrent') === 'yes' });
      await audit(
        c,
        'send now',
        'editionId' in result ? `edition #${result.editionId}` : null,
        result.status === 'created' ? `${result.recipients} recipients: ${result.subject}` : result.status,
      );
      if (result.status === 'no-items') return done('/admin/send', 'no-items');
      if (result.status === 'open-exists')
        return done(`/admin/editions/${result.editionId}`, 'already-open', result.editionId);
      if (result.status === 'slot-taken') return done('/admin/editions', 'slot-taken', result.editionId);
      log.info({ edition: result.editionId, recipients: result.recipients }, 'edition sent from the dashboard');
      return done('/admin/editions', 'sending', result.recipients);
    } catch (err) {
      return refused(c, err, 'Send now');
    }
  });

  app.get('/admin/subscribers', async (c) => {
    const search = (c.req.query('q') ?? '').trim().slice(0, 200);
    const stateParam = c.req.query('state') ?? '';
    const state = (SUBSCRIBER_STATE_NAMES as readonly string[]).includes(stateParam)
      ? (stateParam as SubscriberState)
      : '';
    const offset = Math.max(0, Math.min(1e9, Math.floor(Number(c.req.query('offset') ?? 0) || 0)));
    const limit = 50;
    const list = await port.listSubscribers({
      limit,
      offset,
      ...(search ? { search } : {}),
      ...(state ? { state } : {}),
    });
    return page(subscribersPage(view(c), list, { search, state, offset, limit }));
  });

  app.post('/admin/subscribers/add', async (c) => {
    try {
      const { email, created } = await port.addSubscriber(field(await readForm(c), 'email'));
      await audit(c, 'add', email, created ? 'new, active' : 'present already, made active');
      return done('/admin/subscribers', 'added', email);
    } catch (err) {
      return refused(c, err, 'Add a subscriber');
    }
  });

  /** The subscriber a query or form names, or a page saying there is none. */
  const subscriberOr404 = async (c: Context, email: string) => {
    const found =
      email === ''
        ? null
        : await port.subscriber(email).catch((err: unknown) => {
            if (errorCode(err) === undefined) throw err;
            return null;
          });
    return (
      found ?? page(messagePage(view(c), 'No such subscriber', `${email || 'That address'} is not a subscriber.`), 404)
    );
  };

  app.get('/admin/subscribers/remove', async (c) => {
    const found = await subscriberOr404(c, (c.req.query('email') ?? '').trim());
    return found instanceof Response ? found : page(removeConfirmPage(view(c), found));
  });

  // removing is for good (unlike unsubscribing): the confirmation page's form, or a tick, says so
  app.post('/admin/subscribers/remove', async (c) => {
    const form = await readForm(c);
    const email = field(form, 'email');
    if (field(form, 'confirm') !== 'yes')
      return redirect(`/admin/subscribers/remove?email=${encodeURIComponent(email)}`);
    try {
      const removed = await port.removeSubscriber(email);
      if (removed) await audit(c, 'remove', email);
      return removed
        ? done('/admin/subscribers', 'removed', email)
        : done('/admin/subscribers', 'not-subscriber', email);
    } catch (err) {
      return refused(c, err, 'Remove a subscriber');
    }
  });

  app.post('/admin/subscribers/unsubscribe', async (c) => {
    const form = await readForm(c);
    const email = field(form, 'email');
    const back = field(form, 'back') === 'subscriber' ? `/admin/subscriber` : '/admin/subscribers';
    try {
      const changed = await port.unsubscribeSubscriber(email);
      if (changed === null) return done('/admin/subscribers', 'not-subscriber', email);
      if (changed) await audit(c, 'unsubscribe', email);
      return done(back, changed ? 'unsubscribed' : 'already-unsubscribed', email);
    } catch (err) {
      return refused(c, err, 'Unsubscribe a subscriber');
    }
  });

  app.get('/admin/subscriber', async (c) => {
    // after an action the notice's detail names the subscriber
    const email = (c.req.query('email') ?? c.req.query('detail') ?? '').trim();
    const found = await subscriberOr404(c, email);
    return found instanceof Response ? found : page(subscriberPage(view(c), found));
  });

  app.post('/admin/subscribers/rename', async (c) => {
    const form = await readForm(c);
    const email = field(form, 'email');
    const name = field(form, 'name').slice(0, 200);
    try {
      if (!(await port.renameSubscriber(email, name))) return done('/admin/subscribers', 'not-subscriber', email);
      await audit(c, 'rename', email, name === '' ? 'name cleared' : `name: ${name}`);
      return done('/admin/subscriber', 'renamed', email);
    } catch (err) {
      return refused(c, err, 'Rename a subscriber');
    }
  });

  app.get(IMPORT_PATH, (c) => page(importPage(view(c), { maxSize: IMPORT_MAX_TEXT })));

  app.post(IMPORT_PATH, async (c) => {
    const form = await readForm(c);
    const file = form.file;
    const update = field(form, 'update') === 'yes';
    const again = (error: string, status: number): Response =>
      page(importPage({ ...view(c), notice: { kind: 'error', text: error } }, { maxSize: IMPORT_MAX_TEXT }), status);
    if (!(file instanceof File) || file.size === 0) return again('Choose a CSV file to import.', 400);
    if (file.size > IMPORT_MAX_BYTES) return tooLarge(c);
    try {
      const report = await port.importSubscribers(new Uint8Array(await file.arrayBuffer()), { update });
      await audit(
        c,
        'import',
        file.name || null,
        `${report.rows} rows, ${report.accepted} accepted (${report.added} added, ${report.existing} already present` +
          `${update ? `, ${report.updated} of them updated` : ''}), ${report.rejected} rejected` +
          `${report.stopped ? `; stopped at line ${report.stopped.line}` : ''}`,
      );
      return page(importPage(view(c), { maxSize: IMPORT_MAX_TEXT, fileName: file.name, update, report }));
    } catch (err) {
      if (errorCode(err) === undefined) throw err;
      return again(`${file.name}: ${errorMessage(err)}. Nothing was imported.`, 422);
    }
  });

  app.get('/admin/audit', async (c) => {
    const offset = Math.max(0, Math.min(1e9, Math.floor(Number(c.req.query('offset') ?? 0) || 0)));
    // one more than shown tells whether there is a next page
    const entries = await port.auditLog({ limit: AUDIT_PAGE + 1, offset });
    return page(
      auditPage(view(c), entries.slice(0, AUDIT_PAGE), {
        offset,
        limit: AUDIT_PAGE,
        more: entries.length > AUDIT_PAGE,
      }),
    );
  });

  app.get('/admin/subscribers.csv', async (c) => {
    await audit(c, 'export');
    return new Response(port.exportSubscribers(), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="subscribers.csv"',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  });

  app.all('/admin/*', (c) => page(messagePage(view(c), 'Not found', 'There is no such page in the dashboard.'), 404));
}
