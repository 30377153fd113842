// Delivery test set-up: a store, subscribers written straight into it, the real SMTP test server and DeliveryDeps over
// them.
import path from 'node:path';
import { silentLogger } from '../../src/adapters/pino.ts';
import type { Config } from '../../src/config/schema.ts';
import type { DeliveryDeps } from '../../src/delivery/index.ts';
import { createMailer, type Mailer } from '../../src/mail/index.ts';
import type { Store, SubscriberState } from '../../src/store/index.ts';
import { subscriberKey } from '../../src/subscribers/index.ts';
import { CONTENT_DIR, NOW, ROOT, sampleConfig, TEMPLATES_DIR } from '../newsletter/factory.ts';

export { NOW, ROOT, CONTENT_DIR };

export const SECRET = 'delivery-test-secret-0123456789abcdef';

/** Short retries so that tests see them come due within a second or so. */
export const FAST_BACKOFF = { baseMs: 40, maxMs: 200 };

/** The sample config with quick, test-sized delivery settings; `digest` keys in gazette.yaml spelling. */
export function deliveryConfig(digest: Record<string, unknown> = {}): Config {
  return sampleConfig({ batch_size: 25, concurrency: 4, max_attempts: 8, pause_after_failures: 20, ...digest });
}

/** A clock that starts at NOW and moves on with real time: retries come due as the test runs. */
export function movingClock(start: Date = NOW): () => Date {
  const t0 = Date.now();
  return () => new Date(start.getTime() + (Date.now() - t0));
}

/** Inserts subscribers `reader<i>@example.org` (i from 1) in one statement per 500; returns their ids in order. */
export async function addSubscribers(
  store: Store,
  count: number,
  state: SubscriberState = 'active',
  prefix = 'reader',
): Promise<number[]> {
  const ids: number[] = [];
  const at = NOW.getTime() - 86_400_000;
  for (let start = 0; start < count; start += 500) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const email = `${prefix}${i + 1}@example.org`;
      rows.push({
        email,
        email_key: subscriberKey(email),
        state,
        name: i % 3 === 0 ? `Reader ${i + 1}` : null,
        source: 'import',
        created_at: at,
        updated_at: at,
        confirmed_at: state === 'active' ? at : null,
        unsubscribed_at: null,
        notified_at: null,
      });
    }
    const inserted = await store.db.insertInto('subscribers').values(rows).returning('id').execute();
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

export interface DepsOptions {
  store: Store;
  varDir: string;
  smtpUrl?: string | undefined;
  config?: Config;
  now?: () => Date;
  mailer?: Mailer;
}

/** DeliveryDeps over the repository's content and templates. */
export function deliveryDeps(options: DepsOptions): DeliveryDeps {
  const config = options.config ?? deliveryConfig();
  return {
    store: options.store,
    mailer:
      options.mailer ??
      createMailer({
        smtpUrl: options.smtpUrl,
        outboxDir: path.join(options.varDir, 'outbox'),
        pool: { maxConnections: config.digest.concurrency },
      }),
    config,
    logger: silentLogger(),
    now: options.now ?? movingClock(),
    contentDir: CONTENT_DIR,
    templatesDir: TEMPLATES_DIR,
    root: ROOT,
    secret: SECRET,
    retryBackoff: FAST_BACKOFF,
  };
}

/** How many messages each address received. */
export function receivedCounts(messages: readonly { to: string[] }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}
