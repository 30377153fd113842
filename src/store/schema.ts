// The tables gazette keeps, as TypeScript types for the query layer. Times are epoch milliseconds.
import type { Generated } from '../adapters/database.ts';

export type SubscriberState = 'pending' | 'active' | 'unsubscribed' | 'bounced';
export const SUBSCRIBER_STATES: readonly SubscriberState[] = ['pending', 'active', 'unsubscribed', 'bounced'];

export type EditionState = 'draft' | 'sending' | 'paused' | 'sent' | 'cancelled';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'retry' | 'uncertain' | 'cancelled';

/** Edition states in which an edition still has mail to send: at most one such edition at a time. */
export const OPEN_EDITION_STATES: readonly EditionState[] = ['draft', 'sending', 'paused'];

/** Columns typed Generated have a database default and may be left out of an insert. */
export interface SubscribersTable {
  id: Generated<number>;
  /** The address mail goes to: local part as given, domain lower-cased (and in ASCII). */
  email: string;
  /** The address lower-cased: unique, what look-ups and duplicates compare. */
  email_key: string;
  state: SubscriberState;
  name: string | null;
  /** How the address arrived: `web`, `cli`, `import`. */
  source: Generated<string>;
  created_at: number;
  updated_at: number;
  confirmed_at: number | null;
  unsubscribed_at: number | null;
  /** When the last confirmation (or "already subscribed") mail went out; throttles repeats. */
  notified_at: number | null;
  /** The language the reader reads in; null: the site's default. */
  language: Generated<string | null>;
  /** JSON array of the topic ids the reader chose (see src/audience.ts); null: everything. */
  topics: Generated<string | null>;
  /** Until when the reader paused the digest; null or past: not paused. */
  paused_until: Generated<number | null>;
}

export interface EditionsTable {
  id: Generated<number>;
  /** The schedule slot this edition is for, e.g. `2026-11-30T09:00+05:00`; null for manual editions. */
  slot: string | null;
  subject: string;
  state: Generated<EditionState>;
  /** JSON array of the item ids the edition covers, newest first. */
  item_ids: Generated<string>;
  window_start: number;
  window_end: number;
  /** The composed digest as digestToJson writes it: a resumed send personalizes exactly this. */
  digest: string | null;
  content_hash: string | null;
  /** How many delivery rows were written when the edition was created. */
  recipients: Generated<number>;
  paused_reason: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  /**
   * 'open' while the edition is open (draft, sending, paused), null once it is sent or cancelled,
   * or for an edition an operator created alongside an open one on purpose. Unique: the database
   * itself refuses a second open edition, however many processes race to create one.
   */
  open_lock: string | null;
}

/** The items an edition carried: an item mailed once is never carried again, whatever its dates say. */
export interface EditionItemsTable {
  edition_id: number;
  item_id: string;
}

/** A process that claims delivery rows: alive while it renews `seen_at` (and, on PostgreSQL, holds its lock). */
export interface SendersTable {
  /** The `claimed_by` of its rows: `host:pid:kind` or `host:pid:random`. */
  id: string;
  host: string;
  pid: number;
  /** `cli` (digest send/resume, dashboard), `worker` (gazette start). */
  kind: string;
  /** PostgreSQL: the second key of the session advisory lock it holds while its connection lives. */
  lock_key: number | null;
  started_at: number;
  seen_at: number;
}

export interface DeliveriesTable {
  edition_id: number;
  subscriber_id: number;
  email: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  last_error: string | null;
  response_code: number | null;
  claimed_by: string | null;
  claimed_at: number | null;
  sent_at: number | null;
  message_id: string | null;
  /** When a sender died with this row's message in flight: it may have arrived, and may arrive twice. */
  uncertain_at: number | null;
  /** The sender that died holding it. */
  uncertain_by: string | null;
  /** The reader's group (src/audience.ts ReaderGroup.key): which of the edition's digests is theirs; null: the one. */
  group_key: Generated<string | null>;
}

/** One digest of an edition: for the readers of one (language, topics) group. */
export interface EditionGroupsTable {
  edition_id: number;
  /** ReaderGroup.key, e.g. `ru:kazakhstan+operations`. */
  group_key: string;
  language: string;
  /** JSON array of topic ids; null: everything. */
  topics: string | null;
  subject: string;
  /** JSON array of the item ids this group's digest carries; empty: the group had nothing new. */
  item_ids: string;
  /** As digestToJson writes it; null when the group had nothing new (and no delivery rows). */
  digest: string | null;
  /** Readers in the group when the edition was created (skipped ones included). */
  recipients: Generated<number>;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** What happened to mail after it left: a bounce, a complaint or an unsubscribe by mail, from any source. */
export interface MailEventsTable {
  id: Generated<number>;
  at: number;
  /** `bounce`, `complaint` or `unsubscribe`. */
  type: string;
  /** Bounces: `hard` or `soft`. */
  class: string | null;
  /** The address it is about (lower-cased as subscribers' email_key); null when none could be found. */
  email: string | null;
  subscriber_id: number | null;
  edition_id: number | null;
  /** RFC 3463 status, e.g. `5.1.1`. */
  status: string | null;
  /** The server's words: Diagnostic-Code, the SMTP reply, the provider's reason. */
  diagnostic: string | null;
  /** Where it came from: `rcpt` (the SMTP reply while sending), `smtp` (the inbound listener), `imap`, a provider. */
  source: string;
  /** What gazette did: `bounced`, `unsubscribed`, `counted` (a soft bounce below the limit), `none`. */
  action: string;
  /** The raw message or webhook body, kept for `bounces.keep_raw_days`. */
  raw: string | null;
}

/** Addresses never mailed again until they come back through a new double opt-in. */
export interface SuppressionsTable {
  email_key: string;
  email: string;
  /** `complaint`, `hard-bounce`, `soft-bounces`, `unsubscribed by mail`, … */
  reason: string;
  created_at: number;
}

/** Dashboard sessions ended by a logout: a copy of their cookie stays refused, across restarts, until it expires. */
export interface RevokedSessionsTable {
  id: string;
  expires_at: number;
}

/** One operator action: who (a dashboard session's short id, `api` or `cli`), what, on what, and its outcome. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  /** e.g. `login`, `login failed`, `send now`, `remove`, `import`. */
  action: string;
  /** What it was done to: an address, `edition #12`; null when nothing in particular. */
  target: string | null;
  detail: string | null;
}

export interface DatabaseSchema {
  subscribers: SubscribersTable;
  editions: EditionsTable;
  deliveries: DeliveriesTable;
  edition_groups: EditionGroupsTable;
  leases: LeasesTable;
  edition_items: EditionItemsTable;
  senders: SendersTable;
  mail_events: MailEventsTable;
  suppressions: SuppressionsTable;
  revoked_sessions: RevokedSessionsTable;
  audit_log: AuditLogTable;
}
