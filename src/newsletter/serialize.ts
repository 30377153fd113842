// A Digest as JSON, for the edition's row in the database: a resumed send personalizes the very same digest.
import { check, z } from '../adapters/zod.ts';
import { GazetteError } from '../errors.ts';
import type { Digest } from './compose.ts';
import { SLOT_NAMES } from './slots.ts';

const slotted = z
  .strictObject({ parts: z.array(z.string()).min(1), slots: z.array(z.enum(SLOT_NAMES)) })
  .refine((t) => t.parts.length === t.slots.length + 1, 'parts must be one more than slots');
const isoDate = z
  .string()
  .datetime()
  .transform((s) => new Date(s));

const digestSchema = z.strictObject({
  version: z.literal(1),
  editionId: z.string().min(1),
  slug: z.string().min(1),
  date: isoDate,
  window: z.strictObject({ start: isoDate, end: isoDate }),
  subject: z.string().refine((s) => !/[\r\n]/.test(s), 'subject must be one line'),
  itemIds: z.array(z.string()),
  archiveUrl: z.string().url(),
  group: z.string().min(1).optional(),
  lang: z.string().min(1).optional(),
  words: z
    .strictObject({
      greeting: z.string(),
      greetingName: z.tuple([z.string(), z.string()]),
      unsubscribe: z.string(),
    })
    .optional(),
  html: slotted,
  text: slotted,
});

/** Serializes a digest; `digestFromJson(digestToJson(d))` equals `d`. */
export function digestToJson(digest: Digest): string {
  return JSON.stringify({
    version: 1,
    editionId: digest.editionId,
    slug: digest.slug,
    date: digest.date.toISOString(),
    window: { start: digest.window.start.toISOString(), end: digest.window.end.toISOString() },
    subject: digest.subject,
    itemIds: digest.itemIds,
    archiveUrl: digest.archiveUrl,
    ...(digest.group !== undefined ? { group: digest.group } : {}),
    ...(digest.lang !== undefined ? { lang: digest.lang } : {}),
    ...(digest.words !== undefined ? { words: digest.words } : {}),
    html: digest.html,
    text: digest.text,
  });
}

/** Reads a digest written by `digestToJson`; throws DIGEST_CORRUPT when the text is not one. */
export function digestFromJson(text: string): Digest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new GazetteError('DIGEST_CORRUPT', `stored digest is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = check(digestSchema, data);
  if (!result.ok)
    throw new GazetteError(
      'DIGEST_CORRUPT',
      `stored digest is invalid: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  const { version: _version, ...digest } = result.value;
  return digest;
}
