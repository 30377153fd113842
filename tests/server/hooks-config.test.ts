// The webhooks' settings from the environment: each variable read, a malformed one refused naming the variable and
// never its secret.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/config/load.ts';
import { createHttpsGet } from '../../src/server/hooks/http-get.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');

const settings = (env: NodeJS.ProcessEnv) => resolveEnvironment(env, { root: '/r' }).webhooks;

function refusal(env: NodeJS.ProcessEnv): Error {
  try {
    settings(env);
  } catch (err) {
    return err as Error;
  }
  throw new Error('accepted');
}

describe('webhook settings', () => {
  it('has no hooks without their variables', () => {
    expect(settings({})).toBeUndefined();
    expect(settings({ SES_SNS_TOPIC_ARNS: ' ', MAILGUN_WEBHOOK_SIGNING_KEY: '' })).toBeUndefined();
  });

  it('reads each provider variable', () => {
    expect(
      settings({
        SES_SNS_TOPIC_ARNS: `${TOPIC}, arn:aws:sns:us-east-1:123456789012:other.fifo`,
        SENDGRID_WEBHOOK_PUBLIC_KEY: p256,
        MAILGUN_WEBHOOK_SIGNING_KEY: 'key-0123',
        POSTMARK_WEBHOOK_AUTH: 'gazette:pass:word',
      }),
    ).toEqual({
      ses: { topicArns: [TOPIC, 'arn:aws:sns:us-east-1:123456789012:other.fifo'] },
      sendgrid: { publicKey: p256 },
      mailgun: { signingKey: 'key-0123' },
      postmark: { auth: 'gazette:pass:word' },
    });
  });

  it('refuses a malformed variable, naming it and not its secret', () => {
    expect(refusal({ SES_SNS_TOPIC_ARNS: 'gazette-bounces' }).message).toMatch(/^SES_SNS_TOPIC_ARNS .*gazette-bounces/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    for (const key of [rsa, 'not-a-key'])
      expect(refusal({ SENDGRID_WEBHOOK_PUBLIC_KEY: key }).message).toMatch(/^SENDGRID_WEBHOOK_PUBLIC_KEY must/);
    for (const auth of ['only-s3cr3t', ':s3cr3t', 'gazette-s3cr3t:']) {
      const err = refusal({ POSTMARK_WEBHOOK_AUTH: auth });
      expect(err.message).toMatch(/^POSTMARK_WEBHOOK_AUTH must be user:password$/);
      expect(err.message).not.toContain(auth);
    }
  });
});

describe('the certificate and SubscribeURL client', () => {
  it('fetches nothing but https', async () => {
    await expect(createHttpsGet()(new URL('http://sns.eu-west-1.amazonaws.com/x.pem'))).rejects.toThrow(/https/);
  });
});
