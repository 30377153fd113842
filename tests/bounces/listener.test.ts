// The return path's SMTP listener as a sender on the internet meets it: it takes mail for its own addresses only,
// refuses a message over its size limit, and a client over its rate limit.
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { startReturnPathListener } from '../../src/bounces/listener.ts';
import type { InboundSmtpServer } from '../../src/adapters/smtp-server.ts';
import { useTestStore } from '../helpers/db.ts';
import { deliveryConfig, NOW } from '../delivery/support.ts';

describe('the return path listener', () => {
  const db = useTestStore('sqlite');
  let listener: InboundSmtpServer | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  async function start(limits: { maxBytes?: number; perMinute?: number }) {
    const base = deliveryConfig();
    const config = { ...base, digest: { ...base.digest, bounceAddress: 'bounces@caricc.org' } };
    const deps = { store: db().store, config, logger: silentLogger(), now: () => NOW, secret: 'listener-secret' };
    listener = await startReturnPathListener({ deps, port: 0, host: '127.0.0.1', ...limits });
    return nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  }
  const raw = (size: number) => Buffer.from(`Subject: x\r\n\r\n${'y'.repeat(size)}\r\n`);

  it('refuses a message over its size limit, and takes one under it', async () => {
    const client = await start({ maxBytes: 10_000 });
    try {
      await expect(
        client.sendMail({ envelope: { from: '', to: ['bounces@caricc.org'] }, raw: raw(20_000) }),
      ).rejects.toThrow(/552|size/i);
      await client.sendMail({ envelope: { from: '', to: ['bounces@caricc.org'] }, raw: raw(1_000) });
    } finally {
      client.close();
    }
  });

  it('refuses a client past its connections a minute, with a temporary code', async () => {
    const send = async () => {
      const client = nodemailer.createTransport({
        host: '127.0.0.1',
        port: listener!.port,
        secure: false,
        ignoreTLS: true,
      });
      try {
        return await client.sendMail({ envelope: { from: '', to: ['bounces@caricc.org'] }, raw: raw(10) });
      } finally {
        client.close();
      }
    };
    (await start({ perMinute: 3 })).close();
    for (let i = 0; i < 3; i++) await send();
    await expect(send()).rejects.toThrow(/421/);
  });
});
