// Operators' changes to the list (CLI, admin): add or remove one address, no mail sent.
import type { Kysely } from '../adapters/database.ts';
import type { DatabaseSchema, SubscriberState } from '../store/schema.ts';
import { GazetteError } from '../errors.ts';
import { normalizeAddress } from './address.ts';
import {
  deleteByKey,
  findById,
  findByKey,
  insertOrFind,
  setState,
  suppressedAmong,
  toSubscriber,
  updateChoices,
  updateName,
  type Subscriber,
} from './repository.ts';

export interface AddOptions {
  /** Display name; undefined leaves an existing one alone, null or '' clears it. */
  name?: string | null;
  /** Default active: an operator adding someone vouches for their consent. */
  state?: SubscriberState;
  /** A language code already checked against the site's (null: the default); undefined leaves it alone. */
  language?: string | null;
  /** Topic ids already checked against the digest's (null: everything); undefined leaves them alone. */
  topics?: readonly string[] | null;
}

/** Creates the subscriber, or moves an existing one to the requested state (and name). AddressError when invalid. */
export async function addSubscriber(
  db: Kysely<DatabaseSchema>,
  address: string,
  options: AddOptions,
  now: Date,
): Promise<{ subscriber: Subscriber; created: boolean }> {
  const { email, key } = normalizeAddress(address);
  const state = options.state ?? 'active';
  if (state === 'active' || state === 'pending') {
    const reason = (await suppressedAmong(db, [key])).get(key);
    if (reason !== undefined)
      throw new GazetteError(
        'ADDRESS_SUPPRESSED',
        `${email} is suppressed (${reason}): only a new double opt-in, through the subscribe form, brings it back`,
      );
  }
  const name = options.name?.replace(/\s+/g, ' ').trim() || null;
  const choice = {
    ...(options.language !== undefined ? { language: options.language } : {}),
    ...(options.topics !== undefined ? { topics: options.topics } : {}),
  };
  const { row, created } = await insertOrFind(db, { email, key, state, name, source: 'cli', ...choice }, now);
  if (created) return { subscriber: toSubscriber(row), created };
  if (row.state !== state) await setState(db, row.id, state, now);
  if (options.name !== undefined && name !== row.name) await updateName(db, row.id, name, now);
  if (options.language !== undefined || options.topics !== undefined) await updateChoices(db, row.id, choice, now);
  const current = await findById(db, row.id);
  return { subscriber: toSubscriber(current ?? row), created };
}

/**
 * Deletes the subscriber (and their unsent deliveries); false when the address is unknown. AddressError when
 * invalid.
 */
export function removeSubscriber(db: Kysely<DatabaseSchema>, address: string): Promise<boolean> {
  return deleteByKey(db, normalizeAddress(address).key);
}

/**
 * Unsubscribes the subscriber as their own unsubscribe link does, keeping the row and its history; null when the
 * address is unknown, false when it was unsubscribed already. AddressError when invalid.
 */
export async function unsubscribeSubscriber(
  db: Kysely<DatabaseSchema>,
  address: string,
  now: Date,
): Promise<boolean | null> {
  const row = await findByKey(db, normalizeAddress(address).key);
  if (!row) return null;
  return setState(db, row.id, 'unsubscribed', now, ['pending', 'active', 'bounced']);
}

/** Sets (or with '' clears) the subscriber's display name; false when the address is unknown. */
export async function renameSubscriber(
  db: Kysely<DatabaseSchema>,
  address: string,
  name: string,
  now: Date,
): Promise<boolean> {
  const row = await findByKey(db, normalizeAddress(address).key);
  if (!row) return false;
  const clean = name.replace(/\s+/g, ' ').trim().slice(0, 200) || null;
  if (clean !== row.name) await updateName(db, row.id, clean, now);
  return true;
}
