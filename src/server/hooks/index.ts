// Provider webhooks (/hooks/ses, /hooks/postmark, /hooks/sendgrid, /hooks/mailgun): each authenticates its request
// as its provider documents and feeds the bounces and complaints it reports to the return path.
import { bodyLimit, type App, type Context, type MiddlewareHandler } from '../../adapters/hono.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { clientAddress, rateLimitKey } from '../client-address.ts';
import type { MailEventsPort } from '../ports.ts';
import { createRateLimiter } from '../rate-limit.ts';
import type { Hook } from './hook.ts';
import { createHttpsGet, type HttpGet } from './http-get.ts';
import { createMailgunHook } from './mailgun.ts';
import { createPostmarkHook } from './postmark.ts';
import { createRecentSet } from './recent.ts';
import { createSendgridHook } from './sendgrid.ts';
import { createSesHook } from './ses.ts';
import { createSnsVerifier } from './sns.ts';

export type { HttpAnswer, HttpGet } from './http-get.ts';

/** Which hooks exist, and how they are checked; a provider left out answers 404. */
export interface HooksOptions {
  /** SES through SNS: the topics whose messages are taken (SES_SNS_TOPIC_ARNS). */
  ses?: { topicArns: readonly string[] } | undefined;
  /** SendGrid's verification key, base64 DER as its settings show it (SENDGRID_WEBHOOK_PUBLIC_KEY). */
  sendgrid?: { publicKey: string } | undefined;
  /** Mailgun's webhook signing key (MAILGUN_WEBHOOK_SIGNING_KEY). */
  mailgun?: { signingKey: string } | undefined;
  /** `user:password` of the basic auth in Postmark's webhook URL (POSTMARK_WEBHOOK_AUTH). */
  postmark?: { auth: string } | undefined;
  /** GETs SNS signing certificates and SubscribeURLs; default over https with a timeout and a size cap. */
  httpGet?: HttpGet | undefined;
  /** Largest body taken. Default 1 MiB. */
  maxBodyBytes?: number | undefined;
  /** How old a SendGrid or Mailgun timestamp may be. Default 300 s. */
  maxAgeSeconds?: number | undefined;
  /** Requests per client address to all hooks together. Default 600 a minute. */
  rateLimit?: { limit: number; windowMs: number } | undefined;
}

export interface MountHooksOptions {
  hooks: HooksOptions;
  /** The return path; without it a configured hook answers 503. */
  events: MailEventsPort | undefined;
  trustedProxies: number;
  /** Clock in milliseconds. */
  now: () => number;
  logger: Logger;
}

export const HOOK_NAMES = ['ses', 'postmark', 'sendgrid', 'mailgun'] as const;

const JSON_HEADERS: Record<string, string> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function json(status: number, body: unknown, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS });
}

function jsonError(status: number, code: string, message: string, extra?: Record<string, string>): Response {
  return json(status, { error: { code, message } }, extra);
}

/** The configured hooks by name. */
function createHooks(options: HooksOptions): Map<string, Hook> {
  const hooks = new Map<string, Hook>();
  const maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
  const get = options.httpGet ?? createHttpsGet();
  // a replay token must be remembered at least as long as its timestamp passes, either side of now
  const recent = () => createRecentSet({ ttlMs: 2 * maxAgeMs });
  if (options.ses && options.ses.topicArns.length > 0)
    hooks.set(
      'ses',
      createSesHook({
        topicArns: options.ses.topicArns,
        verifier: createSnsVerifier({ get }),
        get,
        seen: createRecentSet({ ttlMs: 86_400_000 }),
      }),
    );
  if (options.postmark?.auth) hooks.set('postmark', createPostmarkHook({ auth: options.postmark.auth }));
  if (options.sendgrid?.publicKey)
    hooks.set('sendgrid', createSendgridHook({ publicKey: options.sendgrid.publicKey, maxAgeMs, seen: recent() }));
  if (options.mailgun?.signingKey)
    hooks.set('mailgun', createMailgunHook({ signingKey: options.mailgun.signingKey, maxAgeMs, seen: recent() }));
  return hooks;
}

/** Adds the hooks' routes; mounted before the app's own body limit, which they replace with theirs. */
export function mountHooks(app: App, options: MountHooksOptions): void {
  const hooks = createHooks(options.hooks);
  const log = options.logger.child({ component: 'hooks' });
  const limiter = createRateLimiter({
    limit: options.hooks.rateLimit?.limit ?? 600,
    windowMs: options.hooks.rateLimit?.windowMs ?? 60_000,
    now: options.now,
  });
  const clientOf = (c: Context): string =>
    clientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), options.trustedProxies);

  const sizeLimit = bodyLimit({
    maxSize: options.hooks.maxBodyBytes ?? 1024 * 1024,
    onError: (c) => {
      log.warn({ hook: c.req.path.slice('/hooks/'.length), client: clientOf(c) }, 'webhook refused: body too large');
      return jsonError(413, 'PAYLOAD_TOO_LARGE', 'request body too large', { connection: 'close' });
    },
  });

  for (const name of HOOK_NAMES) {
    const hook = hooks.get(name);
    const gate: MiddlewareHandler = async (c, next) => {
      if (hook === undefined) return jsonError(404, 'NOT_FOUND', `the ${name} webhook is not enabled`);
      if (options.events === undefined)
        return jsonError(503, 'NOT_AVAILABLE', 'the return path is not set up in this server');
      const client = clientOf(c);
      const decision = limiter.hit(rateLimitKey(client));
      if (!decision.allowed) {
        log.warn({ hook: name, client }, 'webhook refused: rate limit reached');
        return jsonError(429, 'TOO_MANY_REQUESTS', 'too many requests', {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
      await next();
    };

    app.post(`/hooks/${name}`, gate, sizeLimit, async (c) => {
      const client = clientOf(c);
      const body = Buffer.from(await c.req.arrayBuffer());
      const result = await hook!.handle({ header: (h) => c.req.header(h), body, now: options.now() });
      if (result.kind === 'refused') {
        log.warn({ hook: name, client, reason: result.reason }, 'webhook refused');
        return result.status === 401
          ? jsonError(401, 'UNAUTHORIZED', 'not signed by the provider', result.headers)
          : jsonError(403, 'FORBIDDEN', 'not accepted from this source');
      }
      if (result.kind === 'invalid') {
        log.warn({ hook: name, client, reason: result.reason }, 'webhook refused: unreadable');
        return jsonError(400, 'BAD_REQUEST', result.reason);
      }
      if (result.kind === 'failed') {
        log.warn({ hook: name, client, reason: result.reason }, 'webhook not checked: the provider failed');
        return jsonError(502, 'UPSTREAM_FAILED', 'could not complete the check; try again');
      }
      try {
        for (const event of result.events) await options.events!.record(event);
      } catch (err) {
        result.undo?.();
        log.error({ err, hook: name }, `webhook events not recorded: ${errorMessage(err)}`);
        return jsonError(500, 'INTERNAL', 'events not recorded; try again');
      }
      log.info({ hook: name, client, events: result.events.length, note: result.note }, 'webhook received');
      return json(200, { ok: true, recorded: result.events.length });
    });
  }
  app.post('/hooks/*', () => jsonError(404, 'NOT_FOUND', 'no such webhook'));
}
