// Per recipient: the edition's stored digest personalized with the reader's greeting and signed unsubscribe link.
import path from 'node:path';
import type { MailMessage, Mailer, RawMessage } from '../mail/index.ts';
import { digestFromJson, digestTemplate, personalize, recipientValues, type Digest } from '../newsletter/index.ts';
import { oneLine } from '../newsletter/header.ts';
import { loadOrCreateSecret, type Store } from '../store/index.ts';
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

/** One group's digest and, when the mailer can, its message template compiled once. */
interface GroupMessages {
  digest: Digest;
  template: MessageTemplate | undefined;
}

type MessageTemplate = NonNullable<Awaited<ReturnType<NonNullable<Mailer['compile']>>>>;

// Per sender (its mailer) and ledger: each (edition, group)'s template compiled once, however many drains send it.
const compiled = new WeakMap<Store, WeakMap<Mailer, Map<string, Promise<GroupMessages>>>>();

/** The stored digest of a group of `editionId`; `null`: the edition's one digest (an edition made before groups). */
async function groupDigest(deps: DeliveryDeps, editionId: number, groupKey: string | null): Promise<Digest> {
  const stored =
    groupKey === null
      ? (await deps.store.db.selectFrom('editions').select(['digest']).where('id', '=', editionId).executeTakeFirst())
          ?.digest
      : (
          await deps.store.db
            .selectFrom('edition_groups')
            .select(['digest'])
            .where('edition_id', '=', editionId)
            .where('group_key', '=', groupKey)
            .executeTakeFirst()
        )?.digest;
  if (!stored)
    throw new GazetteError(
      'EDITION_NOT_FOUND',
      groupKey === null
        ? `edition ${editionId} has no stored digest`
        : `edition ${editionId} has no stored digest for group ${groupKey}`,
    );
  return digestFromJson(stored);
}

function groupMessages(deps: DeliveryDeps, editionId: number, groupKey: string | null): Promise<GroupMessages> {
  const { mailer, config } = deps;
  let byMailer = compiled.get(deps.store);
  if (!byMailer) {
    byMailer = new WeakMap();
    compiled.set(deps.store, byMailer);
  }
  let cache = byMailer.get(mailer);
  if (!cache) {
    cache = new Map();
    byMailer.set(mailer, cache);
  }
  const key = `${editionId}\u0000${groupKey ?? ''}`;
  let entry = cache.get(key);
  if (!entry) {
    if (cache.size >= 256) cache.clear();
    entry = (async () => {
      const digest = await groupDigest(deps, editionId, groupKey);
      const template =
        mailer.compile && mailer.sendRaw ? await mailer.compile(digestTemplate(digest, config)) : undefined;
      return { digest, template };
    })();
    // a failed load is tried again by the next claim, not remembered
    entry.catch(() => cache.delete(key));
    cache.set(key, entry);
  }
  return entry;
}

/** An edition's messages: per group its digest (compiled once), per recipient the bytes or the message. */
export interface EditionMessages {
  /** Loads the group's digest and compiles its template, once; before `message` for a row of the group. */
  group(groupKey: string | null): Promise<void>;
  /** The recipient's message from their group's digest; the group must have been loaded. */
  message(recipient: Recipient, groupKey: string | null): PreparedMessage;
}

/**
 * An edition's messages: each group's digest is loaded and, when the mailer can, composed once as a message
 * template; each recipient's message is then bytes filled from the template (or, for what the template cannot
 * hold, a MailMessage the mailer composes in full).
 */
export async function editionMessages(deps: DeliveryDeps, editionId: number): Promise<EditionMessages> {
  const { config } = deps;
  const secret =
    deps.secret ??
    (await loadOrCreateSecret(path.join(deps.root, 'var'), { GAZETTE_SECRET: process.env.GAZETTE_SECRET }));
  // the subscription service owns the link format; only its unsubscribe and preferences links are used here
  const links = createSubscriptionService({
    store: deps.store,
    mailer: { send: async () => undefined },
    site: { title: config.site.title, url: config.site.url },
    from: config.digest.from,
    secret,
  });
  const from = oneLine(config.digest.from.address);
  // the return path: each reader's own signed envelope sender and mailto: unsubscribe, received by gazette
  const bounceAddress = config.digest.bounceAddress;
  const returnPath = (r: Recipient, kind: 'bounce' | 'unsubscribe'): string | undefined =>
    bounceAddress === undefined
      ? undefined
      : verpAddress(bounceAddress, secret, { kind, editionId, subscriberId: r.subscriberId });
  const loaded = new Map<string | null, GroupMessages>();
  return {
    async group(groupKey) {
      if (!loaded.has(groupKey)) loaded.set(groupKey, await groupMessages(deps, editionId, groupKey));
    },
    message(recipient, groupKey) {
      const group = loaded.get(groupKey);
      if (!group) throw new GazetteError('EDITION_NOT_FOUND', `edition ${editionId}: group ${groupKey} not loaded`);
      const { digest, template } = group;
      const mailbox = returnPath(recipient, 'unsubscribe');
      const subject = { id: recipient.subscriberId, email: recipient.email };
      const full = {
        ...recipient,
        unsubscribeUrl: links.unsubscribeUrl(subject),
        preferencesUrl: links.preferencesUrl(subject),
        ...(mailbox !== undefined ? { unsubscribeMailbox: mailbox } : {}),
      };
      if (template) {
        const values = recipientValues(digest, full, config, secret);
        const raw = template.render(values);
        const sender = returnPath(recipient, 'bounce') ?? from;
        if (raw)
          return {
            messageId: values.messageId,
            raw: { from: sender, to: values.to, messageId: values.messageId, raw },
          };
      }
      const message = personalize(digest, full, config, secret);
      return { messageId: message.messageId, message };
    },
  };
}
