// A reader whose address has a local part outside ASCII, through the ledger, to a server without SMTPUTF8:
// that row fails for good with a reason that says so, and the edition goes on to everyone else.
import { afterEach, describe, expect, it } from 'vitest';
import { createEdition, dispatch, editionStatus } from '../../src/delivery/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startUtf8Server, type Utf8Server } from '../mail/utf8-server.ts';
import { addSubscribers, deliveryDeps, NOW } from './support.ts';

describe.each(testDialects())('an address that needs SMTPUTF8 on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let smtp: Utf8Server | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('fails permanently, naming SMTPUTF8, when the server does not offer it; the others are sent', async () => {
    const { store, varDir } = db();
    smtp = await startUtf8Server({ hideSMTPUTF8: true });
    await addSubscribers(store, 3, 'active');
    const [utf8] = await addSubscribers(store, 1, 'active', 'чтец');
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const created = await createEdition(deps, { now: NOW, slot: '2021-10-04T09:00+06:00' });
    if (created.status !== 'created') throw new Error('no edition');

    const result = await dispatch(deps, { workerId: 'w1' });
    await deps.mailer.close();
    expect(result).toMatchObject({ sent: 3, failed: 1, completed: [created.editionId] });
    const [report] = await editionStatus(deps, created.editionId);
    expect(report!.counts).toMatchObject({ sent: 3, failed: 1, retry: 0, pending: 0 });
    expect(report!.failures).toEqual([
      expect.objectContaining({
        subscriberId: utf8,
        error: expect.stringMatching(/чтец1@example\.org: .*needs SMTPUTF8, which the mail server does not offer/),
      }),
    ]);
    expect(smtp.received).toHaveLength(3);
  });

  it('is sent with SMTPUTF8 when the server offers it', async () => {
    const { store, varDir } = db();
    smtp = await startUtf8Server({ hideSMTPUTF8: false });
    await addSubscribers(store, 1, 'active', 'чтец');
    const deps = deliveryDeps({ store, varDir, smtpUrl: smtp.url });
    const created = await createEdition(deps, { now: NOW, slot: '2021-10-04T09:00+06:00' });
    if (created.status !== 'created') throw new Error('no edition');
    expect(await dispatch(deps, { workerId: 'w1' })).toMatchObject({ sent: 1, failed: 0 });
    await deps.mailer.close();
    expect(smtp.received[0]).toMatchObject({ smtpUtf8: true });
    expect(smtp.received[0]!.commands[1]).toBe('RCPT TO:<чтец1@example.org>');
  });
});
