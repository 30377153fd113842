// Provider webhooks over HTTP on a real store: each signed the way its provider documents (SNS with a test RSA
// key and a self-signed certificate, SendGrid with a P-256 key, Mailgun's HMAC, Postmark's basic auth) changes the
// subscriber through the return path's policy; a forged, tampered, replayed or unsigned one gets 401 and changes
// nothing.
import { createHmac, createSign, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { mailEventsPort } from '../../src/cli/operators.ts';
import type { HooksOptions, HttpGet } from '../../src/server/hooks/index.ts';
import type { Store } from '../../src/store/index.ts';
import { subscriberKey } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { sampleConfig } from '../newsletter/factory.ts';
import { appFor, fixturePublic } from './support.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const SUBSCRIBE_URL =
  'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=' +
  `${encodeURIComponent(TOPIC)}&Token=2336412f37fb687f5d51e6e2425c464de12884e`;
const MAILGUN_KEY = 'key-mailgun-test-signing-0123456789';
const POSTMARK_AUTH = 'gazette:postmark-hook-password';

interface RsaIdentity {
  key: string;
  cert: string;
}

let tmp: string;
/** SNS's signing identity, as the test's certificate URL serves it. */
let sns: RsaIdentity;
/** Someone else's key and self-signed certificate. */
let attacker: RsaIdentity;
let sendgrid: { privateKey: KeyObject; publicKey: string };
let otherSendgrid: { privateKey: KeyObject };
/** The tests' clock: fixed, just after the certificates were made (their validity starts then). */
let clock: number;

function rsaIdentity(name: string): RsaIdentity {
  const key = path.join(tmp, `${name}.key`);
  const cert = path.join(tmp, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '3',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gazette-hooks-'));
  sns = rsaIdentity('sns.amazonaws.com');
  attacker = rsaIdentity('attacker.example');
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  sendgrid = {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
  otherSendgrid = { privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey };
  clock = Date.now() + 60_000;
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---- signing as each provider does, written from its documentation -------------------------------------------

/** SNS's canonical string (Notification; SubscriptionConfirmation) and its signature. */
function snsSigned(message: Record<string, string>, identity: RsaIdentity, version: '1' | '2' = '1') {
  const fields =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields
    .filter((f) => message[f] !== undefined)
    .map((f) => `${f}\n${message[f]}\n`)
    .join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text)
    .sign(identity.key, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature, SigningCertURL: CERT_URL };
}

let messageCounter = 0;

function snsNotification(notification: unknown, extra: Record<string, string> = {}): Record<string, string> {
  messageCounter++;
  return {
    Type: 'Notification',
    MessageId: `22b80b92-fdea-4c2c-8f9d-bdfb0c7bf3${String(messageCounter).padStart(2, '0')}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(notification),
    Timestamp: new Date(clock).toISOString(),
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
    ...extra,
  };
}

const sesMail = (to: string) => ({
  timestamp: '2026-11-30T04:00:00.000Z',
  source: 'news@caricc.org',
  sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/caricc.org',
  messageId: '0102018f3c8d1a2b-3c4d5e6f-7a8b-4c9d-a0b1-c2d3e4f5a6b7-000000',
  destination: [to],
  headersTruncated: false,
  headers: [
    { name: 'From', value: 'CARICC News <news@caricc.org>' },
    { name: 'Message-ID', value: '<k7m2q9x4c1@caricc.org>' },
  ],
});

const sesBounce = (to: string, bounceType = 'Permanent') => ({
  notificationType: 'Bounce',
  bounce: {
    feedbackId: '0102018f3c8d1a2b-feedback-000000',
    bounceType,
    bounceSubType: 'General',
    bouncedRecipients: [
      { emailAddress: to, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
    ],
    timestamp: '2026-11-30T04:00:05.000Z',
    reportingMTA: 'dsn; a8-30.smtp-out.amazonses.com',
  },
  mail: sesMail(to),
});

const sesComplaint = (to: string) => ({
  notificationType: 'Complaint',
  complaint: {
    userAgent: 'ExampleCorp Feedback Loop (V0.01)',
    complainedRecipients: [{ emailAddress: to }],
    complaintFeedbackType: 'abuse',
    arrivalDate: '2026-11-30T04:10:00.000Z',
    timestamp: '2026-11-30T04:10:01.000Z',
    feedbackId: '0102018f3c8d1a2b-complaint-000000',
  },
  mail: sesMail(to),
});

function sendgridHeaders(body: string, key: KeyObject = sendgrid.privateKey, at = clock): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  return {
    'content-type': 'application/json',
    'x-twilio-email-event-webhook-timestamp': timestamp,
    'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(timestamp + body), key).toString('base64'),
  };
}

const sendgridBounce = (email: string) => ({
  email,
  timestamp: Math.floor(clock / 1000),
  'smtp-id': '<k7m2q9x4c1@caricc.org>',
  event: 'bounce',
  type: 'bounce',
  status: '5.0.0',
  reason: '550 5.1.1 The email account that you tried to reach does not exist.',
  sg_event_id: 'ZGVsaXZlcmVkLTAtMjQ1NzQ0NjUtOA',
  sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
});

function mailgunBody(eventData: Record<string, unknown>, options: { key?: string; at?: number; token?: string } = {}) {
  const timestamp = String(Math.floor((options.at ?? clock) / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', options.key ?? MAILGUN_KEY)
    .update(timestamp + token)
    .digest('hex');
  return { signature: { timestamp, token, signature }, 'event-data': eventData };
}

const mailgunFailed = (recipient: string, severity = 'permanent') => ({
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: clock / 1000,
  event: 'failed',
  severity,
  reason: 'bounce',
  recipient,
  message: { headers: { 'message-id': 'k7m2q9x4c1@caricc.org', from: 'news@caricc.org', to: recipient } },
  'delivery-status': {
    code: severity === 'permanent' ? 550 : 452,
    message: severity === 'permanent' ? '5.1.1 No such user' : '4.2.2 Mailbox full',
    description: '',
    'attempt-no': 1,
  },
});

const postmarkBounce = (email: string, type = 'HardBounce') => ({
  RecordType: 'Bounce',
  ID: 4323372036,
  Type: type,
  TypeCode: type === 'HardBounce' ? 1 : 4096,
  Name: 'Hard bounce',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  MessageStream: 'outbound',
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: email,
  From: 'news@caricc.org',
  BouncedAt: '2026-11-30T04:00:05Z',
  Inactive: true,
  CanActivate: true,
  Subject: 'CARICC News: this week',
});

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

// ---- the app over a real store ------------------------------------------------------------------------------

/** As the Node listener passes a request: with the socket's address. */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

const post = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', headers, body });

async function addReaders(store: Store, ...emails: string[]): Promise<void> {
  const at = clock - 86_400_000;
  await store.db
    .insertInto('subscribers')
    .values(
      emails.map((email) => ({
        email,
        email_key: subscriberKey(email),
        state: 'active' as const,
        name: null,
        source: 'import',
        created_at: at,
        updated_at: at,
        confirmed_at: at,
        unsubscribed_at: null,
        notified_at: null,
      })),
    )
    .execute();
}

async function stateOf(store: Store, email: string): Promise<string> {
  const row = await store.db
    .selectFrom('subscribers')
    .select('state')
    .where('email_key', '=', subscriberKey(email))
    .executeTakeFirstOrThrow();
  return row.state;
}

async function events(store: Store) {
  return store.db.selectFrom('mail_events').selectAll().orderBy('id').execute();
}

async function suppressions(store: Store) {
  return store.db.selectFrom('suppressions').select(['email_key', 'reason']).orderBy('email_key').execute();
}

describe.each(testDialects())('provider webhooks on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);

  async function setup(hooks: Partial<HooksOptions> = {}) {
    const { store } = db();
    await addReaders(store, 'reader1@example.org', 'reader2@example.org');
    const fetched: string[] = [];
    const httpGet: HttpGet = async (url) => {
      fetched.push(url.href);
      if (url.href === CERT_URL) return { status: 200, body: sns.cert };
      if (url.href === SUBSCRIBE_URL) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
      return { status: 404, body: 'not found' };
    };
    const mailEvents = mailEventsPort({
      store,
      config: sampleConfig(),
      logger: silentLogger(),
      now: () => new Date(clock),
      secret: 'hooks-test-secret',
    });
    const app = appFor(fixturePublic, {
      mailEvents,
      now: () => clock,
      hooks: {
        ses: { topicArns: [TOPIC] },
        sendgrid: { publicKey: sendgrid.publicKey },
        mailgun: { signingKey: MAILGUN_KEY },
        postmark: { auth: POSTMARK_AUTH },
        httpGet,
        ...hooks,
      },
    });
    const hook = (name: string, body: string, headers: Record<string, string> = {}) =>
      app.request(`/hooks/${name}`, post(body, headers), from('203.0.113.7'));
    /** Nothing changed: both readers active, no event stored, nobody suppressed. */
    const unchanged = async () => {
      expect(await stateOf(store, 'reader1@example.org')).toBe('active');
      expect(await stateOf(store, 'reader2@example.org')).toBe('active');
      expect(await events(store)).toEqual([]);
      expect(await suppressions(store)).toEqual([]);
    };
    return { store, app, hook, fetched, unchanged };
  }

  const ses = (body: unknown) => ({ 'content-type': 'text/plain; charset=UTF-8', ...sesType(body) });
  const sesType = (body: unknown): Record<string, string> => {
    const type = (body as { Type?: unknown }).Type;
    return typeof type === 'string' ? { 'x-amz-sns-message-type': type } : {};
  };

  describe('SES through SNS', () => {
    it('takes a signed hard bounce: the reader is bounced and suppressed, the event kept with its body', async () => {
      const { store, hook, fetched } = await setup();
      const message = snsSigned(snsNotification(sesBounce('reader1@example.org')), sns);
      const body = JSON.stringify(message);
      const res = await hook('ses', body, ses(message));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, recorded: 1 });
      expect(await stateOf(store, 'reader1@example.org')).toBe('bounced');
      expect(await stateOf(store, 'reader2@example.org')).toBe('active');
      const [event, ...more] = await events(store);
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        type: 'bounce',
        class: 'hard',
        email: 'reader1@example.org',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 user unknown',
        source: 'ses',
        action: 'bounced',
        raw: body,
      });
      expect(await suppressions(store)).toEqual([{ email_key: 'reader1@example.org', reason: 'hard bounce' }]);
      expect(fetched).toEqual([CERT_URL]);
    });

    it('takes a complaint signed with SignatureVersion 2: the reader is unsubscribed and suppressed', async () => {
      const { store, hook } = await setup();
      const message = snsSigned(snsNotification(sesComplaint('reader2@example.org')), sns, '2');
      const res = await hook('ses', JSON.stringify(message), ses(message));
      expect(res.status).toBe(200);
      expect(await stateOf(store, 'reader2@example.org')).toBe('unsubscribed');
      expect(await events(store)).toMatchObject([{ type: 'complaint', source: 'ses', action: 'unsubscribed' }]);
      expect(await suppressions(store)).toEqual([{ email_key: 'reader2@example.org', reason: 'complaint' }]);
    });

    it('counts a transient bounce as soft, fetches the certificate once and records a message id once', async () => {
      const { store, hook, fetched } = await setup();
      const first = snsSigned(snsNotification(sesBounce('reader1@example.org', 'Transient')), sns);
      const second = snsSigned(snsNotification(sesBounce('reader2@example.org', 'Undetermined')), sns);
      for (const m of [first, second, first]) expect((await hook('ses', JSON.stringify(m), ses(m))).status).toBe(200);
      expect((await events(store)).map((e) => [e.email, e.class, e.action])).toEqual([
        ['reader1@example.org', 'soft', 'counted'],
        ['reader2@example.org', 'soft', 'counted'],
      ]);
      expect(await stateOf(store, 'reader1@example.org')).toBe('active');
      expect(fetched).toEqual([CERT_URL]);
    });

    it('refuses, with 401, a message signed with another key, a tampered one and an unsigned one', async () => {
      const { hook, unchanged } = await setup();
      const forged = snsSigned(snsNotification(sesBounce('reader1@example.org')), attacker);
      const genuine = snsSigned(snsNotification(sesBounce('reader2@example.org')), sns);
      const tampered = { ...genuine, Message: JSON.stringify(sesBounce('reader1@example.org')) };
      const { Signature: _s, SignatureVersion: _v, ...unsigned } = genuine;
      const badVersion = { ...genuine, SignatureVersion: '3' };
      for (const m of [forged, tampered, unsigned, badVersion]) {
        const res = await hook('ses', JSON.stringify(m), ses(m));
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      }
      expect((await hook('ses', 'not json at all', {})).status).toBe(401);
      await unchanged();
    });

    it('never fetches a certificate from a host other than sns.<region>.amazonaws.com, nor over http', async () => {
      const { hook, fetched, unchanged } = await setup();
      for (const url of [
        'https://attacker.example/SimpleNotificationService-0123.pem',
        'https://sns.eu-west-1.amazonaws.com.attacker.example/cert.pem',
        'https://attacker.example/sns.eu-west-1.amazonaws.com/cert.pem',
        'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123.pem',
        'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-0123.pem',
        'https://user@sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123.pem',
      ]) {
        const m = { ...snsSigned(snsNotification(sesBounce('reader1@example.org')), attacker), SigningCertURL: url };
        expect((await hook('ses', JSON.stringify(m), ses(m))).status).toBe(401);
      }
      expect(fetched).toEqual([]);
      await unchanged();
    });

    it('refuses, with 403, a signed message of a topic not configured, before fetching anything', async () => {
      const { hook, fetched, unchanged } = await setup();
      const other = 'arn:aws:sns:eu-west-1:999999999999:someone-elses-topic';
      const m = snsSigned(snsNotification(sesBounce('reader1@example.org'), { TopicArn: other }), sns);
      expect((await hook('ses', JSON.stringify(m), ses(m))).status).toBe(403);
      expect(fetched).toEqual([]);
      await unchanged();
    });

    it('confirms a signed SubscriptionConfirmation by a GET of its SubscribeURL via the injected client', async () => {
      const { hook, fetched, unchanged } = await setup();
      const confirmation = {
        Type: 'SubscriptionConfirmation',
        MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
        Token: '2336412f37fb687f5d51e6e2425c464de12884e',
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the URL.`,
        SubscribeURL: SUBSCRIBE_URL,
        Timestamp: new Date(clock).toISOString(),
      };
      const forged = snsSigned(confirmation, attacker);
      expect((await hook('ses', JSON.stringify(forged), ses(forged))).status).toBe(401);
      const elsewhere = snsSigned({ ...confirmation, SubscribeURL: 'https://attacker.example/?Action=Confirm' }, sns);
      expect((await hook('ses', JSON.stringify(elsewhere), ses(elsewhere))).status).toBe(401);
      expect(fetched).not.toContain(SUBSCRIBE_URL);

      const signed = snsSigned(confirmation, sns);
      const res = await hook('ses', JSON.stringify(signed), ses(signed));
      expect(res.status).toBe(200);
      expect(fetched.filter((u) => u === SUBSCRIBE_URL)).toHaveLength(1);
      expect(fetched).not.toContain('https://attacker.example/?Action=Confirm');
      await unchanged();
    });
  });

  describe('SendGrid', () => {
    it('takes a signed batch: a bounce makes the reader bounced, a spam report unsubscribes', async () => {
      const { store, hook } = await setup();
      const batch = [
        sendgridBounce('reader1@example.org'),
        { email: 'reader2@example.org', timestamp: 1, event: 'spamreport', sg_event_id: 'c3BhbXJlcG9ydA' },
        { email: 'reader2@example.org', timestamp: 1, event: 'open', sg_event_id: 'b3Blbg' },
      ];
      const body = JSON.stringify(batch);
      const res = await hook('sendgrid', body, sendgridHeaders(body));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, recorded: 2 });
      expect(await stateOf(store, 'reader1@example.org')).toBe('bounced');
      expect(await stateOf(store, 'reader2@example.org')).toBe('unsubscribed');
      const stored = await events(store);
      expect(stored.map((e) => [e.type, e.class, e.source, e.action])).toEqual([
        ['bounce', 'hard', 'sendgrid', 'bounced'],
        ['complaint', null, 'sendgrid', 'unsubscribed'],
      ]);
      expect(JSON.parse(stored[0]!.raw!)).toEqual(batch[0]);
      expect(await suppressions(store)).toEqual([
        { email_key: 'reader1@example.org', reason: 'hard bounce' },
        { email_key: 'reader2@example.org', reason: 'complaint' },
      ]);
    });

    it('refuses a wrong key, a tampered body, a missing signature, an old timestamp and a replay', async () => {
      const { store, hook, unchanged } = await setup();
      const body = JSON.stringify([sendgridBounce('reader1@example.org')]);
      const tampered = body.replace('reader1', 'reader2');
      const { 'x-twilio-email-event-webhook-signature': _, ...unsigned } = sendgridHeaders(body);
      for (const [text, headers] of [
        [body, sendgridHeaders(body, otherSendgrid.privateKey)],
        [tampered, sendgridHeaders(body)],
        [body, unsigned],
        [body, { 'content-type': 'application/json' }],
        [body, sendgridHeaders(body, sendgrid.privateKey, clock - 10 * 60_000)],
        [body, sendgridHeaders(body, sendgrid.privateKey, clock + 10 * 60_000)],
      ] as const) {
        const res = await hook('sendgrid', text, headers);
        expect(res.status).toBe(401);
      }
      await unchanged();

      const headers = sendgridHeaders(body);
      expect((await hook('sendgrid', body, headers)).status).toBe(200);
      expect((await hook('sendgrid', body, headers)).status).toBe(401);
      expect(await events(store)).toHaveLength(1);
    });
  });

  describe('Mailgun', () => {
    it('takes a signed permanent failure and a complaint; a temporary failure is counted as soft', async () => {
      const { store, hook } = await setup();
      const failed = JSON.stringify(mailgunBody(mailgunFailed('reader1@example.org')));
      expect((await hook('mailgun', failed, { 'content-type': 'application/json' })).status).toBe(200);
      const soft = JSON.stringify(mailgunBody(mailgunFailed('reader2@example.org', 'temporary')));
      expect((await hook('mailgun', soft, { 'content-type': 'application/json' })).status).toBe(200);
      expect(await stateOf(store, 'reader1@example.org')).toBe('bounced');
      expect(await stateOf(store, 'reader2@example.org')).toBe('active');
      const complained = JSON.stringify(
        mailgunBody({ event: 'complained', recipient: 'reader2@example.org', timestamp: clock / 1000 }),
      );
      expect((await hook('mailgun', complained, { 'content-type': 'application/json' })).status).toBe(200);
      expect(await stateOf(store, 'reader2@example.org')).toBe('unsubscribed');
      const stored = await events(store);
      expect(stored.map((e) => [e.email, e.type, e.class, e.diagnostic, e.action])).toEqual([
        ['reader1@example.org', 'bounce', 'hard', '550 5.1.1 No such user', 'bounced'],
        ['reader2@example.org', 'bounce', 'soft', '452 4.2.2 Mailbox full', 'counted'],
        ['reader2@example.org', 'complaint', null, null, 'unsubscribed'],
      ]);
      expect(stored[0]!.raw).toBe(failed);
      expect(await suppressions(store)).toEqual([
        { email_key: 'reader1@example.org', reason: 'hard bounce' },
        { email_key: 'reader2@example.org', reason: 'complaint' },
      ]);
    });

    it('refuses a wrong key, a tampered signature, none, an old timestamp and a reused token', async () => {
      const { store, hook, unchanged } = await setup();
      const data = mailgunFailed('reader1@example.org');
      const genuine = mailgunBody(data);
      const bodies = [
        mailgunBody(data, { key: 'key-someone-else' }),
        { ...genuine, signature: { ...genuine.signature, token: randomBytes(25).toString('hex') } },
        { ...genuine, signature: { ...genuine.signature, timestamp: String(Number(genuine.signature.timestamp) + 1) } },
        { 'event-data': data },
        mailgunBody(data, { at: clock - 10 * 60_000 }),
      ];
      for (const body of bodies)
        expect((await hook('mailgun', JSON.stringify(body), { 'content-type': 'application/json' })).status).toBe(401);
      await unchanged();

      const token = randomBytes(25).toString('hex');
      const once = JSON.stringify(mailgunBody(data, { token }));
      expect((await hook('mailgun', once, { 'content-type': 'application/json' })).status).toBe(200);
      const again = JSON.stringify(mailgunBody(mailgunFailed('reader2@example.org'), { token }));
      expect((await hook('mailgun', again, { 'content-type': 'application/json' })).status).toBe(401);
      expect(await stateOf(store, 'reader2@example.org')).toBe('active');
      expect(await events(store)).toHaveLength(1);
    });
  });

  describe('Postmark', () => {
    it('takes a hard bounce and a spam complaint behind basic auth', async () => {
      const { store, hook } = await setup();
      const auth = { 'content-type': 'application/json', authorization: basic(POSTMARK_AUTH) };
      const bounce = JSON.stringify(postmarkBounce('reader1@example.org'));
      expect((await hook('postmark', bounce, auth)).status).toBe(200);
      const complaint = JSON.stringify({
        ...postmarkBounce('reader2@example.org', 'SpamComplaint'),
        RecordType: 'SpamComplaint',
      });
      expect((await hook('postmark', complaint, auth)).status).toBe(200);
      expect(await stateOf(store, 'reader1@example.org')).toBe('bounced');
      expect(await stateOf(store, 'reader2@example.org')).toBe('unsubscribed');
      expect((await events(store)).map((e) => [e.type, e.class, e.source, e.action])).toEqual([
        ['bounce', 'hard', 'postmark', 'bounced'],
        ['complaint', null, 'postmark', 'unsubscribed'],
      ]);
      expect(await suppressions(store)).toEqual([
        { email_key: 'reader1@example.org', reason: 'hard bounce' },
        { email_key: 'reader2@example.org', reason: 'complaint' },
      ]);
    });

    it('refuses a missing authorization, a wrong password and another scheme, with a challenge', async () => {
      const { hook, unchanged } = await setup();
      const body = JSON.stringify(postmarkBounce('reader1@example.org'));
      for (const authorization of [
        undefined,
        basic('gazette:wrong-password'),
        basic('someone:postmark-hook-password'),
        basic(`${POSTMARK_AUTH}x`),
        `Bearer ${POSTMARK_AUTH}`,
      ]) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (authorization) headers.authorization = authorization;
        const res = await hook('postmark', body, headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
      await unchanged();
    });
  });
});

