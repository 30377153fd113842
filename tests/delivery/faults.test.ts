// Mail server faults through real SMTP exchanges: deferrals, refusals, a dropped connection, a server that goes away.
import { afterEach, describe, expect, it } from 'vitest';
import { createEdition, dispatch, editionStatus, resumeEdition, type DeliveryDeps } from '../../src/delivery/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, deliveryConfig, deliveryDeps, NOW, receivedCounts } from './support.ts';

describe.each(testDialects())('delivery faults on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  const servers: TestSmtpServer[] = [];
  const mailers: DeliveryDeps['mailer'][] = [];
  afterEach(async () => {
    for (const m of mailers.splice(0)) await m.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function edition(deps: DeliveryDeps): Promise<number> {
    mailers.push(deps.mailer);
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error(`no edition: ${created.status}`);
    return created.editionId;
  }

  it('delivers everything after retries when a tenth of RCPT TO are answered 451', async () => {
    const { store, varDir } = db();
    let calls = 0;
    const smtp = await startSmtpServer({ onRcptTo: () => (++calls % 10 === 0 ? 451 : undefined) });
    servers.push(smtp);
    await addSubscribers(store, 80);
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const editionId = await edition(deps);

    const result = await dispatch(deps, { workerId: 'w1', waitForRetries: true });
    expect(result.retried).toBeGreaterThanOrEqual(8);
    expect(result).toMatchObject({ sent: 80, failed: 0, completed: [editionId] });
    expect(smtp.rcpt.filter((r) => r.code === 451).length).toBe(result.retried);
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(80);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const retried = await store.db
      .selectFrom('deliveries')
      .select(['attempts', 'last_error'])
      .where('attempts', '>', 1)
      .execute();
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((r) => r.last_error === null)).toBe(true);
  });

  it('marks addresses refused with 550 failed with the reply, and delivers the rest', async () => {
    const { store, varDir } = db();
    const refused = new Set(['reader3@example.org', 'reader7@example.org', 'reader20@example.org']);
    const smtp = await startSmtpServer({ onRcptTo: (address) => (refused.has(address) ? 550 : undefined) });
    servers.push(smtp);
    await addSubscribers(store, 30);
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const editionId = await edition(deps);

    const result = await dispatch(deps, { workerId: 'w1', waitForRetries: true });
    expect(result).toMatchObject({ sent: 27, failed: 3, retried: 0, completed: [editionId] });
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(27);
    for (const address of refused) expect(counts.has(address)).toBe(false);

    const [report] = await editionStatus(deps, editionId);
    expect(report!.state).toBe('sent');
    expect(report!.counts).toMatchObject({ sent: 27, failed: 3 });
    expect(report!.failures.map((f) => f.email).sort()).toEqual([...refused].sort());
    for (const failure of report!.failures) {
      expect(failure).toMatchObject({ status: 'failed', responseCode: 550, attempts: 1 });
      expect(failure.error).toContain('550');
      expect(failure.error).toContain('Mailbox unavailable');
    }
  });

  it('tries again, and delivers once, a message whose connection dropped mid-DATA', async () => {
    const { store, varDir } = db();
    let dropped = 0;
    const smtp = await startSmtpServer({
      onData: ({ to }) => (to.includes('reader5@example.org') && dropped++ === 0 ? 'drop' : undefined),
    });
    servers.push(smtp);
    const ids = await addSubscribers(store, 12);
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const editionId = await edition(deps);

    const result = await dispatch(deps, { workerId: 'w1', waitForRetries: true });
    expect(dropped).toBe(2);
    expect(result).toMatchObject({ sent: 12, failed: 0, completed: [editionId] });
    expect(result.retried).toBeGreaterThanOrEqual(1);
    expect(receivedCounts(smtp.messages).get('reader5@example.org')).toBe(1);
    expect(smtp.messages.length).toBe(12);
    const row = await store.db
      .selectFrom('deliveries')
      .select(['status', 'attempts'])
      .where('subscriber_id', '=', ids[4]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', attempts: 2 });
  });

  it('pauses the edition when the server is down, and a resume completes it once the server is back', async () => {
    const { store, varDir } = db();
    const first = await startSmtpServer();
    const port = first.port;
    await first.close();
    await addSubscribers(store, 40);
    const deps = deliveryDeps({
      store,
      varDir,
      smtpUrl: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
      config: deliveryConfig({ pause_after_failures: 5 }),
    });
    const editionId = await edition(deps);

    const down = await dispatch(deps, { workerId: 'w1', waitForRetries: true });
    expect(down).toMatchObject({ sent: 0, failed: 0, paused: [editionId], completed: [] });
    const [paused] = await editionStatus(deps, editionId);
    expect(paused!.state).toBe('paused');
    expect(paused!.pausedReason).toMatch(/^5 failures in a row; last: .*ECONNREFUSED/);
    expect(paused!.counts.sending).toBe(0);
    expect(paused!.counts.sent).toBe(0);
    expect(paused!.counts.pending + paused!.counts.retry).toBe(40);
    // a paused edition is left alone by dispatchers
    expect(await dispatch(deps, { workerId: 'w2' })).toMatchObject({ sent: 0, retried: 0 });

    const smtp = await startSmtpServer({ port });
    servers.push(smtp);
    expect(await resumeEdition(deps, {})).toEqual({ editionId, requeued: 0 });
    const resumed = await dispatch(deps, { workerId: 'w1', waitForRetries: true });
    expect(resumed).toMatchObject({ sent: 40, failed: 0, completed: [editionId] });
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [done] = await editionStatus(deps, editionId);
    expect(done).toMatchObject({ state: 'sent', pausedReason: null, counts: { sent: 40 } });
  });
});
