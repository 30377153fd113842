// What the HTTP server needs from the rest of gazette, declared here where it is used; src/subscribers/ and the
// store implement it.
import type { Catalogs } from '../i18n/catalog.ts';

/** Subscriber states as the store counts them. */
export type SubscriberState = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/**
 * Double opt-in subscriptions. Token methods throw an error whose `code` is `TOKEN_INVALID`
 * or `TOKEN_EXPIRED` for a forged, altered or expired token; `subscribe` throws an error
 * whose `code` is `EMAIL_INVALID` for an address that is not one.
 */
export interface SubscriptionPort {
  /**
   * Stores a pending subscriber and sends the confirmation email; already-active addresses answer the same.
   * `delayed`: the mail server could not take the mail now; it is sent when the server is back.
   */
  subscribe(
    address: string,
    meta: { ip?: string; language?: string | null; topics?: readonly string[] | null },
  ): Promise<{ delayed: boolean }>;
  confirm(token: string): Promise<{ email: string }>;
  /** Validates a confirm token without changing anything. */
  checkConfirmToken(token: string): Promise<{ email: string }>;
  unsubscribe(token: string): Promise<{ email: string }>;
  /** Validates an unsubscribe token without changing anything. */
  checkUnsubscribeToken(token: string): Promise<{ email: string }>;
  counts(): Promise<Record<SubscriberState, number>>;
  /** The site's languages (default first) and topics, and the catalogs the pages are written from. */
  readers(): Promise<{ settings: ReaderSettingsView; catalogs: Catalogs }>;
  /** The preference page's subscriber; a token error as for unsubscribe links. Changes nothing. */
  preferences(token: string): Promise<PreferencesPortView>;
  /**
   * Applies a change from the preference page. A language, topic or pause not offered throws an error whose
   * `code` is `CHOICE_INVALID` with `field`, `value` and `choices`, and changes nothing.
   */
  updatePreferences(token: string, change: PreferencesPortChange): Promise<PreferencesPortView>;
  /** The language of the subscriber a link names, or undefined; never throws. */
  linkLanguage(token: string): Promise<string | undefined>;
  preferencesUrl(subscriber: { id: number; email: string }): string;
}

/** What readers may choose: the site's languages and the digest's topics. */
export interface ReaderSettingsView {
  languages: readonly { code: string }[];
  digest: { topics: readonly { id: string; names: Readonly<Record<string, string>> }[] };
}

export interface PreferencesPortView {
  email: string;
  state: SubscriberState;
  language: string;
  topics: readonly string[] | null;
  pausedUntil: Date | undefined;
}

export type PreferencesPortChange =
  | { action: 'save'; language?: string | null | undefined; topics?: readonly string[] | null | undefined }
  | { action: 'pause'; weeks: number }
  | { action: 'resume' }
  | { action: 'unsubscribe' };

/** Error code of a form value (language, topic, pause) the site does not offer. */
export const CHOICE_ERROR_CODE = 'CHOICE_INVALID';

/** The form field and value of a CHOICE_INVALID error, or undefined for another error. */
export function choiceProblem(
  err: unknown,
): { field: 'language' | 'topics' | 'pause_weeks'; value: string; choices: readonly string[] } | undefined {
  if (errorCode(err) !== CHOICE_ERROR_CODE) return undefined;
  const e = err as { field: 'language' | 'topics' | 'pause_weeks'; value: string; choices: readonly string[] };
  return { field: e.field, value: e.value, choices: e.choices };
}

/** One edition (digest) as the operators' API lists it. */
export interface EditionSummary {
  id: string | number;
  status: string;
  [field: string]: unknown;
}

/** Operators' use-cases. Parts that later features provide are optional: their routes answer 503 until wired. */
export interface AdminPort {
  subscriberCounts(): Promise<Record<SubscriberState, number>>;
  listEditions?(): Promise<readonly EditionSummary[]>;
  /** Creates the next digest edition now; the dispatcher sends it. */
  triggerDigest?(): Promise<unknown>;
}

/** Error codes a token check throws. */
export const TOKEN_ERROR_CODES: ReadonlySet<string> = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED']);

/** Error code `subscribe` throws for an address that is not a valid email address. */
export const ADDRESS_ERROR_CODE = 'EMAIL_INVALID';

export function errorCode(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export function isTokenError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TOKEN_ERROR_CODES.has(code);
}

export function isAddressError(err: unknown): boolean {
  return errorCode(err) === ADDRESS_ERROR_CODE;
}

/** A bounce, complaint or unsubscribe that a mail provider reported through its webhook, already authenticated. */
export interface ProviderEvent {
  type: 'bounce' | 'complaint' | 'unsubscribe';
  /** The provider's own verdict on a bounce (SES bounceType, Mailgun severity, Postmark Type), taken as it is. */
  class?: 'hard' | 'soft' | undefined;
  /** Without `class`: the verdict when the status and diagnostic (RFC 3463) do not classify the bounce. */
  fallbackClass?: 'hard' | 'soft' | undefined;
  /** The recipient's address as the provider reports it. */
  email?: string | undefined;
  /** The Message-ID of the message it is about, when the provider reports ours. */
  messageId?: string | undefined;
  /** An RFC 3463 status such as `5.1.1`. */
  status?: string | undefined;
  /** The receiving server's words. */
  diagnostic?: string | undefined;
  /** `ses`, `postmark`, `sendgrid` or `mailgun`. */
  source: string;
  /** The request body (or the part of it about this event), for the record. */
  raw?: string | undefined;
}

/** The return path, as the provider webhooks feed it: the same events and policy as bounces by mail. */
export interface MailEventsPort {
  /** Records the event and acts on the subscriber it is about; throws when it cannot be stored. */
  record(event: ProviderEvent): Promise<void>;
}

/** The web pages of editions going out now, from the ledger, until a build has written them to public/. */
export interface EditionPagesPort {
  /**
   * The page of an edition's group at `path` under public/ (`archive/<slug>/index.html`,
   * `ru/archive/<slug>/kazakhstan/index.html`), or undefined when there is none.
   */
  editionPage(path: string): Promise<string | undefined>;
}
