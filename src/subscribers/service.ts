// The subscription use-cases: double opt-in subscribe, confirm, unsubscribe, and the operators' add, remove,
// list, counts.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import { errorMessage, GazetteError } from '../errors.ts';
import type { Mailbox, MailMessage } from '../mail/message.ts';
import type { Store } from '../store/open.ts';
import type { SubscriberState } from '../store/schema.ts';
import { normalizeAddress, subscriberKey } from './address.ts';
import { alreadySubscribedMessage, confirmationMessage, type NoticeInput } from './messages.ts';
import { addSubscriber, removeSubscriber, type AddOptions } from './operator.ts';
import {
  claimNotice,
  countByState,
  findById,
  insertOrFind,
  liftSuppression,
  listSubscribers,
  awaitingConfirmation,
  releaseNotice,
  setState,
  type ListQuery,
  type Subscriber,
  type SubscriberCounts,
} from './repository.ts';
import { readToken, signToken, TokenError, verifyToken, type TokenPurpose } from './tokens.ts';

/** What the subscription service needs of a mail transport. */
export interface SubscriptionMailer {
  send(message: MailMessage, options?: { folder?: string }): Promise<unknown>;
}

export interface SubscriptionServiceOptions {
  store: Store;
  mailer: SubscriptionMailer;
  /**
   * Site title and URL (ending with a slash): links are `${site.url}confirm?token=…` and
   * `${site.url}unsubscribe?token=…`.
   */
  site: { title: string; url: string };
  /** Sender of confirmation mails (the digest's `from`). */
  from: Mailbox;
  replyTo?: string | undefined;
  /** GAZETTE_SECRET (see loadOrCreateSecret). */
  secret: string;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  /** How long a confirmation link works (default 7 days). */
  confirmTtlMs?: number;
  /** At most one confirmation or notice mail per address in this interval (default 10 minutes). */
  noticeIntervalMs?: number;
  logger?: Logger;
}

/** A subscriber a link is for. */
export interface LinkSubject {
  id: number;
  email: string;
}

/** What became of a request's mail: `delayed` when the mail server could not take it now (it is retried). */
export interface SubscribeOutcome {
  delayed: boolean;
}

export interface SubscriptionService {
  /**
   * Records a subscription request and mails the address: a confirmation link for a new, pending or
   * formerly unsubscribed address, an "already subscribed" note for an active one. Resolves the same
   * way in every case (no address enumeration); rejects with AddressError for an invalid address.
   */
  subscribe(address: string, meta: { ip?: string; source?: string }): Promise<SubscribeOutcome>;
  /**
   * Sends the confirmations that could not be sent when readers asked (the mail server was down), for requests
   * still within the link's lifetime; stops at the first failure, which it reports.
   */
  retryConfirmations(): Promise<{ sent: number; waiting: number; error?: string }>;
  /** Activates the subscriber a confirm link names; idempotent. TokenError when the link is bad or expired. */
  confirm(token: string): Promise<{ email: string }>;
  /** Checks a confirm link without changing anything (the GET of the confirm page). */
  checkConfirmToken(token: string): Promise<{ email: string }>;
  /** Unsubscribes at once (the POST of the unsubscribe page, or RFC 8058 one-click); idempotent. */
  unsubscribe(token: string): Promise<{ email: string }>;
  /** Checks an unsubscribe link without changing anything (the GET of the unsubscribe page). */
  checkUnsubscribeToken(token: string): Promise<{ email: string }>;
  /** Checks a link for `purpose`; TokenError when it does not hold. */
  checkToken(
    token: string,
    purpose: TokenPurpose,
  ): Promise<{ subscriberId: number; email: string; state: SubscriberState }>;
  counts(): Promise<SubscriberCounts>;
  list(query: Partial<ListQuery>): Promise<Subscriber[]>;
  /** Operator add: creates the subscriber (default state active) or moves an existing one to `state`. */
  add(address: string, options?: AddOptions): Promise<{ subscriber: Subscriber; created: boolean }>;
  /** Operator remove: deletes the subscriber and their unsent deliveries; false when unknown. */
  remove(address: string): Promise<boolean>;
  confirmUrl(subscriber: LinkSubject): string;
  unsubscribeUrl(subscriber: LinkSubject): string;
  /** The reader's preference page (language, topics, pause, unsubscribe): like unsubscribe links, never expires. */
  preferencesUrl(subscriber: LinkSubject): string;
}

