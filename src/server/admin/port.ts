// What the operators' dashboard needs from the rest of gazette, declared here where it is used; the CLI wires the
// use-cases in.
import type { SubscriberState } from '../ports.ts';
import type { DashboardReaderCounts } from './reader-counts.ts';
import type { SessionRevocations } from './session.ts';

export type { DashboardReaderCounts } from './reader-counts.ts';

/** Delivery rows of one edition by status. */
export interface DeliveryTally {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  retry: number;
  uncertain: number;
  cancelled: number;
}

export interface DashboardEdition {
  id: number;
  state: string;
  subject: string;
  slot: string | null;
  recipients: number;
  counts: DeliveryTally;
  pausedReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** One (language, topics) group of an edition's readers. */
export interface DashboardEditionGroup {
  key: string;
  recipients: number;
  items: number;
  sent: number;
  pending: number;
  failed: number;
  /** Nothing new for the group: its readers got no message. */
  skipped: boolean;
}

/** Whose digest the preview shows: a language code and topic ids (comma-separated); absent: the default group. */
export interface DashboardPreviewChoice {
  lang?: string;
  topics?: string;
}

export interface DashboardEditionDetail extends DashboardEdition {
  /** Per group of readers; absent or empty for an edition made before groups. */
  groups?: DashboardEditionGroup[];
  /** Failed rows and rows waiting for a retry, with the server's reply. */
  failures: {
    email: string;
    status: 'failed' | 'retry';
    attempts: number;
    responseCode: number | null;
    error: string | null;
    nextAttemptAt: Date | null;
  }[];
  /** Rows whose outcome is unknown (a sender died while sending them); `resent`: queued again since. */
  uncertain: { email: string; claimedBy: string | null; claimedAt: Date | null; resent: boolean }[];
  /** Rows being sent now, by the process holding them, and whether it lives. */
  inFlight: { holder: string; rows: number; alive: boolean; reason: string }[];
  /** What came back about this edition, newest first. */
  events: { at: Date; type: string; class: string | null; email: string | null; diagnostic: string | null }[];
}

export interface DashboardOverview {
  timezone: string;
  /** Published items, or why the content could not be read. */
  items: { published: number; scheduled: number } | { error: string };
  subscribers: Record<SubscriberState, number>;
  lastBuild: { id: string; at: Date } | null;
  /** The worker's last build attempt when it failed. */
  lastBuildError: string | null;
  nextEdition: { slot: string; at: Date } | null;
  /** Active subscribers by language and by topic; shown when the site has several languages or topics. */
  readers?: DashboardReaderCounts | undefined;
}

/** The next digest as it would go out now, or why there is none. */
export type DashboardDigest = (
  | { empty: true; windowStart: Date; windowEnd: Date }
  | {
      empty: false;
      subject: string;
      items: number;
      recipients: number;
      html: string;
      text: string;
      windowStart: Date;
      windowEnd: Date;
    }
) & {
  /** The group previewed and the ones there are to choose from (languages, topic ids). */
  choice?: DashboardPreviewChoice;
  languages?: string[];
  topics?: string[];
  /** The edition still open (sending or paused), if any: "send now" lands on it unless a second is asked for. */
  open: { id: number; state: string } | null;
};

export interface DashboardSubscriber {
  email: string;
  name: string | null;
  state: SubscriberState;
  source: string;
  createdAt: Date;
  /** The latest bounce, complaint or unsubscribe by mail about this reader, if any. */
  lastEvent?: { at: Date; type: string; class: string | null; status: string | null; diagnostic: string | null };
}

/** What "send now" did: an edition created (and being sent in the background), or why not. */
export type DashboardSendResult =
  | { status: 'created'; editionId: number; recipients: number; subject: string }
  | { status: 'no-items' }
  | { status: 'slot-taken'; editionId: number }
  | { status: 'open-exists'; editionId: number; state: string };

/** What a CSV import did: the figures `gazette subscribers import` prints. */
export interface DashboardImportReport {
  rows: number;
  accepted: number;
  added: number;
  existing: number;
  /** With `update`: rows of `existing` whose state or name changed. */
  updated: number;
  rejected: number;
  /** The first rejected rows, by line. */
  rejectedRows: { line: number; reason: string }[];
  /** Where the import stopped before the end of the file (nothing from that line on was imported). */
  stopped?: { line: number; reason: string };
}

/** One operator action as the audit log keeps it. */
export interface AuditEntry {
  /** A dashboard session's short id, `api` or `cli`; `anonymous` for a failed login. */
  actor: string;
  action: string;
  target?: string | null;
  detail?: string | null;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  at: Date;
}

/**
 * The operators' use-cases behind the dashboard. Errors with a `code` (e.g. EMAIL_INVALID,
 * EDITION_NOT_FOUND, EDITION_NOT_RESUMABLE) are shown to the operator as a notice.
 */
export interface DashboardPort {
  overview(): Promise<DashboardOverview>;
  /** The newest editions, newest first. */
  editions(): Promise<DashboardEdition[]>;
  /** One edition with its failures; null when there is no such edition. */
  edition(id: number): Promise<DashboardEditionDetail | null>;
  /** The next digest for a sample reader (preview) and the send-now confirmation. */
  nextDigest(choice?: DashboardPreviewChoice): Promise<DashboardDigest>;
  /**
   * Creates the next edition now and sends it in the background; while one is open, none is
   * created ('open-exists') unless `concurrent` asks for a second on purpose.
   */
  sendNow(options: { concurrent: boolean }): Promise<DashboardSendResult>;
  /** Sends one copy of the next digest to `address`, writing nothing to the ledger; null when no item is new. */
  sendTest(address: string): Promise<{ to: string; subject: string } | null>;
  /** Stops claiming rows of an edition being sent; false when it was not being sent. */
  pause(editionId: number): Promise<boolean>;
  /**
   * Recovers the rows of senders that died, then continues the edition; with `resendUncertain`, also
   * sends the held uncertain rows again.
   */
  resume(editionId: number, options: { resendUncertain: boolean }): Promise<{ requeued: number }>;
  /** Stops an edition for good: its unsent rows are cancelled and its items go into the next edition. */
  cancel(editionId: number): Promise<{ cancelled: number }>;
  listSubscribers(query: {
    search?: string;
    state?: SubscriberState;
    limit: number;
    offset: number;
  }): Promise<DashboardSubscriber[]>;
  /** Adds an address as active (or makes an existing one active). */
  addSubscriber(address: string): Promise<{ email: string; created: boolean }>;
  removeSubscriber(address: string): Promise<boolean>;
  /** Unsubscribes, keeping the row and its history; null when unknown, false when unsubscribed already. */
  unsubscribeSubscriber(address: string): Promise<boolean | null>;
  /** Sets the display name ('' clears it); false when the address is unknown. */
  renameSubscriber(address: string, name: string): Promise<boolean>;
  /** The one subscriber with this address, or null. */
  subscriber(address: string): Promise<DashboardSubscriber | null>;
  /** The CSV import of `gazette subscribers import`; a file without an email column rejects with a coded error. */
  importSubscribers(csv: Uint8Array, options: { update: boolean }): Promise<DashboardImportReport>;
  /** Records an operator action. */
  audit(entry: AuditEntry): Promise<void>;
  /** The audit log, newest first. */
  auditLog(query: { limit: number; offset: number }): Promise<AuditRecord[]>;
  /** Every subscriber as CSV (the columns `gazette subscribers import` reads). */
  exportSubscribers(): ReadableStream<Uint8Array>;
  /** Where logouts are kept so that every process, and the next start, refuses an ended session's cookie. */
  sessionRevocations?: SessionRevocations;
}
