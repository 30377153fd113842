// Who claims delivery rows, and whether they still live: a heartbeat row per process, a look at the process
// itself on the same host, and on PostgreSQL a session lock that ends with the process's connection.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { sql } from '../adapters/database.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SendersTable, Store } from '../store/index.ts';

/** How often a live sender renews its row. */
export const HEARTBEAT_MS = 5_000;
/** A sender whose row was not renewed for this long is dead, wherever it ran. */
export const SILENT_AFTER_MS = 20_000;
/** First key of the senders' advisory locks on PostgreSQL ("gaz"); the second is the row's lock_key. */
export const SENDER_LOCK_CLASS = 0x67617a;

export interface SenderOptions {
  store: Store;
  /** The `claimed_by` its rows get; unique per process. */
  id: string;
  kind: 'cli' | 'worker';
  now: () => Date;
  logger: Logger;
  heartbeatMs?: number;
}

/** A registered sender: its heartbeat runs until `stop`. */
export interface Sender {
  id: string;
  stop(): Promise<void>;
}

/**
 * Registers this process as a sender before it claims anything: a row renewed every few seconds and,
 * on PostgreSQL, a session advisory lock on a connection of its own. A process killed with SIGKILL
 * stops renewing and (PostgreSQL) loses its lock with its connection; `judgeSenders` sees both.
 */
export async function registerSender(options: SenderOptions): Promise<Sender> {
  const { store, id, now } = options;
  const log = options.logger.child({ component: 'delivery' });
  let lock: Awaited<ReturnType<NonNullable<Store['holdSessionLock']>>> | undefined;
  let lockKey: number | null = null;
  const takeLock = async (): Promise<void> => {
    if (!store.holdSessionLock) return;
    const key = randomInt(1, 2 ** 31 - 1);
    lock = await store.holdSessionLock(SENDER_LOCK_CLASS, key);
    lockKey = key;
  };
  await takeLock();
  const row = (): SendersTable => {
    const at = now().getTime();
    return {
      id,
      host: hostname(),
      pid: process.pid,
      kind: options.kind,
      lock_key: lockKey,
      started_at: at,
      seen_at: at,
    };
  };
  // the lock is taken before the row names it: a row whose lock is missing is a dead sender's
  await store.db
    .insertInto('senders')
    .values(row())
    .onConflict((oc) => oc.column('id').doUpdateSet({ lock_key: lockKey, seen_at: now().getTime() }))
    .execute();

  let beating: Promise<void> | undefined;
  const beat = async (): Promise<void> => {
    if (lock && !lock.held()) {
      log.warn({ sender: id }, 'the database session holding this sender lock ended; taking a new one');
      await takeLock();
    }
    const result = await store.db
      .updateTable('senders')
      .set({ seen_at: now().getTime(), lock_key: lockKey })
      .where('id', '=', id)
      .executeTakeFirst();
    // judged dead by another process (its rows were recovered): present again for the next claims
    if (Number(result.numUpdatedRows) === 0) await store.db.insertInto('senders').values(row()).execute();
  };
  const timer = setInterval(() => {
    if (beating) return;
    beating = beat()
      .catch((err) => log.warn({ err, sender: id }, `cannot renew the sender heartbeat: ${errorMessage(err)}`))
      .finally(() => {
        beating = undefined;
      });
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  timer.unref();

  return {
    id,
    async stop() {
      clearInterval(timer);
      await beating;
      await store.db
        .deleteFrom('senders')
        .where('id', '=', id)
        .execute()
        .catch(() => undefined);
      await lock?.release();
    },
  };
}

/** What a sender's row says of it, and what was found. */
export interface SenderLiveness {
  id: string;
  alive: boolean;
  /** Why it is judged dead, or how it was seen alive. */
  reason: string;
  host: string | null;
  pid: number | null;
  kind: string | null;
  seenAt: Date | null;
}

/** What judging one sender's row needs to know about the world. */
export interface LivenessFacts {
  now: number;
  /** This machine's host name. */
  host: string;
  /** Whether process `pid` runs on this machine (and is not a zombie). */
  processRuns(pid: number): boolean;
  /** PostgreSQL: the lock keys some session holds now; undefined on SQLite. */
  heldLocks: ReadonlySet<number> | undefined;
}

/** Alive or dead, and why: pure, so each rule is tested on its own. */
export function judgeSender(id: string, row: SendersTable | undefined, facts: LivenessFacts): SenderLiveness {
  if (!row) {
    return {
      id,
      alive: false,
      reason: 'no liveness record (it stopped)',
      host: null,
      pid: null,
      kind: null,
      seenAt: null,
    };
  }
  const base = { id, host: row.host, pid: row.pid, kind: row.kind, seenAt: new Date(row.seen_at) };
  const silentMs = facts.now - row.seen_at;
  if (silentMs > SILENT_AFTER_MS)
    return { ...base, alive: false, reason: `not seen for ${Math.round(silentMs / 1000)} s` };
  if (row.host === facts.host && !facts.processRuns(row.pid))
    return { ...base, alive: false, reason: `process ${row.pid} is gone` };
  if (facts.heldLocks !== undefined && row.lock_key !== null && !facts.heldLocks.has(row.lock_key))
    return { ...base, alive: false, reason: 'its database session ended' };
  return { ...base, alive: true, reason: `seen ${Math.max(0, Math.round(silentMs / 1000))} s ago` };
}

/** Whether `pid` is a running process here: signal 0 finds it, and Linux's /proc does not call it a zombie. */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc here: signal 0 is all there is
  }
}

/** The senders named, judged now. */
export async function judgeSenders(
  store: Store,
  ids: readonly string[],
  now: Date,
): Promise<Map<string, SenderLiveness>> {
  const judged = new Map<string, SenderLiveness>();
  if (ids.length === 0) return judged;
  const rows = await store.db
    .selectFrom('senders')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, { ...r, pid: Number(r.pid), seen_at: Number(r.seen_at) }]));
  let heldLocks: Set<number> | undefined;
  if (store.dialect === 'postgres') {
    // a two-key advisory lock shows its keys as classid and objid, with objsubid 2
    const held = await sql<{ key: number }>`
      select objid::bigint as key from pg_locks
      where locktype = 'advisory' and classid = ${SENDER_LOCK_CLASS} and objsubid = 2 and granted`.execute(store.db);
    heldLocks = new Set(held.rows.map((r) => Number(r.key)));
  }
  const facts: LivenessFacts = { now: now.getTime(), host: hostname(), processRuns, heldLocks };
  for (const id of ids) judged.set(id, judgeSender(id, byId.get(id), facts));
  return judged;
}

/** The workers (`gazette start`) alive now: they send the retries an edition still has. */
export async function liveWorkers(store: Store, now: Date): Promise<SenderLiveness[]> {
  const rows = await store.db.selectFrom('senders').select('id').where('kind', '=', 'worker').execute();
  const judged = await judgeSenders(
    store,
    rows.map((r) => r.id),
    now,
  );
  return [...judged.values()].filter((s) => s.alive);
}