const DAY = 86_400_000;

/** A failure of the mail transport (the server down or refusing, the outbox not writable), not of gazette. */
function isMailFailure(err: unknown): boolean {
  return err instanceof GazetteError && (err.code.startsWith('SMTP_') || err.code === 'MAIL_OUTBOX');
}

export function createSubscriptionService(options: SubscriptionServiceOptions): SubscriptionService {
  const { store, mailer, site, secret } = options;
  const db = store.db;
  const clock = options.now ?? (() => new Date());
  const confirmTtlMs = options.confirmTtlMs ?? 7 * DAY;
  const noticeIntervalMs = options.noticeIntervalMs ?? 10 * 60_000;

  const link = (page: string, purpose: TokenPurpose, subscriber: LinkSubject, expiresAt: number | null): string =>
    `${site.url}${page}?token=${signToken(
      { purpose, subscriberId: subscriber.id, expiresAt },
      subscriberKey(subscriber.email),
      secret,
    )}`;
  const confirmUrl = (subscriber: LinkSubject): string =>
    link('confirm', 'confirm', subscriber, clock().getTime() + confirmTtlMs);
  // Unsubscribe links never expire: they sit in old digests, and leaving must always work.
  const unsubscribeUrl = (subscriber: LinkSubject): string => link('unsubscribe', 'unsubscribe', subscriber, null);
  const preferencesUrl = (subscriber: LinkSubject): string => link('preferences', 'preferences', subscriber, null);

  async function check(token: string, purpose: TokenPurpose) {
    const claims = readToken(token);
    const row = await findById(db, claims.subscriberId);
    // a removed subscriber's links, like forged ones, are simply not valid
    if (!row) throw new TokenError('TOKEN_INVALID', 'this link is not valid');
    verifyToken(token, { purpose, emailKey: row.email_key, secret, now: clock() });
    return row;
  }

  const confirmation = (
    row: { id: number; email: string },
    notice: Omit<NoticeInput, 'to' | 'subscriberId'>,
  ): MailMessage =>
    confirmationMessage({
      ...notice,
      to: row.email,
      subscriberId: row.id,
      confirmUrl: confirmUrl(row),
      validDays: Math.round(confirmTtlMs / DAY),
    });

  async function notify(row: { id: number; email: string }, now: Date, message: MailMessage): Promise<void> {
    if (!(await claimNotice(db, row.id, now, noticeIntervalMs))) {
      options.logger?.info({ subscriber: row.id }, 'subscription notice skipped: one was sent moments ago');
      return;
    }
    try {
      await mailer.send(message, { folder: 'subscriptions' });
    } catch (err) {
      await releaseNotice(db, row.id, now);
      throw err;
    }
  }

  return {
    async subscribe(address, meta) {
      const { email, key } = normalizeAddress(address);
      const now = clock();
      const { row, created } = await insertOrFind(
        db,
        { email, key, state: 'pending', name: null, source: meta.source ?? 'web' },
        now,
      );
      let state = row.state;
      if (!created && (state === 'unsubscribed' || state === 'bounced')) {
        // re-subscribing after leaving (or after a bounce) starts a new double opt-in
        if (await setState(db, row.id, 'pending', now, [state])) state = 'pending';
        else state = (await findById(db, row.id))?.state ?? state;
      }
      const notice = {
        site,
        from: options.from,
        replyTo: options.replyTo,
        to: row.email,
        subscriberId: row.id,
        date: now,
      };
      let delayed = false;
      try {
        if (state === 'active') {
          await notify(row, now, alreadySubscribedMessage({ ...notice, unsubscribeUrl: unsubscribeUrl(row) }));
        } else if (state === 'pending') {
          await notify(row, now, confirmation(row, notice));
        }
      } catch (err) {
        // the request is kept; a pending reader's confirmation goes out once the mail server is back
        if (!isMailFailure(err)) throw err;
        delayed = true;
        options.logger?.warn(
          { subscriber: row.id, error: errorMessage(err) },
          state === 'pending'
            ? 'confirmation not sent now: it is sent again once the mail server answers'
            : 'subscription notice not sent',
        );
      }
      options.logger?.info({ subscriber: row.id, created }, 'subscription requested');
      return { delayed };
    },

    async retryConfirmations() {
      const now = clock();
      const waiting = await awaitingConfirmation(db, new Date(now.getTime() - confirmTtlMs), 100);
      let sent = 0;
      for (const row of waiting) {
        try {
          await notify(row, now, confirmation(row, { site, from: options.from, replyTo: options.replyTo, date: now }));
        } catch (err) {
          if (!isMailFailure(err)) throw err;
          return { sent, waiting: waiting.length - sent, error: errorMessage(err) };
        }
        sent++;
        options.logger?.info({ subscriber: row.id }, 'confirmation sent after a delay');
      }
      return { sent, waiting: waiting.length - sent };
    },

    async confirm(token) {
      const row = await check(token, 'confirm');
      if (row.state === 'pending') {
        if (!(await setState(db, row.id, 'active', clock(), ['pending']))) {
          const now = await findById(db, row.id);
          if (now?.state !== 'active') throw new TokenError('TOKEN_INVALID', 'this link is no longer valid');
        }
        // the reader asked again and confirmed: a suppression (an old complaint, a bounce) ends here
        await liftSuppression(db, row.email_key);
      } else if (row.state !== 'active') {
        // unsubscribed (or bounced) since the link was sent: only a new request may subscribe again
        throw new TokenError('TOKEN_INVALID', 'this link is no longer valid; please subscribe again');
      }
      return { email: row.email };
    },

    async unsubscribe(token) {
      const row = await check(token, 'unsubscribe');
      if (row.state !== 'unsubscribed')
        await setState(db, row.id, 'unsubscribed', clock(), ['pending', 'active', 'bounced']);
      return { email: row.email };
    },

    async checkConfirmToken(token) {
      const row = await check(token, 'confirm');
      return { email: row.email };
    },

    async checkUnsubscribeToken(token) {
      const row = await check(token, 'unsubscribe');
      return { email: row.email };
    },

    async checkToken(token, purpose) {
      const row = await check(token, purpose);
      return { subscriberId: row.id, email: row.email, state: row.state };
    },

    counts: () => countByState(db),

    list: (query) =>
      listSubscribers(db, {
        limit: query.limit ?? 100,
        offset: query.offset ?? 0,
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.search !== undefined ? { search: query.search } : {}),
      }),

    add: (address, addOptions = {}) => addSubscriber(db, address, addOptions, clock()),

    remove: (address) => removeSubscriber(db, address),

    confirmUrl,
    unsubscribeUrl,
    preferencesUrl,
  };
}

/** The service with the site and sender that gazette.yaml gives, as `serve` and `start` run it. */
export function configuredSubscriptionService(options: {
  store: Store;
  mailer: SubscriptionMailer;
  config: Config;
  secret: string;
  logger?: Logger;
}): SubscriptionService {
  const { config } = options;
  return createSubscriptionService({
    store: options.store,
    mailer: options.mailer,
    site: { title: config.site.title, url: config.site.url },
    from: config.digest.from,
    replyTo: config.digest.replyTo,
    secret: options.secret,
    ...(options.logger ? { logger: options.logger.child({ component: 'subscriptions' }) } : {}),
  });
}
