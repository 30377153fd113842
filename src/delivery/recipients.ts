// Per recipient: the edition's stored digest personalized with the reader's greeting and signed unsubscribe link.
import path from 'node:path';
import type { MailMessage, RawMessage } from '../mail/index.ts';
import { digestFromJson, digestTemplate, personalize, recipientValues, type Digest } from '../newsletter/index.ts';
import { oneLine } from '../newsletter/header.ts';
import { loadOrCreateSecret } from '../store/index.ts';
import { createSubscriptionService } from '../subscribers/service.ts';
import { verpAddress } from '../bounces/verp.ts';
import { GazetteError } from '../errors.ts';
import type { DeliveryDeps } from './types.ts';

export interface Recipient {
  subscriberId: number;
  email: string;
  name: string | null;
}

/** One recipient's message: bytes from the edition's template, or a message to compose in full. */
export type PreparedMessage =
  | { messageId: string; raw: RawMessage; message?: undefined }
  | { messageId: string; message: MailMessage; raw?: undefined };

async function editionDigest(
  deps: DeliveryDeps,
  editionId: number,
): Promise<{ digest: Digest; unsubscribeUrl: (r: Recipient) => string; secret: string }> {
  const row = await deps.store.db
    .selectFrom('editions')
    .select(['digest'])
    .where('id', '=', editionId)
    .executeTakeFirst();
  if (!row?.digest) throw new GazetteError('EDITION_NOT_FOUND', `edition ${editionId} has no stored digest`);
  const digest: Digest = digestFromJson(row.digest);
  const secret =
    deps.secret ??
    (await loadOrCreateSecret(path.join(deps.root, 'var'), { GAZETTE_SECRET: process.env.GAZETTE_SECRET }));
  // the subscription service owns the link format; only its unsubscribeUrl is used here
  const links = createSubscriptionService({
    store: deps.store,
    mailer: { send: async () => undefined },
    site: { title: deps.config.site.title, url: deps.config.site.url },
    from: deps.config.digest.from,
    secret,
  });
  return { digest, secret, unsubscribeUrl: (r) => links.unsubscribeUrl({ id: r.subscriberId, email: r.email }) };
}

/**
 * Loads the edition's digest and, when the mailer can, composes it once as a message template;
 * the returned function gives each recipient's message as bytes filled from the template (or, for
 * what the template cannot hold, a MailMessage the mailer composes in full).
 */
export async function editionMessages(
  deps: DeliveryDeps,
  editionId: number,
): Promise<(recipient: Recipient) => PreparedMessage> {
  const { digest, unsubscribeUrl, secret } = await editionDigest(deps, editionId);
  const { config, mailer } = deps;
  const template = mailer.compile && mailer.sendRaw ? await mailer.compile(digestTemplate(digest, config)) : undefined;
  const from = oneLine(config.digest.from.address);
  // the return path: each reader's own signed envelope sender and mailto: unsubscribe, received by gazette
  const bounceAddress = config.digest.bounceAddress;
  const returnPath = (r: Recipient, kind: 'bounce' | 'unsubscribe'): string | undefined =>
    bounceAddress === undefined
      ? undefined
      : verpAddress(bounceAddress, secret, { kind, editionId, subscriberId: r.subscriberId });
  return (recipient) => {
    const mailbox = returnPath(recipient, 'unsubscribe');
    const full = {
      ...recipient,
      unsubscribeUrl: unsubscribeUrl(recipient),
      ...(mailbox !== undefined ? { unsubscribeMailbox: mailbox } : {}),
    };
    if (template) {
      const values = recipientValues(digest, full, config, secret);
      const raw = template.render(values);
      const sender = returnPath(recipient, 'bounce') ?? from;
      if (raw)
        return { messageId: values.messageId, raw: { from: sender, to: values.to, messageId: values.messageId, raw } };
    }
    const message = personalize(digest, full, config, secret);
    return { messageId: message.messageId, message };
  };
}
