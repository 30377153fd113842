// Dashboard sessions a logout ended, until they would have expired: refused by every process, and after a restart.
import type { Store } from './open.ts';

/** Records that session `id` ended (again is harmless), and forgets the ones expired by `now`. */
export async function revokeSession(store: Store, id: string, expiresAt: number, now: number): Promise<void> {
  await store.db.deleteFrom('revoked_sessions').where('expires_at', '<=', now).execute();
  await store.db
    .insertInto('revoked_sessions')
    .values({ id, expires_at: expiresAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Whether a logout ended session `id`. */
export async function isSessionRevoked(store: Store, id: string): Promise<boolean> {
  const row = await store.db.selectFrom('revoked_sessions').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}
