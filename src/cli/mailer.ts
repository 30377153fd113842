// The mailer every command that sends wires from the environment and gazette.yaml.
import path from 'node:path';
import type { Environment } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createMailer, type Mailer } from '../mail/index.ts';
import { loadDigestDkim } from '../newsletter/index.ts';

/**
 * SMTP_URL, or .eml files under var/outbox/ when it is unset; pooled to digest.concurrency
 * connections, DKIM-signing when digest.dkim is configured. Digests and subscription mails share it.
 */
export async function openConfiguredMailer(env: Environment, config: Config): Promise<Mailer> {
  const dkim = await loadDigestDkim(config, env.root);
  return createMailer({
    smtpUrl: env.smtpUrl,
    outboxDir: path.join(env.varDir, 'outbox'),
    pool: { maxConnections: config.digest.concurrency },
    ...(dkim ? { dkim } : {}),
  });
}
