// The subscription use-cases: double opt-in subscribe, confirm, unsubscribe, and the operators' add, remove,
// list, counts.
import type { Config } from '../config/schema.ts';
import { loadCatalogs, type Catalogs } from '../i18n/catalog.ts';
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
  toSubscriber,
  updateChoices,
  type ListQuery,
  type Subscriber,
  type SubscriberCounts,
  type SubscriberRow,
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
  /**
   * The site's languages (the default first) and the digest's topics, what readers may choose, and where the
   * catalogs of the mails' words are; default English alone, no topics.
   */
  readers?: ReaderSettings;
}

/** What readers may choose, and the catalogs their mails and pages are written from. */
export type ReaderSettings = Pick<Config, 'languages' | 'localesDir'> & {
  digest: { topics: readonly { id: string; names: Record<string, string> }[] };
  site: { timezone: string };
};

/** A language, topic or pause that the site does not offer; `field` names the form field. */
export class ChoiceError extends GazetteError {
  constructor(
    readonly field: 'language' | 'topics' | 'pause_weeks',
    readonly value: string,
    readonly choices: readonly string[],
  ) {
    super('CHOICE_INVALID', `${field}: "${value}" is not one of ${choices.join(', ')}`);
  }
}

/** How long a reader may pause the digest, in weeks. */
export const PAUSE_WEEKS: readonly number[] = [1, 2, 4, 8, 12];

/** What a subscribe request or the preference page asks to choose; undefined leaves a choice as it is. */
export interface ChoiceInput {
  /** A language code of the site; null or '': the default. */
  language?: string | null | undefined;
  /** Topic ids of the digest; null or []: everything. */
  topics?: readonly string[] | null | undefined;
}

/** What the preference page shows and changes. */
export interface PreferencesView {
  email: string;
  state: SubscriberState;
  /** The reader's language (the default when they chose none). */
  language: string;
  topics: string[] | null;
  /** Until when the digest is paused; undefined when it is not (or the pause is over). */
  pausedUntil: Date | undefined;
}

/** A change from the preference page. */
export type PreferencesChange =
  | { action: 'save'; language?: string | null | undefined; topics?: readonly string[] | null | undefined }
  | { action: 'pause'; weeks: number }
  | { action: 'resume' }
  | { action: 'unsubscribe' };

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
  subscribe(address: string, meta: { ip?: string; source?: string } & ChoiceInput): Promise<SubscribeOutcome>;
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
  /** The site's languages and topics, and the catalogs of every language. */
  readers(): Promise<{ settings: ReaderSettings; catalogs: Catalogs }>;
  /** The preference page's subscriber, checked as unsubscribe links are; changes nothing. */
  preferences(token: string): Promise<PreferencesView>;
  /** Applies a change from the preference page; ChoiceError for a choice not offered (nothing is changed). */
  updatePreferences(token: string, change: PreferencesChange): Promise<PreferencesView>;
  /** The reader's language a link names (for its error page), or undefined; never throws. */
  linkLanguage(token: string): Promise<string | undefined>;
}

const DEFAULT_READERS: ReaderSettings = {
  languages: [{ code: 'en', title: '', description: '', subject: '', intro: '', postalAddress: '' }],
  localesDir: undefined,
  digest: { topics: [] },
  site: { timezone: 'UTC' },
} as unknown as ReaderSettings;

