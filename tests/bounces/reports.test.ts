// Real-format bounce and complaint reports from real MTAs, read through mailparser: each names the right recipient,
// the original message it quotes, and the right class; and the classifier's rules one by one.
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mailparser.ts';
import { classifyReply, classifyStatus, decide, readReport } from '../../src/bounces/index.ts';
import { fixture } from './support.ts';

describe('bounce reports from real MTAs', () => {
  it.each([
    ['postfix-user-unknown.eml', '5.1.1', 'hard'],
    ['postfix-mailbox-full.eml', '4.2.2', 'soft'],
    ['exim-user-unknown.eml', '5.0.0', 'hard'],
    ['exchange-recipient-not-found.eml', '5.1.10', 'hard'],
    ['gmail-no-such-user.eml', '5.1.1', 'hard'],
  ])('%s: the recipient, the quoted Message-ID, status %s, a %s bounce', async (name, status, expected) => {
    const report = await readReport(await parseMail(await fixture(name)));
    if (report.kind !== 'dsn') throw new Error(`not read as a DSN: ${report.kind}`);
    expect(report.recipients).toHaveLength(1);
    const [r] = report.recipients;
    expect(r).toMatchObject({ recipient: 'reader7@example.org', action: 'failed', status });
    expect(report.original.messageId).toBe('<k7m2q9x4c1@caricc.org>');
    expect(classifyStatus(r!.status, r!.diagnostic)).toBe(expected);
  });

  it('reads an ARF complaint: its type, the complainer, the original message and its envelope', async () => {
    const report = await readReport(
      await parseMail(await fixture('arf-complaint.eml', { ENVELOPE_FROM: 'bounces+abc@caricc.org' })),
    );
    expect(report).toEqual({
      kind: 'arf',
      feedbackType: 'abuse',
      recipient: 'reader7@example.org',
      original: { messageId: '<k7m2q9x4c1@caricc.org>', to: 'reader7@example.org' },
    });
  });

  it('reads a message that reports nothing as nothing', async () => {
    const raw = Buffer.from(
      'From: someone@example.net\r\nTo: bounces@caricc.org\r\nSubject: Hi\r\n\r\nOut of office.\r\n',
    );
    expect((await readReport(await parseMail(raw))).kind).toBe('other');
  });
});

describe('the classifier', () => {
  it('takes the most specific code: a generic 5.0.0 defers to the diagnostic', () => {
    expect(classifyStatus('5.0.0', '550 5.1.1 <x@y>: user unknown')).toBe('hard');
    expect(classifyStatus('5.0.0', '552 5.2.2 mailbox full')).toBe('soft');
    expect(classifyStatus('5.0.0', undefined)).toBe('hard');
  });

  it('calls policy, spam and size refusals soft: they are about the message, not the address', () => {
    expect(classifyStatus('5.7.1', '550 5.7.1 Message rejected as spam')).toBe('soft');
    expect(classifyStatus('5.3.4', undefined)).toBe('soft');
    expect(classifyStatus('4.4.7', 'delivery time expired')).toBe('soft');
    expect(classifyStatus(undefined, '550 Requested action not taken: mailbox unavailable')).toBe('hard');
    expect(classifyStatus(undefined, 'no code at all')).toBeUndefined();
  });

  it('treats a synchronous 5.1.x or 5.2.1 refusal at RCPT as hard', () => {
    expect(classifyReply(550, '550 5.1.1 <reader2@example.org>: Recipient address rejected')).toBe('hard');
    expect(classifyReply(550, '5.2.1 mailbox disabled')).toBe('hard');
    expect(classifyReply(550, '5.7.1 rejected by policy')).toBe('soft');
    expect(classifyReply(451, '4.3.0 try again')).toBe('soft');
    expect(classifyReply(250, 'OK')).toBeUndefined();
  });

  it('decides: hard at once, soft only at the limit, complaints and unsubscribes unsubscribe', () => {
    expect(decide({ type: 'bounce', class: 'hard' }, 0, 3)).toBe('bounced');
    expect(decide({ type: 'bounce', class: 'soft' }, 2, 3)).toBe('counted');
    expect(decide({ type: 'bounce', class: 'soft' }, 3, 3)).toBe('bounced');
    expect(decide({ type: 'complaint' }, 0, 3)).toBe('unsubscribed');
    expect(decide({ type: 'unsubscribe' }, 0, 3)).toBe('unsubscribed');
  });
});
