// Group commit of the ledger's per-message writes: whatever the senders queue while a write runs goes in the next.
import type { Store } from '../store/index.ts';
import { recordOutcomes } from './ledger.ts';

/** Most rows written in one statement. */
const MAX_BATCH = 500;

interface Mark {
  subscriberId: number;
  messageId: string;
}

interface Pending extends Mark {
  resolve: (changed: boolean) => void;
  reject: (err: unknown) => void;
}

export interface OutcomeWriter {
  /**
   * Marks the row as handed to the transport (a crash after this makes it 'uncertain', before it
   * 'pending' again), together with `sent`, the sender's previous row that the server accepted:
   * both are written in the same statement. Resolves once written: true, or false when the row
   * is no longer this worker's.
   */
  inFlight(mark: Mark, sent?: Mark): Promise<boolean>;
  /** Marks the row sent (a sender's last one); resolves once written (false when the row was taken away meanwhile). */
  sent(mark: Mark): Promise<boolean>;
  /** Resolves once everything queued so far is written (rejects when a write failed). */
  flush(): Promise<void>;
}

/**
 * Queues the ledger writes of one edition's senders and writes them in batches, one statement
 * each. A sender's sent mark travels with its next in-flight mark, so whatever order concurrent
 * writes commit in, a crash leaves at most one row per sender whose fate is unknown. `parallel`
 * writes may run at once (PostgreSQL commits them with one flush of its log; SQLite has one
 * connection and takes 1).
 */
export function createOutcomeWriter(
  store: Store,
  editionId: number,
  workerId: string,
  now: () => number,
  parallel = 1,
): OutcomeWriter {
  const inFlight: Pending[] = [];
  const sent: Pending[] = [];
  let active = 0;
  const idle: (() => void)[] = [];
  let failure: unknown;

  const fail = (err: unknown, batch: Pending[]): void => {
    failure ??= err;
    for (const p of [...batch, ...inFlight.splice(0), ...sent.splice(0)]) p.reject(err);
  };
  const write = async (): Promise<void> => {
    // the senders that are ready within this turn of the event loop join this write
    await new Promise((resolve) => setImmediate(resolve));
    while ((inFlight.length > 0 || sent.length > 0) && failure === undefined) {
      const s = sent.splice(0, MAX_BATCH);
      const i = inFlight.splice(0, MAX_BATCH - s.length);
      try {
        const changed = await recordOutcomes(store, editionId, workerId, { inFlight: i, sent: s }, now());
        for (const p of i) p.resolve(changed.inFlight.has(p.subscriberId));
        for (const p of s) p.resolve(changed.sent.has(p.subscriberId));
      } catch (err) {
        fail(err, [...i, ...s]);
      }
    }
  };
  const start = (): void => {
    if (active >= parallel) return;
    active++;
    void write().finally(() => {
      active--;
      if ((inFlight.length > 0 || sent.length > 0) && failure === undefined) start();
      else if (active === 0) for (const done of idle.splice(0)) done();
    });
  };
  const queue = (list: Pending[], mark: Mark): Promise<boolean> => {
    if (failure !== undefined) return Promise.reject(failure);
    const promise = new Promise<boolean>((resolve, reject) => list.push({ ...mark, resolve, reject }));
    start();
    return promise;
  };
  return {
    inFlight(mark, previous) {
      // queued together in one synchronous step: one write takes both or neither
      const sentMark = previous ? queue(sent, previous) : undefined;
      const marked = queue(inFlight, mark);
      sentMark?.catch(() => undefined);
      return marked;
    },
    sent: (mark) => queue(sent, mark),
    async flush() {
      if (active > 0) await new Promise<void>((resolve) => idle.push(resolve));
      if (failure !== undefined) throw failure;
    },
  };
}
