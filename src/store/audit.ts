// The audit log: who did what to the list and the editions, from the dashboard, the API or the command line.
import type { Store } from './open.ts';

export interface AuditEntry {
  /** `session 1a2b3c4d`, `api`, `cli root@news-1`, … */
  actor: string;
  action: string;
  target?: string | null | undefined;
  detail?: string | null | undefined;
}

/** Appends one entry, dated `now`. */
export async function recordAudit(store: Store, entry: AuditEntry, now: Date): Promise<void> {
  await store.db
    .insertInto('audit_log')
    .values({
      at: now.getTime(),
      actor: entry.actor.slice(0, 200),
      action: entry.action.slice(0, 100),
      target: entry.target?.slice(0, 500) ?? null,
      detail: entry.detail?.slice(0, 2000) ?? null,
    })
    .execute();
}
