// Group commit of the ledger's per-message writes: whatever the senders queue while one write runs goes in the next.
import type { Store } from '../store/index.ts';
import { recordOutcomes } from './ledger.ts';

/** Most rows written in one transaction. */
const MAX_BATCH = 500;

interface Pending {
  subscriberId: number;
  messageId: string;
  resolve: (changed: boolean) => void;
  reject: (err: unknown) => void;
}

export interface OutcomeWriter {
  /**
   * Marks the row as handed to the transport (a crash after this makes it 'uncertain', before it
   * 'pending' again). Resolves once written: true, or false when the row is no longer this worker's.
   */
  inFlight(subscriberId: number, messageId: string): Promise<boolean>;
  /** Marks the row sent; resolves once written (false when the row was taken away meanwhile). */
  sent(subscriberId: number, messageId: string): Promise<boolean>;
  /** Resolves once everything queued so far is written (rejects when a write failed). */
  flush(): Promise<void>;
}

/**
 * Queues the ledger writes of one edition's senders and writes them in batches, one transaction
 * each, one after another in the order they were queued. A sender that marks its next row in
 * flight after its last row sent sees both written together or the sent mark first, so a crash
 * leaves at most one row per sender whose fate is unknown, as with one write per message.
 */
export function createOutcomeWriter(store: Store, editionId: number, workerId: string, now: () => number): OutcomeWriter {
  let inFlight: Pending[] = [];
  let sent: Pending[] = [];
  let running: Promise<void> | undefined;
  let failure: unknown;

  const run = async (): Promise<void> => {
    // the senders that are ready within this turn of the event loop join the first write
    await new Promise((resolve) => setImmediate(resolve));
    while (inFlight.length > 0 || sent.length > 0) {
      // sent marks first: one queued before a sender's next in-flight mark is never written after it
      const s = sent.splice(0, MAX_BATCH);
      const i = inFlight.splice(0, MAX_BATCH - s.length);
      try {
        const changed = await recordOutcomes(store, editionId, workerId, { inFlight: i, sent: s }, now());
        for (const p of i) p.resolve(changed.inFlight.has(p.subscriberId));
        for (const p of s) p.resolve(changed.sent.has(p.subscriberId));
      } catch (err) {
        failure ??= err;
        for (const p of [...i, ...s, ...inFlight.splice(0), ...sent.splice(0)]) p.reject(err);
      }
    }
  };
  const start = (): void => {
    running ??= run().finally(() => {
      running = undefined;
      if (inFlight.length > 0 || sent.length > 0) start();
    });
  };
  const queue = (list: Pending[], subscriberId: number, messageId: string): Promise<boolean> => {
    if (failure !== undefined) return Promise.reject(failure);
    const promise = new Promise<boolean>((resolve, reject) => list.push({ subscriberId, messageId, resolve, reject }));
    start();
    return promise;
  };
  return {
    inFlight: (subscriberId, messageId) => queue(inFlight, subscriberId, messageId),
    sent: (subscriberId, messageId) => queue(sent, subscriberId, messageId),
    async flush() {
      while (running) await running;
      if (failure !== undefined) throw failure;
    },
  };
}
