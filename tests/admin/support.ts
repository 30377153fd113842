// Dashboard test set-up: the app over a real store with the real dashboard use-cases, and a logged-in client for
// app.request.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createDashboardService } from '../../src/cli/dashboard.ts';
import type { Environment } from '../../src/config/load.ts';
import { createEdition, type DeliveryDeps } from '../../src/delivery/index.ts';
import { createApp } from '../../src/server/app.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { CONTENT_DIR, deliveryDeps, NOW, ROOT, SECRET } from '../delivery/support.ts';

export const TOKEN = 'admin-token-for-tests-0123456789';
export const HOST = '127.0.0.1:8080';
export const ORIGIN = `http://${HOST}`;

export interface DashboardHarness {
  app: ReturnType<typeof createApp>;
  deps: DeliveryDeps;
  /** Editions the background "dispatch" was asked to send (nothing is sent in these tests). */
  dispatched: number[];
  /** Where the outbox mailer writes (the test copy lands in test/). */
  outboxDir: string;
  cleanup(): Promise<void>;
}

/** The environment of a gazette run over the repository's content, with `dir` as var/ and public/ beside it. */
export function testEnvironment(dir: string, overrides: Partial<Environment> = {}): Environment {
  return {
    root: ROOT,
    configFile: path.join(ROOT, 'gazette.yaml'),
    contentDir: CONTENT_DIR,
    publicDir: path.join(dir, 'public'),
    varDir: dir,
    databaseUrl: undefined,
    smtpUrl: undefined,
    secret: SECRET,
    adminToken: TOKEN,
    port: 0,
    ...overrides,
  };
}

/** The app with the dashboard over `store`; the clock stands at the sample newsroom's digest time. */
export async function dashboardApp(
  store: Store,
  options: { siteUrl?: string; adminToken?: string; api?: boolean } = {},
): Promise<DashboardHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-admin-'));
  const deps = deliveryDeps({ store, varDir: dir, now: () => NOW });
  const env = testEnvironment(dir);
  const subscriptions = createSubscriptionService({
    store,
    mailer: deps.mailer,
    site: { title: deps.config.site.title, url: deps.config.site.url },
    from: deps.config.digest.from,
    secret: SECRET,
    now: () => NOW,
  });
  const dispatched: number[] = [];
  const port = createDashboardService({
    deps,
    env,
    subscriptions,
    trigger: (o) => createEdition(deps, { now: NOW, concurrent: o?.concurrent === true }),
    dispatchInBackground: (id) => dispatched.push(id),
  });
  const app = createApp({
    publicDir: env.publicDir,
    site: { title: 'CARICC News', language: 'en' },
    subscriptions,
    // the operators' API as `serve` wires it: its trigger creates the edition (and nothing sends it here)
    ...(options.api
      ? {
          admin: {
            subscriberCounts: () => subscriptions.counts(),
            triggerDigest: () => createEdition(deps, { now: NOW }),
          },
        }
      : {}),
    adminToken: options.adminToken ?? TOKEN,
    dashboard: { port, secret: SECRET, siteUrl: options.siteUrl ?? 'https://caricc.org/', timezone: 'Asia/Almaty' },
    logger: silentLogger(),
    now: () => NOW.getTime(),
  });
  return {
    app,
    deps,
    dispatched,
    outboxDir: path.join(dir, 'outbox'),
    cleanup: async () => {
      await deps.mailer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Client {
  get(pathname: string): Promise<Response>;
  /** POSTs a form with the session's CSRF token unless `csrf` is given (null: none at all). */
  post(
    pathname: string,
    fields?: Record<string, string>,
    options?: { csrf?: string | null; origin?: string },
  ): Promise<Response>;
  /** POSTs `form` as multipart/form-data, with the session's CSRF token unless `csrf` is null. */
  upload(pathname: string, form: FormData, options?: { csrf?: string | null }): Promise<Response>;
  csrf: string;
}

export async function login(app: DashboardHarness['app'], token = TOKEN): Promise<Response> {
  return app.request(`${ORIGIN}/admin/login`, {
    method: 'POST',
    headers: { host: HOST, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** Logs in and returns a client carrying the session cookie. */
export async function loggedIn(app: DashboardHarness['app']): Promise<Client> {
  const res = await login(app);
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  const get = async (pathname: string): Promise<Response> =>
    app.request(`${ORIGIN}${pathname}`, { headers: { host: HOST, cookie } });
  const page = await (await get('/admin')).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return {
    get,
    csrf,
    upload: async (pathname, form, options = {}) => {
      if (options.csrf !== null) form.set('csrf', options.csrf ?? csrf);
      return app.request(`${ORIGIN}${pathname}`, {
        method: 'POST',
        headers: { host: HOST, cookie, origin: ORIGIN },
        body: form,
      });
    },
    post: async (pathname, fields = {}, options = {}) => {
      const body = new URLSearchParams(fields);
      if (options.csrf !== null) body.set('csrf', options.csrf ?? csrf);
      return app.request(`${ORIGIN}${pathname}`, {
        method: 'POST',
        headers: {
          host: HOST,
          cookie,
          origin: options.origin ?? ORIGIN,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: body.toString(),
      });
    },
  };
}

/** A redirect's location without its notice signature, which must be there when a notice is. */
export function unsigned(res: Response): string | null {
  const location = res.headers.get('location');
  if (location === null || !location.includes('notice=')) return location;
  const match = /^(.*)&sig=[A-Za-z0-9_-]{43}$/.exec(location);
  if (!match) throw new Error(`notice without a signature: ${location}`);
  return match[1]!;
}
