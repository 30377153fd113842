import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMailer, type MailMessage } from '../../src/mail/index.ts';
import {
  AddressError,
  createSubscriptionService,
  TokenError,
  type SubscriptionService,
} from '../../src/subscribers/index.ts';
import { testDialects, useTestStore, type TestStore } from '../helpers/db.ts';

const SECRET = 'service-test-secret-0123456789abcdef';
const START = new Date('2026-11-30T04:00:00Z');
const DAY = 86_400_000;
const site = { title: 'CARICC News', url: 'https://caricc.org/' };

function setup(t: TestStore, mailerOverride?: { send(message: MailMessage): Promise<unknown> }) {
  let now = START;
  const outbox = path.join(t.varDir, 'outbox');
  const service = createSubscriptionService({
    store: t.store,
    mailer: mailerOverride ?? createMailer({ smtpUrl: undefined, outboxDir: outbox }),
    site,
    from: { name: 'CARICC News', address: 'news@caricc.org' },
    replyTo: 'press@caricc.org',
    secret: SECRET,
    now: () => now,
  });
  const mails = async (): Promise<ParsedMail[]> => {
    const dir = path.join(outbox, 'subscriptions');
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
    return Promise.all(files.map(async (f) => simpleParser(await readFile(path.join(dir, f)))));
  };
  const advance = (ms: number): void => {
    now = new Date(now.getTime() + ms);
  };
  return { service, mails, advance };
}