/** Checks a choice against what the site offers; ChoiceError naming the field. Returns it cleaned up. */
export function checkChoice(
  input: ChoiceInput,
  settings: ReaderSettings,
): { language?: string | null; topics?: string[] | null } {
  const out: { language?: string | null; topics?: string[] | null } = {};
  const codes = settings.languages.map((l) => l.code);
  if (input.language !== undefined) {
    const language = input.language === null ? '' : input.language.trim();
    if (language !== '' && !codes.includes(language)) throw new ChoiceError('language', language, codes);
    // the default language is stored as null, so a reader follows the site if its default changes
    out.language = language === '' || language === codes[0] ? null : language;
  }
  if (input.topics !== undefined) {
    const ids = settings.digest.topics.map((t) => t.id);
    const topics = [...new Set((input.topics ?? []).map((t) => t.trim()).filter((t) => t !== ''))];
    for (const t of topics) if (!ids.includes(t)) throw new ChoiceError('topics', t, ids);
    out.topics = topics.length === 0 ? null : topics.sort();
  }
  return out;
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
  const settings = options.readers ?? DEFAULT_READERS;
  let catalogs: Promise<Catalogs> | undefined;
  const loadedCatalogs = (): Promise<Catalogs> => {
    catalogs ??= loadCatalogs(settings).catch((err: unknown) => {
      catalogs = undefined;
      throw err;
    });
    return catalogs;
  };
  const messagesFor = async (language: string | null) => (await loadedCatalogs()).messages(language ?? undefined);

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

  const confirmation = async (
    row: { id: number; email: string; language: string | null },
    notice: Omit<NoticeInput, 'to' | 'subscriberId'>,
  ): Promise<MailMessage> =>
    confirmationMessage({
      ...notice,
      to: row.email,
      subscriberId: row.id,
      confirmUrl: confirmUrl(row),
      validDays: Math.round(confirmTtlMs / DAY),
      messages: await messagesFor(row.language),
      preferencesUrl: preferencesUrl(row),
    });

  const view = (row: SubscriberRow, now: Date): PreferencesView => {
    const s = toSubscriber(row);
    return {
      email: s.email,
      state: s.state,
      language: settings.languages.some((l) => l.code === s.language) ? s.language! : settings.languages[0]!.code,
      topics: s.topics,
      pausedUntil: s.pausedUntil !== null && s.pausedUntil.getTime() > now.getTime() ? s.pausedUntil : undefined,
    };
  };

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
      // an unknown language or topic is refused before anything is stored
      const choice = checkChoice({ language: meta.language, topics: meta.topics }, settings);
      const now = clock();
      const inserted = await insertOrFind(
        db,
        { email, key, state: 'pending', name: null, source: meta.source ?? 'web', ...choice },
        now,
      );
      const created = inserted.created;
      let row = inserted.row;
      let state = row.state;
      if (!created && (state === 'unsubscribed' || state === 'bounced')) {
        // re-subscribing after leaving (or after a bounce) starts a new double opt-in
        if (await setState(db, row.id, 'pending', now, [state])) state = 'pending';
        else state = (await findById(db, row.id))?.state ?? state;
      }
      if (!created && state === 'pending' && (choice.language !== undefined || choice.topics !== undefined)) {
        // a reader who asks again before confirming may have changed their mind; an active one's choices
        // change only on their preference page
        await updateChoices(db, row.id, choice, now);
        row = (await findById(db, row.id)) ?? row;
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
          const messages = await messagesFor(row.language);
          await notify(
            row,
            now,
            alreadySubscribedMessage({
              ...notice,
              unsubscribeUrl: unsubscribeUrl(row),
              messages,
              preferencesUrl: preferencesUrl(row),
            }),
          );
        } else if (state === 'pending') {
          await notify(row, now, await confirmation(row, notice));
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
          const message = await confirmation(row, { site, from: options.from, replyTo: options.replyTo, date: now });
          await notify(row, now, message);
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

    readers: async () => ({ settings, catalogs: await loadedCatalogs() }),

    async preferences(token) {
      return view(await check(token, 'preferences'), clock());
    },

    async updatePreferences(token, change) {
      const row = await check(token, 'preferences');
      const now = clock();
      if (change.action === 'save') {
        const choice = checkChoice({ language: change.language, topics: change.topics }, settings);
        await updateChoices(db, row.id, choice, now);
      } else if (change.action === 'pause') {
        if (!PAUSE_WEEKS.includes(change.weeks))
          throw new ChoiceError('pause_weeks', String(change.weeks), PAUSE_WEEKS.map(String));
        await updateChoices(db, row.id, { pausedUntil: new Date(now.getTime() + change.weeks * 7 * DAY) }, now);
      } else if (change.action === 'resume') {
        await updateChoices(db, row.id, { pausedUntil: null }, now);
      } else if (row.state !== 'unsubscribed') {
        await setState(db, row.id, 'unsubscribed', now, ['pending', 'active', 'bounced']);
      }
      options.logger?.info({ subscriber: row.id, action: change.action }, 'preferences changed');
      const current = await findById(db, row.id);
      if (!current) throw new TokenError('TOKEN_INVALID', 'this link is not valid');
      return view(current, now);
    },

    async linkLanguage(token) {
      // only a genuine link tells whose language it is (a guessed one must not tell a subscriber's language)
      try {
        const claims = readToken(token);
        const row = await findById(db, claims.subscriberId);
        if (!row) return undefined;
        try {
          verifyToken(token, { purpose: claims.purpose, emailKey: row.email_key, secret, now: clock() });
        } catch (err) {
          if (!(err instanceof TokenError && err.code === 'TOKEN_EXPIRED')) return undefined;
        }
        return row.language ?? undefined;
      } catch {
        return undefined;
      }
    },
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
    readers: config,
    ...(options.logger ? { logger: options.logger.child({ component: 'subscriptions' }) } : {}),
  });
}