describe('provider webhooks, routing and limits', () => {
  const recorded: unknown[] = [];
  const port = { record: async (event: unknown) => void recorded.push(event) };
  const auth = { 'content-type': 'application/json', authorization: basic(POSTMARK_AUTH) };

  it('answers 404 for a hook whose secret is not configured, and 503 when the return path is not wired', async () => {
    const app = appFor(fixturePublic, { mailEvents: port });
    for (const name of ['ses', 'postmark', 'sendgrid', 'mailgun', 'other']) {
      const res = await app.request(`/hooks/${name}`, post('{}', auth));
      expect(res.status).toBe(404);
    }
    const unwired = appFor(fixturePublic, { hooks: { postmark: { auth: POSTMARK_AUTH } } });
    expect((await unwired.request('/hooks/postmark', post('{}', auth))).status).toBe(503);
    expect(recorded).toEqual([]);
  });

  it('takes bodies up to 1 MiB (past the app-wide 16 KiB) and refuses larger ones with 413', async () => {
    const app = appFor(fixturePublic, { mailEvents: port, hooks: { postmark: { auth: POSTMARK_AUTH } } });
    const padded = (size: number) =>
      JSON.stringify({ ...postmarkBounce('reader1@example.org'), Content: 'x'.repeat(size) });
    expect((await app.request('/hooks/postmark', post(padded(512 * 1024), auth))).status).toBe(200);
    expect((await app.request('/hooks/postmark', post(padded(1024 * 1024), auth))).status).toBe(413);
    expect(recorded).toHaveLength(1);
    recorded.length = 0;
  });

  it('limits requests per client address, forged ones included', async () => {
    const app = appFor(fixturePublic, {
      mailEvents: port,
      now: () => 1_000_000,
      hooks: { postmark: { auth: POSTMARK_AUTH }, rateLimit: { limit: 2, windowMs: 60_000 } },
    });
    const body = JSON.stringify(postmarkBounce('reader1@example.org'));
    const wrong = { ...auth, authorization: basic('gazette:wrong') };
    expect((await app.request('/hooks/postmark', post(body, wrong), from('198.51.100.1'))).status).toBe(401);
    expect((await app.request('/hooks/postmark', post(body, auth), from('198.51.100.1'))).status).toBe(200);
    const limited = await app.request('/hooks/postmark', post(body, auth), from('198.51.100.1'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await app.request('/hooks/postmark', post(body, auth), from('198.51.100.2'))).status).toBe(200);
    expect(recorded).toHaveLength(2);
    recorded.length = 0;
  });

  it('answers 500 and lets a Mailgun retry through when the events cannot be stored', async () => {
    let failing = true;
    const flaky = {
      record: async () => {
        if (failing) throw new Error('database is down');
      },
    };
    const app = appFor(fixturePublic, { mailEvents: flaky, hooks: { mailgun: { signingKey: MAILGUN_KEY } } });
    const body = JSON.stringify(mailgunBody(mailgunFailed('reader1@example.org')));
    expect((await app.request('/hooks/mailgun', post(body))).status).toBe(500);
    failing = false;
    expect((await app.request('/hooks/mailgun', post(body))).status).toBe(200);
  });
});