const linkIn = (mail: ParsedMail, page: string): string => {
  const match = new RegExp(`https://caricc\\.org/${page}\\?token=[A-Za-z0-9_-]+`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${page} link in:\n${mail.text}`);
  return match[0];
};
const tokenOf = (url: string): string => new URL(url).searchParams.get('token')!;
const stateOf = async (service: SubscriptionService, email: string) =>
  (await service.list({ search: email }))[0]?.state;

describe.each(testDialects())('subscription service on %s', (dialect) => {
  const t = useTestStore(dialect);

  it('subscribe → confirmation mail in the outbox → confirm → active', async () => {
    const { service, mails } = setup(t());
    await service.subscribe('  Aida@Mail.KZ ', { ip: '203.0.113.7' });
    expect(await stateOf(service, 'aida@mail.kz')).toBe('pending');

    const [mail, ...rest] = await mails();
    expect(rest).toEqual([]);
    expect(mail!.to && !Array.isArray(mail!.to) ? mail!.to.text : '').toBe('Aida@mail.kz');
    expect(mail!.subject).toBe('Confirm your subscription to CARICC News');
    expect(mail!.from?.text).toBe('"CARICC News" <news@caricc.org>');
    expect(mail!.html).toContain('Confirm my subscription');

    expect(await service.confirm(tokenOf(linkIn(mail!, 'confirm')))).toEqual({ email: 'Aida@mail.kz' });
    expect(await stateOf(service, 'aida@mail.kz')).toBe('active');
    // a second click on the same link is fine
    expect(await service.confirm(tokenOf(linkIn(mail!, 'confirm')))).toEqual({ email: 'Aida@mail.kz' });
    expect(await service.counts()).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });
  });

  it('unsubscribe link: checking changes nothing, unsubscribing is immediate and idempotent', async () => {
    const { service } = setup(t());
    const { subscriber } = await service.add('reader@example.org');
    const token = tokenOf(service.unsubscribeUrl(subscriber));
    expect(await service.checkUnsubscribeToken(token)).toEqual({ email: 'reader@example.org' });
    expect(await stateOf(service, 'reader@example.org')).toBe('active');
    expect(await service.unsubscribe(token)).toEqual({ email: 'reader@example.org' });
    expect(await stateOf(service, 'reader@example.org')).toBe('unsubscribed');
    expect(await service.unsubscribe(token)).toEqual({ email: 'reader@example.org' });
    const [row] = await service.list({ state: 'unsubscribed' });
    expect(row!.unsubscribedAt).toEqual(START);
  });

  it(`re-subscribing after unsubscribing sends a new confirmation and works; \
the old confirm link does not re-activate`, async () => {
    const { service, mails, advance } = setup(t());
    await service.subscribe('back@example.org', {});
    const first = (await mails())[0]!;
    await service.confirm(tokenOf(linkIn(first, 'confirm')));
    const subscriber = (await service.list({ search: 'back@' }))[0]!;
    await service.unsubscribe(tokenOf(service.unsubscribeUrl(subscriber)));

    // an old confirmation link must not undo an unsubscription
    await expect(service.confirm(tokenOf(linkIn(first, 'confirm')))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(await stateOf(service, 'back@example.org')).toBe('unsubscribed');

    advance(DAY);
    await service.subscribe('Back@Example.org', {});
    expect(await stateOf(service, 'back@example.org')).toBe('pending');
    const all = await mails();
    expect(all).toHaveLength(2);
    const second = all.find((m) => m.messageId !== first.messageId)!;
    await service.confirm(tokenOf(linkIn(second, 'confirm')));
    expect(await stateOf(service, 'back@example.org')).toBe('active');
    expect(await service.counts()).toMatchObject({ active: 1, unsubscribed: 0 });
  });

  it(`subscribing an active address keeps it active, answers the same, \
and mails the owner a note at most every few minutes`, async () => {
    const { service, mails, advance } = setup(t());
    await service.add('known@example.org');
    const fresh = await service.subscribe('new@example.org', {});
    const known = await service.subscribe('known@example.org', {});
    expect(known).toEqual(fresh);
    expect(await stateOf(service, 'known@example.org')).toBe('active');
    const note = (await mails()).find((m) => m.subject?.startsWith('You are already subscribed'))!;
    expect(note).toBeDefined();
    expect(linkIn(note, 'unsubscribe')).toBeTruthy();
    expect(note.text).not.toContain('/confirm?');

    // someone hammering the form: no mail storm
    await service.subscribe('known@example.org', {});
    await service.subscribe('new@example.org', {});
    expect(await mails()).toHaveLength(2);
    advance(11 * 60_000);
    await service.subscribe('new@example.org', {});
    expect(await mails()).toHaveLength(3);
  });

  it('refuses forged, altered, expired and wrong-purpose links with a TokenError', async () => {
    const { service, mails, advance } = setup(t());
    await service.subscribe('late@example.org', {});
    const confirmToken = tokenOf(linkIn((await mails())[0]!, 'confirm'));
    const subscriber = (await service.list({}))[0]!;
    const unsubscribeToken = tokenOf(service.unsubscribeUrl(subscriber));

    await expect(service.unsubscribe(confirmToken)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(service.confirm(unsubscribeToken)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const altered = confirmToken.slice(0, 20) + (confirmToken[20] === 'A' ? 'B' : 'A') + confirmToken.slice(21);
    await expect(service.confirm(altered)).rejects.toBeInstanceOf(TokenError);
    await expect(service.checkUnsubscribeToken('not-a-token')).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const other = createSubscriptionService({
      store: t().store,
      mailer: { send: async () => undefined },
      site,
      from: { name: 'x', address: 'x@example.org' },
      secret: 'another-secret-entirely-0123456789',
    });
    await expect(service.unsubscribe(tokenOf(other.unsubscribeUrl(subscriber)))).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });

    advance(7 * DAY + 1000);
    await expect(service.confirm(confirmToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await stateOf(service, 'late@example.org')).toBe('pending');
    // unsubscribe links do not expire
    advance(400 * DAY);
    await expect(service.unsubscribe(unsubscribeToken)).resolves.toEqual({ email: 'late@example.org' });
  });

  it('invalidates the links of a removed subscriber, even if the address comes back', async () => {
    const { service } = setup(t());
    const { subscriber } = await service.add('gone@example.org');
    const token = tokenOf(service.unsubscribeUrl(subscriber));
    expect(await service.remove('GONE@example.org')).toBe(true);
    expect(await service.remove('gone@example.org')).toBe(false);
    await expect(service.checkUnsubscribeToken(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const back = await service.add('gone@example.org');
    expect(back.created).toBe(true);
    await expect(service.checkUnsubscribeToken(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(await service.checkUnsubscribeToken(tokenOf(service.unsubscribeUrl(back.subscriber)))).toEqual({
      email: 'gone@example.org',
    });
  });

  it('refuses an invalid address with an AddressError and stores nothing', async () => {
    const { service, mails } = setup(t());
    await expect(service.subscribe('not an address', {})).rejects.toBeInstanceOf(AddressError);
    expect(await service.counts()).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
    expect(await mails()).toEqual([]);
  });

  it('lets the reader ask again at once when the confirmation could not be sent', async () => {
    let fail = true;
    const sent: MailMessage[] = [];
    const { service } = setup(t(), {
      async send(message) {
        if (fail) throw new Error('SMTP down');
        sent.push(message);
      },
    });
    await expect(service.subscribe('retry@example.org', {})).rejects.toThrow('SMTP down');
    fail = false;
    await service.subscribe('retry@example.org', {});
    expect(sent.map((m) => m.to)).toEqual(['retry@example.org']);
    expect(sent[0]!.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
  });

  it('lists with search, state, limit and offset; operators add with a name and change state', async () => {
    const { service } = setup(t());
    await service.add('a.one@example.org', { name: 'Aigerim Omarova' });
    await service.add('b.two@example.org', { state: 'pending' });
    await service.add('c_three@example.org');
    expect((await service.list({ search: 'OMAROVA' })).map((s) => s.email)).toEqual(['a.one@example.org']);
    // % and _ are taken literally
    expect((await service.list({ search: 'c_t' })).map((s) => s.email)).toEqual(['c_three@example.org']);
    expect((await service.list({ search: '%' })).map((s) => s.email)).toEqual([]);
    expect((await service.list({ state: 'pending' })).map((s) => s.email)).toEqual(['b.two@example.org']);
    expect((await service.list({ limit: 1, offset: 1 })).map((s) => s.email)).toEqual(['b.two@example.org']);
    const again = await service.add('B.TWO@example.org', { state: 'active', name: 'Bolat' });
    expect(again.created).toBe(false);
    expect(again.subscriber).toMatchObject({ email: 'b.two@example.org', state: 'active', name: 'Bolat' });
  });
});
