// An edition sent over a real SMTP server: one message per active subscriber, every header, a working unsubscribe link.
import { afterEach, describe, expect, it } from 'vitest';
import { createEdition, dispatch, editionStatus } from '../../src/delivery/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { createApp } from '../../src/server/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, deliveryDeps, NOW, receivedCounts, SECRET } from './support.ts';

describe.each(testDialects())('sending an edition on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it(`sends every active subscriber exactly one multipart \
message with every header, and none to the others`, async () => {
    const { store, varDir } = db();
    smtp = await startSmtpServer();
    const active = await addSubscribers(store, 60, 'active');
    await addSubscribers(store, 5, 'pending', 'pending');
    await addSubscribers(store, 5, 'unsubscribed', 'gone');
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });

    const created = await createEdition(deps, { now: NOW, slot: '2021-10-04T09:00+06:00' });
    expect(created).toMatchObject({
      status: 'created',
      recipients: 60,
      items: 2,
      subject: 'CARICC News: 2 new items, week of 4 October 2021',
    });
    if (created.status !== 'created') throw new Error('no edition');

    const result = await dispatch(deps, { workerId: 'w1' });
    await deps.mailer.close();
    expect(result).toMatchObject({ sent: 60, failed: 0, completed: [created.editionId], aborted: false });

    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].every((a) => /^reader\d+@example\.org$/.test(a))).toBe(true);

    const [report] = await editionStatus(deps, created.editionId);
    expect(report).toMatchObject({
      state: 'sent',
      recipients: 60,
      counts: { sent: 60, pending: 0, sending: 0, failed: 0, retry: 0, uncertain: 0 },
    });
    expect(report!.startedAt).not.toBeNull();
    expect(report!.completedAt).not.toBeNull();

    const message = smtp.messages.find((m) => m.to[0] === 'reader1@example.org')!;
    const mail = message.parsed;
    expect(mail.from?.value[0]).toEqual({ name: 'CARICC News', address: 'news@caricc.org' });
    expect(mail.replyTo?.value[0]?.address).toBe('press@caricc.org');
    expect(mail.subject).toBe('CARICC News: 2 new items, week of 4 October 2021');
    // Date is when the message was handed over, not the edition's; the Message-ID is opaque, and the ledger's
    expect(mail.date!.getTime()).toBeGreaterThan(NOW.getTime());
    expect(mail.messageId).toMatch(/^<[a-z2-7]{32}@caricc\.org>$/);
    const ledgerRow = await store.db
      .selectFrom('deliveries')
      .select('message_id')
      .where('edition_id', '=', created.editionId)
      .where('subscriber_id', '=', active[0]!)
      .executeTakeFirstOrThrow();
    expect(mail.messageId).toBe(`<${ledgerRow.message_id}>`);
    const header = (name: string): string | undefined =>
      new RegExp(`^${name}:[ \t]*(.*(?:\r\n[ \t].+)*)`, 'mi')
        .exec(String(message.raw))?.[1]
        ?.replace(/\r\n[ \t]+/g, ' ')
        .trim();
    expect(header('List-Id')).toBe('CARICC News <caricc.org>');
    const unsubscribe = header('List-Unsubscribe')!;
    const https = /<(https:\/\/caricc\.org\/unsubscribe\?token=[A-Za-z0-9_-]+)>/.exec(unsubscribe)?.[1];
    expect(https).toBeDefined();
    expect(unsubscribe).toMatch(/<mailto:press@caricc\.org\?subject=[^>]+>/);
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(String(message.raw)).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(mail.text).toContain('Hello Reader 1,');
    expect(mail.text).toContain(https!);
    expect(mail.html).toContain('CARICC Director meets the Minister of Internal Affairs of Kazakhstan');
    expect(mail.html).toContain(https!.replace(/&/g, '&amp;'));

    // the link in the message unsubscribes its reader through the real application (RFC 8058 one-click POST)
    const subscriptions = createSubscriptionService({
      store,
      mailer: deps.mailer,
      site: { title: 'CARICC News', url: 'https://caricc.org/' },
      from: deps.config.digest.from,
      secret: SECRET,
    });
    const app = createApp({ publicDir: varDir, site: { title: 'CARICC News', language: 'en' }, subscriptions });
    const url = new URL(https!);
    const response = await app.request(`${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    const row = await store.db
      .selectFrom('subscribers')
      .select('state')
      .where('id', '=', active[0]!)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('unsubscribed');
    const other = await store.db
      .selectFrom('subscribers')
      .select('state')
      .where('id', '=', active[1]!)
      .executeTakeFirstOrThrow();
    expect(other.state).toBe('active');
  });
});
