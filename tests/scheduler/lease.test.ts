// The scheduler lease on the real databases: one holder, renewed while alive, taken over once it lapses.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createLeaseKeeper } from '../../src/scheduler/lease.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';

const ttlMs = 30_000;

describe.each(testDialects())('scheduler lease on %s', (dialect) => {
  const db = useTestStore(dialect);

  const keeper = async (holder: string, own = false) =>
    createLeaseKeeper({
      store: own ? await db().open() : db().store,
      name: 'scheduler',
      holder,
      ttlMs,
      logger: silentLogger(),
    });

  it('is held by one worker at a time', async () => {
    const a = await keeper('a', true);
    const b = await keeper('b', true);
    const t0 = new Date('2026-11-30T04:00:00Z');
    const [gotA, gotB] = await Promise.all([a.renew(t0), b.renew(t0)]);
    expect([gotA, gotB].filter(Boolean)).toHaveLength(1);
  });

  it('is renewed by its holder, so it does not lapse while the holder lives', async () => {
    const a = await keeper('a');
    const b = await keeper('b');
    let t = new Date('2026-11-30T04:00:00Z').getTime();
    expect(await a.renew(new Date(t))).toBe(true);
    for (let i = 0; i < 6; i++) {
      t += 10_000;
      expect(await a.renew(new Date(t))).toBe(true);
      expect(await b.renew(new Date(t))).toBe(false);
    }
    // A minute after it was first taken, a ttl of 30 s: still a's, because a renewed it.
    expect(a.held(new Date(t))).toBe(true);
    expect(b.held(new Date(t))).toBe(false);
  });

  it('is taken over once the holder stops renewing it (it died), and not before', async () => {
    const a = await keeper('a');
    const b = await keeper('b');
    const t0 = new Date('2026-11-30T04:00:00Z').getTime();
    expect(await a.renew(new Date(t0))).toBe(true);
    expect(await b.renew(new Date(t0 + ttlMs - 1))).toBe(false);
    expect(await b.renew(new Date(t0 + ttlMs))).toBe(true);
    expect(a.held(new Date(t0 + ttlMs))).toBe(false);
    // The old holder coming back finds it taken.
    expect(await a.renew(new Date(t0 + ttlMs + 1))).toBe(false);
  });

  it('is free at once after its holder releases it', async () => {
    const a = await keeper('a');
    const b = await keeper('b');
    const t0 = new Date('2026-11-30T04:00:00Z');
    expect(await a.renew(t0)).toBe(true);
    await a.release();
    expect(await b.renew(new Date(t0.getTime() + 1))).toBe(true);
  });
});
