// Leases: one holder per named job (e.g. the scheduler), with an expiry so a dead holder's job is taken over.
import type { Store } from './open.ts';

export interface LeaseOptions {
  name: string;
  /** Who asks, unique per process (e.g. `host:pid:random`). */
  holder: string;
  ttlMs: number;
  now: Date;
}

/**
 * Takes the lease when it is free or lapsed, or renews it when `holder` already holds it, in one
 * compare-and-set statement. Resolves to whether `holder` holds the lease until `now + ttlMs`.
 */
export async function acquireLease(store: Store, options: LeaseOptions): Promise<boolean> {
  const now = options.now.getTime();
  const row = await store.db
    .insertInto('leases')
    .values({ name: options.name, holder: options.holder, expires_at: now + options.ttlMs })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
        .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', options.holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === options.holder;
}

/** Gives the lease up if `holder` holds it, so another process need not wait for it to lapse. */
export async function releaseLease(store: Store, name: string, holder: string): Promise<void> {
  await store.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
