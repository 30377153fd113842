// Delivery: editions frozen into a ledger of one row per recipient, drained by dispatchers that survive crashes.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mail/index.ts';
import type { Store } from '../store/index.ts';

/** What the delivery functions need; built by the CLI, the server and the worker. */
export interface DeliveryDeps {
  store: Store;
  mailer: Mailer;
  config: Config;
  logger: Logger;
  now: () => Date;
  contentDir: string;
  templatesDir: string;
  root: string;
}

/** Delivery rows of one edition by status. */
export interface DeliveryCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  retry: number;
  uncertain: number;
}

export type CreateEditionResult =
  | { status: 'created'; editionId: number; recipients: number; subject: string; items: number }
  | { status: 'no-items' }
  | { status: 'slot-taken'; editionId: number };

export interface DispatchResult {
  sent: number;
  failed: number;
  retried: number;
  /** Editions that paused themselves during this call. */
  paused: number[];
  /** Editions that finished during this call. */
  completed: number[];
  aborted: boolean;
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
  failures: { email: string; responseCode: number | null; error: string | null; attempts: number }[];
  uncertain: { email: string; claimedBy: string | null; claimedAt: Date | null }[];
}

export async function createEdition(_deps: DeliveryDeps, _options: { now: Date; slot?: string; force?: boolean }): Promise<CreateEditionResult> {
  throw new Error('createEdition: not ready');
}
export async function dispatch(
  _deps: DeliveryDeps,
  _options: { workerId: string; editionId?: number; signal?: AbortSignal; onProgress?: (p: DeliveryCounts & { editionId: number }) => void },
): Promise<DispatchResult> {
  throw new Error('dispatch: not ready');
}
export async function recoverInterrupted(_deps: DeliveryDeps, _options: { now: Date; staleAfterMs?: number }): Promise<number> {
  throw new Error('recoverInterrupted: not ready');
}
export async function resumeEdition(_deps: DeliveryDeps, _options: { editionId?: number; resendUncertain?: boolean }): Promise<{ editionId: number; requeued: number }> {
  throw new Error('resumeEdition: not ready');
}
export async function editionStatus(_deps: DeliveryDeps, _editionId?: number): Promise<EditionReport[]> {
  throw new Error('editionStatus: not ready');
}
