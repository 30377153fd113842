// Per recipient: the edition's stored digest personalized with the reader's greeting and signed unsubscribe link.
import path from 'node:path';
import type { MailMessage } from '../mail/index.ts';
import { digestFromJson, personalize, type Digest } from '../newsletter/index.ts';
import { loadOrCreateSecret } from '../store/index.ts';
import { createSubscriptionService } from '../subscribers/index.ts';
import { GazetteError } from '../errors.ts';
import type { DeliveryDeps } from './types.ts';

export type MessageFor = (recipient: { subscriberId: number; email: string; name: string | null }) => MailMessage;

/** Loads the edition's digest and returns a cheap per-recipient message builder. */
export async function messageBuilder(deps: DeliveryDeps, editionId: number): Promise<MessageFor> {
  const row = await deps.store.db.selectFrom('editions').select(['digest']).where('id', '=', editionId).executeTakeFirst();
  if (!row?.digest) throw new GazetteError('EDITION_NOT_FOUND', `edition ${editionId} has no stored digest`);
  const digest: Digest = digestFromJson(row.digest);
  const secret = deps.secret ?? (await loadOrCreateSecret(path.join(deps.root, 'var'), { GAZETTE_SECRET: process.env.GAZETTE_SECRET }));
  // the subscription service owns the link format; only its unsubscribeUrl is used here
  const links = createSubscriptionService({
    store: deps.store,
    mailer: { send: async () => undefined },
    site: { title: deps.config.site.title, url: deps.config.site.url },
    from: deps.config.digest.from,
    secret,
  });
  return (recipient) =>
    personalize(
      digest,
      {
        subscriberId: recipient.subscriberId,
        email: recipient.email,
        name: recipient.name,
        unsubscribeUrl: links.unsubscribeUrl({ id: recipient.subscriberId, email: recipient.email }),
      },
      deps.config,
    );
}
