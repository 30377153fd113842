// The shapes the delivery use-cases take and return; the worker, the CLI and the server code against them.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mail/index.ts';
import type { EditionState, Store } from '../store/index.ts';
import type { SenderLiveness } from './senders.ts';
import type { EditionGroupReport } from './groups.ts';

/** What the delivery use-cases need; built by the CLI, the server and the worker. */
export interface DeliveryDeps {
  store: Store;
  mailer: Mailer;
  config: Config;
  logger: Logger;
  /** The clock of the ledger (claims, retries, sent times); tests pass one of their own. */
  now: () => Date;
  contentDir: string;
  /** Folder holding templates/digest*.mjml. */
  templatesDir: string;
  /** The folder gazette runs in (var/ lives under it). */
  root: string;
  /** GAZETTE_SECRET for unsubscribe links; default: `loadOrCreateSecret(<root>/var, process.env)`. */
  secret?: string;
  /** Delay before the n-th retry: `baseMs * 2^(n-1)`, jittered, at most `maxMs` (default 60 s and 6 h). */
  retryBackoff?: { baseMs: number; maxMs: number };
}

/** Delivery rows of one edition by status. */
export interface DeliveryCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  retry: number;
  uncertain: number;
  cancelled: number;
}

export type CreateEditionResult =
  | {
      status: 'created';
      editionId: number;
      /** Readers who get a message (delivery rows). */
      recipients: number;
      /** The default group's subject (the first group's when the default has no digest). */
      subject: string;
      items: number;
      /** One digest per (language, topics) group of readers, and the groups left out. */
      groups: EditionGroupResult[];
      /** Readers whose group had nothing new: no message this time ("skipped: nothing new"). */
      skipped: number;
      /** Active readers left out because they paused the digest (their preference page). */
      paused: number;
    }
  | { status: 'no-items' }
  | { status: 'slot-taken'; editionId: number }
  /** Another edition is still open (draft, sending or paused): it must finish or be cancelled first. */
  | { status: 'open-exists'; editionId: number; state: EditionState };

/** One group of an edition's readers. */
export interface EditionGroupResult {
  /** ReaderGroup.key, e.g. `ru:kazakhstan`. */
  key: string;
  recipients: number;
  items: number;
  /** Nothing new for this group: no digest, no delivery rows. */
  skipped: boolean;
}

export interface CreateEditionOptions {
  /** The edition's date and the end of its window. */
  now: Date;
  /** The schedule slot; a second edition for the same slot is refused ('slot-taken'). */
  slot?: string;
  /** Create an edition even when no item is new. */
  force?: boolean;
  /** Create it even while another edition is open (an operator's deliberate second edition). */
  concurrent?: boolean;
}

export interface DispatchProgress extends DeliveryCounts {
  editionId: number;
}

export interface DispatchOptions {
  /** Who claims rows (unique per process), e.g. `host:pid`. */
  workerId: string;
  /**
   * The caller registered `workerId` as a sender (registerSender) and keeps its heartbeat for as
   * long as it runs (the worker). Otherwise dispatch registers it for the call.
   */
  registered?: boolean;
  /** Only this edition; default every edition in state 'sending'. */
  editionId?: number;
  /** Abort: stop claiming, finish the messages in flight, hand the rest of the batch back. */
  signal?: AbortSignal;
  onProgress?: (progress: DispatchProgress) => void;
  /**
   * When only retries that are not due yet remain, wait for them (until the edition is done, paused
   * or the signal aborts) instead of returning. The CLI waits; a worker that calls again later need not.
   */
  waitForRetries?: boolean;
}

export interface DispatchResult {
  /** Messages accepted during this call. */
  sent: number;
  /** Rows that failed for good during this call. */
  failed: number;
  /** Temporary failures scheduled for another attempt during this call. */
  retried: number;
  /** Editions that paused themselves during this call. */
  paused: number[];
  /** Editions that finished during this call. */
  completed: number[];
  aborted: boolean;
  /** The earliest retry still waiting in an edition being sent; null when none. */
  nextAttemptAt: Date | null;
}

export interface RecoverOptions {
  now: Date;
  /**
   * Also take claims older than this from senders that look alive (an override; by default only
   * dead senders' rows are taken, as their liveness records tell).
   */
  staleAfterMs?: number;
}

/** What a recovery took from dead senders. */
export interface RecoveryReport {
  /** Rows claimed and never started: pending again (or cancelled, in a cancelled edition). */
  released: number;
  /** Rows in flight, marked uncertain and held until an operator sends them (`--resend-uncertain`). */
  uncertain: number;
  /** Rows in flight, marked uncertain and queued again (`digest.resend_uncertain`). */
  requeued: number;
  /** The senders whose rows were taken, with why. */
  dead: SenderLiveness[];
}

export interface ResumeOptions {
  /** Default: the newest edition that is paused (or, with resendUncertain, that has uncertain rows). */
  editionId?: number;
  /** Send the rows whose outcome is unknown again (a reader may get a second copy). */
  resendUncertain?: boolean;
  /** Rows waiting for a retry are due now, not at their next attempt (an operator's `resume --wait`). */
  retryNow?: boolean;
}

export interface DeliveryFailure {
  email: string;
  subscriberId: number;
  status: 'failed' | 'retry';
  attempts: number;
  responseCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

export interface EditionReport {
  editionId: number;
  slot: string | null;
  state: string;
  subject: string;
  recipients: number;
  counts: DeliveryCounts;
  pausedReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Failed rows and rows waiting for a retry, with the server's reply. */
  failures: DeliveryFailure[];
  /**
   * Rows a sender died holding in flight: the message may or may not have gone out. `resent`: queued
   * again on recovery (`digest.resend_uncertain`), so the reader may have two copies; otherwise held.
   */
  uncertain: {
    email: string;
    subscriberId: number;
    claimedBy: string | null;
    claimedAt: Date | null;
    resent: boolean;
  }[];
  /** Rows being sent now, by holder, with whether the holder is alive (a dead one's are recovered). */
  inFlight: InFlightHolder[];
  /** One digest per (language, topics) group: its readers and where they stand; empty before groups. */
  groups: EditionGroupReport[];
  /** What came back: bounces, complaints and unsubscribes by mail about this edition. */
  returned: { hardBounces: number; softBounces: number; complaints: number; unsubscribes: number };
}

export interface InFlightHolder {
  holder: string;
  rows: number;
  alive: boolean;
  /** Why it is judged dead, or when it was last seen. */
  reason: string;
  seenAt: Date | null;
}
