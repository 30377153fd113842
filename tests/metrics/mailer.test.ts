// Message outcomes counted by reply class, through a real mailer talking to a real SMTP server.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Counter, createRegistry, type Registry } from '../../src/adapters/prom-client.ts';
import { createMailer, type Mailer, type MailMessage } from '../../src/mail/index.ts';
import { countingMailer } from '../../src/metrics/mailer.ts';
import { parseScrape } from '../helpers/prometheus.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';

function message(to: string): MailMessage {
  return {
    from: { name: 'CARICC News', address: 'news@caricc.org' },
    to,
    subject: 'CARICC News',
    text: 'Plain text',
    messageId: `m.${to.split('@')[0]}@caricc.org`,
    headers: {},
  };
}

describe('countingMailer', () => {
  let server: TestSmtpServer;
  let registry: Registry;
  let counter: Counter<'kind' | 'reply_class'>;
  let mailer: Mailer;
  beforeEach(async () => {
    server = await startSmtpServer({
      onRcptTo: (address) => ({ 'later@example.org': 451, 'gone@example.org': 550 })[address],
    });
    registry = createRegistry({ processMetrics: false });
    counter = new Counter({ name: 'm_total', help: 'h', labelNames: ['kind', 'reply_class'], registers: [registry] });
    mailer = countingMailer(createMailer({ smtpUrl: server.url, outboxDir: '/nonexistent' }), counter);
  });
  afterEach(async () => {
    await mailer.close();
    await server.close();
  });
  const counts = async (kind: string) => parseScrape(await registry.metrics()).by('m_total', 'reply_class', { kind });

  it('counts accepted, deferred and refused messages by kind and reply class, and changes no outcome', async () => {
    await mailer.send(message('a@example.org'), { folder: 'edition-3' });
    await mailer.send(message('b@example.org'), { folder: 'edition-3' });
    await expect(mailer.send(message('later@example.org'), { folder: 'edition-3' })).rejects.toMatchObject({
      code: 'SMTP_DEFERRED',
      responseCode: 451,
    });
    await expect(mailer.send(message('gone@example.org'), { folder: 'edition-3' })).rejects.toMatchObject({
      code: 'SMTP_REJECTED',
      responseCode: 550,
    });
    await mailer.send(message('editor@example.org'), { folder: 'test' });
    await mailer.send(message('new@example.org'), { folder: 'subscriptions' });
    expect(await counts('digest')).toEqual({ '2xx': 2, '4xx': 1, '5xx': 1 });
    expect(await counts('test')).toEqual({ '2xx': 1 });
    expect(await counts('confirmation')).toEqual({ '2xx': 1 });
    expect(server.messages.map((m) => m.to[0])).toEqual([
      'a@example.org',
      'b@example.org',
      'editor@example.org',
      'new@example.org',
    ]);
  });

  it('counts a server that cannot be reached as network', async () => {
    const closed = await startSmtpServer();
    await closed.close();
    const unreachable = countingMailer(createMailer({ smtpUrl: closed.url, outboxDir: '/nonexistent' }), counter);
    try {
      await expect(unreachable.send(message('a@example.org'), { folder: 'edition-1' })).rejects.toMatchObject({
        code: 'SMTP_UNAVAILABLE',
      });
      expect(await counts('digest')).toEqual({ network: 1 });
    } finally {
      await unreachable.close();
    }
  });

  it('does not count a message withdrawn before its end (its ledger mark was refused)', async () => {
    const template = await mailer.compile!({
      from: { name: 'CARICC News', address: 'news@caricc.org' },
      subject: 'Held',
      text: { parts: ['Hello ', '\n'], slots: ['name'] },
      html: { parts: ['<p>Hello ', '</p>'], slots: ['name'] },
      headers: {},
      recipientHeaders: [],
    });
    const raw = (to: string) => {
      const messageId = `e1.${to.split('@')[0]}@caricc.org`;
      const values = { to, messageId, headers: {}, text: { name: to }, html: { name: to } };
      return { from: 'news@caricc.org', to, messageId, raw: template.render(values)! };
    };
    const withdrawn = mailer.sendRaw!(raw('taken@example.org'), {
      folder: 'edition-1',
      ready: Promise.reject(new Error('the row was taken away')),
    });
    await expect(withdrawn).rejects.toThrow('the row was taken away');
    await mailer.sendRaw!(raw('sent@example.org'), { folder: 'edition-1', ready: Promise.resolve() });
    expect(await counts('digest')).toEqual({ '2xx': 1 });
    expect(server.messages.map((m) => m.to[0])).toEqual(['sent@example.org']);
  });

  it('counts .eml files written to the outbox as outbox', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-outbox-'));
    const outbox = countingMailer(createMailer({ smtpUrl: undefined, outboxDir: dir }), counter);
    try {
      await outbox.send(message('a@example.org'), { folder: 'edition-2' });
      expect(await counts('digest')).toEqual({ outbox: 1 });
    } finally {
      await outbox.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
