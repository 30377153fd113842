// createBackup while another connection keeps writing: the copy is one consistent moment of the store, never half
// of a transaction, because it goes through SQLite's online backup API rather than a file copy.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/store/backup.ts';
import { openStore, type Store } from '../../src/store/index.ts';

describe('gazette backup of a store being written', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-backup-online-'));
    store = await openStore({ databaseUrl: undefined, varDir: path.join(dir, 'var') });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies whole transactions only: each reader and their suppression arrive together or not at all', async () => {
    let written = 0;
    let writing = true;
    // each transaction adds a subscriber and, with it, a suppression: a torn copy would count them apart
    const writer = (async () => {
      while (writing) {
        const email = `r${written}@example.org`;
        await store.transaction(async (trx) => {
          await trx
            .insertInto('subscribers')
            .values({ email, email_key: email, state: 'active', created_at: 1, updated_at: 1 })
            .execute();
          await trx
            .insertInto('suppressions')
            .values({ email_key: email, email, reason: 'test', created_at: 1 })
            .execute();
        });
        written++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (written < 200) await new Promise((r) => setTimeout(r, 5));
    const backups = [];
    for (let i = 0; i < 5; i++) {
      const copy = path.join(dir, `copy-${i}`);
      backups.push({
        copy,
        manifest: await createBackup({ databaseUrl: undefined, varDir: path.join(dir, 'var') }, copy, new Date()),
      });
    }
    writing = false;
    await writer;
    let last = 0;
    for (const { copy, manifest } of backups) {
      const counts = manifest.counts!;
      expect(counts.subscribers).toBe(counts.suppressions);
      expect(counts.subscribers).toBeGreaterThanOrEqual(Math.max(200, last));
      expect(counts.subscribers).toBeLessThanOrEqual(written);
      last = counts.subscribers!;
      const copied = await openStore({ databaseUrl: `sqlite:${path.join(copy, 'gazette.db')}`, varDir: copy });
      try {
        const n = await copied.db
          .selectFrom('subscribers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(n.n)).toBe(counts.subscribers);
      } finally {
        await copied.close();
      }
    }
  });
});
